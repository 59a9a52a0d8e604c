"""The cost of trust: a visibility-filtered page of shareable records at 1x and 100x the data.

Every list in the platform goes through ``access.policy.visible_to``. This benchmark builds
N national documents (a realistic mix of TLP labels, each AMBER/RED one with a named
audience), then times, for three readers, what a page of the documents list costs:

- the first page and a deep page (cursor half-way through) of ``documents_service.list_``;
- the same query with no visibility filter at all (the floor: what an unprotected table costs);
- the count shown beside the list, and a free-text search.

It reports milliseconds per call (median of repeats) at N = 1,000 and N = 100,000 and the
ratio between them: the target is a page at 100x the data costing at most 1.5x as much.
SQLite always; PostgreSQL too when the server at 127.0.0.1:5432 answers (database
``aseancyber_bench``, created and dropped here). ``ASEANCYBER_BENCH_QUICK=1`` uses 100 and
10,000 documents for a fast check.
"""

import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.config import Config
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access import service as access_service
from aseancyber.access.models import Organisation, User
from aseancyber.access.policy import Actor, RecordAudience, Tlp
from aseancyber.community import documents_service
from aseancyber.community.documents import Document, DocumentKind
from aseancyber.db import make_engine
from aseancyber.demo import load_demo
from aseancyber.reference import load_reference
from aseancyber.settings import Environment, Settings, use_settings
from aseancyber.web.pagination import Page

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
LABEL_MIX = (
    [Tlp.CLEAR] * 20 + [Tlp.GREEN] * 40 + [Tlp.AMBER] * 25 + [Tlp.AMBER_STRICT] * 10 + [Tlp.RED] * 5
)
READERS = {
    "CERT analyst, another state": "analyst.my@example.org",
    "regional coordinator": "coordinator@example.org",
    "vendor (external)": "vendor@example.org",
}
REPEATS = 15
console = Console()


def _migrate(engine: Engine) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def _fill(factory: sessionmaker[Session], count: int) -> None:
    """Reference and demo data, then ``count`` documents with audiences, in bulk."""
    rng = random.Random(2018)
    with factory.begin() as db:
        load_reference(db)
        load_demo(db)
    with factory.begin() as db:
        organisations = list(db.scalars(select(Organisation.id)))
        users = list(db.scalars(select(User.id)))
        start = datetime(2020, 1, 1, tzinfo=UTC)
        documents, audience = [], []
        for n in range(count):
            label = rng.choice(LABEL_MIX)
            document_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            created = start + timedelta(minutes=n)
            documents.append(
                {
                    "id": document_id,
                    "title": f"Threat assessment {n} on sector {rng.randint(1, 40)}",
                    "kind": DocumentKind.THREAT_ASSESSMENT,
                    "summary": f"Summary number {n} of a national view",
                    "body": "",
                    "link": "",
                    "owner_organisation_id": rng.choice(organisations),
                    "created_by_id": rng.choice(users),
                    "tlp": label,
                    "green_includes_external": label is Tlp.GREEN and rng.random() < 0.2,
                    "created_at": created,
                    "updated_at": created,
                    "version": 1,
                }
            )
            if label in (Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED):
                for organisation_id in rng.sample(organisations, rng.randint(1, 3)):
                    audience.append(
                        {
                            "record_kind": "document",
                            "record_id": document_id,
                            "organisation_id": organisation_id,
                        }
                    )
            if len(documents) >= 5000:
                db.execute(insert(Document), documents)
                documents = []
        if documents:
            db.execute(insert(Document), documents)
        for at in range(0, len(audience), 5000):
            db.execute(insert(RecordAudience), audience[at : at + 5000])
    with factory() as db:
        db.execute(text("ANALYZE"))  # fresh statistics, as a live database would have
        db.commit()


