"""Duplicate detection end to end: 20,000 initiatives written to a real database, the whole
registry detected and every flagged pair stored (with its reasons, audited), committed.

Run: ``python -m benchmarks initiatives_end_to_end`` (``ASEANCYBER_BENCH_SIZE`` to change
the size, ``ASEANCYBER_BENCH_DATABASE_URL`` for PostgreSQL; default a fresh SQLite file).
The rows are written in bulk as the benchmark of the import path does (the row-by-row
validation of a spreadsheet import is the import's own benchmark); the detection and the
storing are the production code (:func:`aseancyber.initiatives.overlaps.service.detect_all`).
Wall-clock seconds, with CPU seconds of this process beside them.
"""

import os
import tempfile
import time
import uuid

from alembic import command
from alembic.config import Config
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from aseancyber.access.models import Organisation, OrganisationKind
from aseancyber.db import make_engine
from aseancyber.initiatives.detection import live_index
from aseancyber.initiatives.detection.index import Profile
from aseancyber.initiatives.overlaps import service as overlaps
from aseancyber.initiatives.overlaps.models import Overlap
from benchmarks.initiatives import ROOT, insert_profiles, synthetic_corpus

TARGET_SECONDS = 60


def run(size: int, url: str) -> dict[str, float]:
    engine = make_engine(url)
    config = Config(str(ROOT / "alembic.ini"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    corpus = [Profile(**{**p.__dict__, "id": str(uuid.uuid4())}) for p in synthetic_corpus(size)]
    timings: dict[str, float] = {}
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    with factory.begin() as db:
        owner = Organisation(
            name="Benchmark body", short_name="BB", kind=OrganisationKind.SECRETARIAT
        )
        db.add(owner)
        db.flush()
        for start in range(0, len(corpus), 2_000):
            insert_profiles(db, corpus[start : start + 2_000], owner.id)
        live_index.record_change(db, initiative_ids=[p.id for p in corpus])
        timings["write"] = time.perf_counter() - started_wall
        overlaps.detect_all(db)
    timings["total"] = time.perf_counter() - started_wall
    timings["cpu"] = time.process_time() - started_cpu
    timings["detect_and_store"] = timings["total"] - timings["write"]
    with factory() as db:
        timings["pairs"] = float(db.scalar(select(func.count()).select_from(Overlap)) or 0)
        if engine.dialect.name == "postgresql":
            db.execute(text("SELECT 1"))
    engine.dispose()
    return timings


def main() -> None:
    size = int(os.environ.get("ASEANCYBER_BENCH_SIZE") or 20_000)
    url = os.environ.get("ASEANCYBER_BENCH_DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as folder:
        timings = run(size, url or f"sqlite:///{folder}/bench.db")
    table = Table(
        title=f"Detect {size:,} initiatives end to end on "
        f"{'PostgreSQL' if url.startswith('postgresql') else 'SQLite'} (seconds)"
    )
    for column in (
        "write rows",
        "detect and store pairs",
        "total (wall)",
        "CPU",
        "pairs",
        "target",
    ):
        table.add_column(column, justify="right")
    table.add_row(
        f"{timings['write']:.1f}",
        f"{timings['detect_and_store']:.1f}",
        f"{timings['total']:.1f}",
        f"{timings['cpu']:.1f}",
        f"{timings['pairs']:,.0f}",
        f"<= {TARGET_SECONDS} s",
    )
    Console(width=170).print(table)


if __name__ == "__main__":
    main()