def _timed(call: Callable[[], object]) -> float:
    samples = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def _measure_reader(db: Session, reader: Actor) -> dict[str, float]:
    first: Page[Document] = documents_service.list_(db, reader=reader)
    deep_cursor = first.next_cursor
    for _ in range(20):  # walk a little way in: a cursor from further down the list
        if deep_cursor is None:
            break
        deep_cursor = documents_service.list_(
            db, reader=reader, cursor=deep_cursor, limit=500
        ).next_cursor
    search = documents_service.parse_filters(q="sector 7")
    return {
        "first page": _timed(lambda: documents_service.list_(db, reader=reader)),
        "deep page": _timed(lambda: documents_service.list_(db, reader=reader, cursor=deep_cursor)),
        "count": _timed(lambda: documents_service.count(db, reader=reader)),
        "search": _timed(lambda: documents_service.list_(db, reader=reader, filters=search)),
    }


def _measure(factory: sessionmaker[Session]) -> dict[tuple[str, str], float]:
    figures: dict[tuple[str, str], float] = {}
    with factory() as db:
        for reader_name, email in READERS.items():
            user = db.scalar(select(User).where(User.email == email))
            assert user is not None, email
            for call, ms in _measure_reader(db, access_service.actor_for(user)).items():
                figures[(reader_name, call)] = ms
        floor = select(Document).order_by(Document.created_at.desc(), Document.id.desc()).limit(51)
        figures[("no filter (floor)", "first page")] = _timed(lambda: list(db.scalars(floor)))
    return figures


def _run(
    label: str, url_for: Callable[[int], tuple[str, Callable[[], None]]], sizes: list[int]
) -> None:
    results: dict[int, dict[tuple[str, str], float]] = {}
    for size in sizes:
        url, cleanup = url_for(size)
        engine = make_engine(url)
        try:
            _migrate(engine)
            factory = sessionmaker(bind=engine, expire_on_commit=False)
            began = time.perf_counter()
            _fill(factory, size)
            console.print(
                f"  {label}: {size:,} documents loaded in {time.perf_counter() - began:.1f} s"
            )
            results[size] = _measure(factory)
        finally:
            engine.dispose()
            cleanup()
    small, large = sizes
    table = Table(title=f"Visibility-filtered documents list on {label} (ms, median of {REPEATS})")
    table.add_column("reader")
    table.add_column("call")
    table.add_column(f"N={small:,}", justify="right")
    table.add_column(f"N={large:,}", justify="right")
    table.add_column("ratio", justify="right")
    for key in results[small]:
        ratio = results[large][key] / results[small][key]
        colour = "green" if ratio <= 1.5 else "red"
        table.add_row(
            key[0],
            key[1],
            f"{results[small][key]:.2f}",
            f"{results[large][key]:.2f}",
            f"[{colour}]{ratio:.2f}x[/]",
        )
    console.print(table)


def _sqlite(size: int) -> tuple[str, Callable[[], None]]:
    folder = tempfile.mkdtemp(prefix="aseancyber-bench-")
    path = Path(folder) / f"bench-{size}.db"

    def cleanup() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        Path(folder).rmdir()

    return f"sqlite:///{path}", cleanup


def _postgres_available() -> bool:
    try:
        engine = make_engine(PG_SERVER + "postgres")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:
        return False
    return True


def _postgres(size: int) -> tuple[str, Callable[[], None]]:
    admin = make_engine(PG_SERVER + "postgres").execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS aseancyber_bench"))
        connection.execute(text("CREATE DATABASE aseancyber_bench"))

    def cleanup() -> None:
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS aseancyber_bench WITH (FORCE)"))
        admin.dispose()

    return PG_SERVER + "aseancyber_bench", cleanup


def main() -> None:
    quick = os.environ.get("ASEANCYBER_BENCH_QUICK") == "1"
    sizes = [100, 10_000] if quick else [1_000, 100_000]
    secret = "benchmark-secret-key"  # noqa: S105 - throwaway databases only
    use_settings(Settings(environment=Environment.TEST, secret_key=secret, _env_file=None))
    console.rule("foundation: the cost of the visibility policy")
    _run("SQLite", _sqlite, sizes)
    if _postgres_available():
        _run("PostgreSQL", _postgres, sizes)
    else:
        console.print("PostgreSQL at 127.0.0.1:5432 did not answer: skipped")


if __name__ == "__main__":
    main()
