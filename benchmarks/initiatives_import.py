"""Registry import benchmark: one import of a realistic 20,000-row CSV, rows stored and
duplicates detected end to end, on SQLite and PostgreSQL, beside the row-by-row path.

Run: ``python -m benchmarks initiatives_import`` (``ASEANCYBER_BENCH_QUICK=1`` for 2,000
rows; ``ASEANCYBER_BENCH_SIZE=N`` for any size). PostgreSQL is used when
``ASEANCYBER_BENCH_PG_URL`` names a database the benchmark may wipe (its public schema is
dropped and migrated again).

The file is written as registries write: the synthetic corpus of the detection benchmark
(about one row in ten a re-registration of another, reworded, under another body), with
states by name or alias ("Lao People's Democratic Republic", "Viet Nam", "All ASEAN Member
States"), bodies by former names (TELMIN, AMMTC, ASEANAPOL, ARF...), beneficiaries outside
ASEAN, theme and audience labels, month dates. The peer is the path the import took
before (one ORM ``service.create`` per row, then detection), timed on a sample and
extrapolated linearly (it only gets slower per row as the registry grows).
"""

import csv
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.models import (
    MemberState,
    Organisation,
    OrganisationKind,
    Role,
    User,
    UserRole,
)
from aseancyber.access.policy import Actor
from aseancyber.access.service import actor_for
from aseancyber.db import make_engine
from aseancyber.initiatives import chunked_import, registry_names, service, transfer
from aseancyber.initiatives.detection import runs as detection_runs
from aseancyber.initiatives.models import Initiative
from aseancyber.initiatives.overlaps import service as overlaps
from aseancyber.initiatives.overlaps.models import Overlap
from aseancyber.initiatives.schemas import InitiativeCreate
from aseancyber.jobs.units import committed_units
from aseancyber.norms.reference import load_norms
from aseancyber.reference import load_reference
from aseancyber.settings import Environment, Settings, use_settings
from benchmarks.initiatives import synthetic_corpus

ROOT = Path(__file__).resolve().parent.parent
console = Console(width=160)

STATE_WORDING = {
    "BN": ["Brunei Darussalam", "Brunei", "BN"],
    "KH": ["Cambodia", "Kingdom of Cambodia", "KHM"],
    "ID": ["Indonesia", "ID"],
    "LA": ["Lao PDR", "Laos", "Lao People's Democratic Republic"],
    "MY": ["Malaysia", "MY"],
    "MM": ["Myanmar", "Burma"],
    "PH": ["Philippines", "The Philippines", "PH"],
    "SG": ["Singapore", "SG"],
    "TH": ["Thailand", "TH"],
    "VN": ["Viet Nam", "Vietnam", "VNM"],
    "TL": ["Timor-Leste", "Timor Leste"],
}
BODY_WORDING = {
    "ADGMIN": ["ADGMIN", "TELMIN", "TELSOM", "ADGSOM", "ASEAN Digital Ministers' Meeting"],
    "SOMTC-WG-CC": ["AMMTC", "SOMTC", "ASEANAPOL", "SOMTC Working Group on Cybercrime"],
    "ARF-ISM-ICTS": ["ARF", "ARF ISM on ICTs Security", "ASEAN Regional Forum"],
    "ADMM-EWG-CS": ["ADMM", "ADMM-Plus", "ADMM-EWG-CS"],
    "AMM": ["AMM", "ASEAN Foreign Ministers' Meeting"],
    "CYBER-CC": ["Cyber-CC", "ASEAN Cybersecurity Coordinating Committee"],
    "AMRI": ["AMRI", "SOMRI"],
}
THEME_WORDING = {
    "policy_strategy": "Policy & Strategy",
    "incident_ci": "Incident Management & Critical Infrastructure Protection",
    "cybercrime": "Cybercrime",
    "culture_skills": "Culture & Skills",
    "standards": "Standards",
}
OUTSIDE = ["Japan", "Pacific Islands", "Republic of Korea", "EU", "Bangladesh", "Fiji"]
FUNDERS = ["Japan", "Singapore", "Australia", "European Union", "United States", "Korea"]
HEADER = [
    "Title",
    "Description",
    "Status",
    "Start date",
    "End date",
    "Funders",
    "Beneficiaries",
    "Topics",
    "Target audience",
    "Sectoral body",
    "Programme",
    "Norms",
]


def write_registry(path: Path, size: int, *, seed: int = 16) -> None:
    """A registry export of ``size`` rows in real registry wording."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for profile in synthetic_corpus(size):
            states = sorted(profile.states)
            if len(states) == 11 or (len(states) > 3 and rng.random() < 0.5):
                beneficiaries = [rng.choice(["All ASEAN Member States", "ASEAN", "AMS"])]
            else:
                beneficiaries = [rng.choice(STATE_WORDING[state]) for state in states]
            if rng.random() < 0.05:
                beneficiaries.append(rng.choice(OUTSIDE))
            start, end = profile.start or 2020 * 12, profile.end or 2020 * 12
            writer.writerow(
                [
                    profile.title,
                    profile.text,
                    rng.choice(["Planned", "Ongoing", "Active", "Completed"]),
                    f"{start // 12}-{start % 12 + 1:02d}",
                    f"{end // 12}-{end % 12 + 1:02d}",
                    rng.choice(FUNDERS),
                    "; ".join(beneficiaries),
                    "; ".join(THEME_WORDING[theme] for theme in sorted(profile.themes)),
                    "; ".join(a.replace("_", " ").title() for a in sorted(profile.audience)),
                    rng.choice(BODY_WORDING[profile.body]),
                    profile.programme,
                    "; ".join(rng.sample("abcdefghijk", rng.choice([0, 1, 2]))),
                ]
            )


def _migrate(engine: Engine) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def _prepare(engine: Engine) -> tuple[sessionmaker[Session], str]:
    """Migrated database with the reference directory, the norms and one importing user."""
    _migrate(engine)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as db:
        load_reference(db)
        load_norms(db)
        singapore = db.scalar(select(MemberState).where(MemberState.iso2 == "SG"))
        organisation = Organisation(
            name="Benchmark registry office",
            short_name="BRO",
            kind=OrganisationKind.NATIONAL_CYBER_AGENCY,
            member_state_id=singapore.id if singapore else None,
        )
        db.add(organisation)
        db.flush()
        user = User(
            email="importer@example.org",
            display_name="importer",
            organisation_id=organisation.id,
            password_hash=None,
            time_zone="Asia/Singapore",
        )
        user.roles = [UserRole(role=Role.CONTRIBUTOR)]
        db.add(user)
        db.flush()
        user_id = user.id
    return factory, user_id


def _actor(db: Session, user_id: str) -> Actor:
    user = db.get(User, user_id)
    assert user is not None
    return actor_for(user)


def import_once(factory: sessionmaker[Session], user_id: str, path: Path) -> dict[str, float]:
    """One import as the CLI runs it (issue 14): rows checked with nothing written, stored
    1,000 per committed transaction, then the overlaps found with no transaction open and
    written in short transactions."""
    began = time.perf_counter()
    cpu_began = time.process_time()
    with factory() as db:
        actor = _actor(db, user_id)
    longest_write = 0.0
    chunk_began = time.perf_counter()

    def chunk_stored(number: int, total: int) -> None:
        nonlocal longest_write, chunk_began
        now = time.perf_counter()
        if number > 1:  # the first interval also holds the checking of every row
            longest_write = max(longest_write, now - chunk_began)
        chunk_began = now

    with transfer.open_text(path) as stream:
        result = chunked_import.import_in_chunks(
            factory,
            unit=committed_units(factory),
            actor=actor,
            source=stream,
            format="csv",
            after_chunk=chunk_stored,
        )
    assert not result.problems, result.problems[:3]
    outcome = detection_runs.detect_committed_import(
        factory, unit=committed_units(factory), actor=actor, result=result
    )
    publish = 0.0
    if outcome is not None:
        longest_write = max(longest_write, outcome.longest_write_seconds)
        publish = outcome.publish_seconds
    total = time.perf_counter() - began
    cpu = time.process_time() - cpu_began
    with factory() as db:
        stored = db.scalar(select(func.count()).select_from(Initiative)) or 0
        pairs = db.scalar(select(func.count()).select_from(Overlap)) or 0
    return {
        "import": result.seconds_storing,
        "detect": result.seconds_detecting,
        "finding": result.seconds_finding_pairs,
        "total": total,
        "cpu": cpu,
        "longest_write": longest_write,
        "publish": publish,
        "rows": float(result.rows),
        "stored": float(stored),
        "pairs": float(pairs),
    }


def row_by_row(factory: sessionmaker[Session], user_id: str, path: Path, rows: int) -> float:
    """The former path for the first ``rows`` rows: per-row checks and ORM create, then
    detection (wall seconds)."""
    began = time.perf_counter()
    with factory.begin() as db, transfer.open_text(path) as stream:
        actor = _actor(db, user_id)
        names = registry_names.load(db)
        ids: list[str] = []
        for number, raw in transfer.iter_rows(stream, "csv"):
            if len(ids) >= rows:
                break
            row = transfer.normalise(number, raw, names, {})
            data = InitiativeCreate.model_validate({**row.data, "tlp": "TLP:GREEN"})
            assert not service.check_row(db, data)
            ids.append(service.create(db, actor=actor, data=data, detect=False).id)
        overlaps.detect_for(db, initiative_ids=ids)
        db.rollback()
    return time.perf_counter() - began


@contextmanager
def _sqlite() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        yield engine
        engine.dispose()


@contextmanager
def _postgres(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    yield engine
    engine.dispose()


def _run(
    name: str, database: Callable[[], object], path: Path, *, size: int, sample: int, table: Table
) -> None:
    with database() as engine:  # type: ignore[attr-defined]
        factory, user_id = _prepare(engine)
        figures = import_once(factory, user_id, path)
        peer = row_by_row(factory, user_id, path, sample)
    extrapolated = peer / sample * size
    table.add_row(
        name,
        f"{figures['import']:.1f} s",
        f"{figures['detect']:.1f} s (scoring, no transaction open: {figures['finding']:.1f} s)",
        f"{figures['total']:.1f} s (CPU {figures['cpu']:.1f} s)",
        f"{figures['longest_write']:.1f} s (publish {figures['publish']:.1f} s)",
        f"{int(figures['stored']):,} / {int(figures['pairs']):,}",
        f"{extrapolated:,.0f} s (measured {peer:.1f} s on {sample:,})",
    )


def main() -> None:
    quick = os.environ.get("ASEANCYBER_BENCH_QUICK") == "1"
    size = int(os.environ.get("ASEANCYBER_BENCH_SIZE") or (2_000 if quick else 20_000))
    sample = min(size, 300 if quick else 500)
    secret = "benchmark-secret-key"  # noqa: S105 - throwaway databases only
    use_settings(Settings(environment=Environment.TEST, secret_key=secret, _env_file=None))
    table = Table(
        title=f"Registry import: {size:,} rows in one import, stored and checked for "
        "duplicates (wall seconds; target <= 60 s together; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start)"
    )
    for column in (
        "database",
        "import (check + store)",
        "detection",
        "together, committed",
        "longest write transaction (a chunk of rows or of pairs)",
    ):
        table.add_column(column, justify="right")
    table.add_column("initiatives / pairs stored", justify="right")
    table.add_column("row by row (before), extrapolated", justify="right")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "registry.csv"
        write_registry(path, size)
        _run("SQLite", _sqlite, path, size=size, sample=sample, table=table)
        url = os.environ.get("ASEANCYBER_BENCH_PG_URL")
        if url:
            _run("PostgreSQL", lambda: _postgres(url), path, size=size, sample=sample, table=table)
    console.print(table)
    if not os.environ.get("ASEANCYBER_BENCH_PG_URL"):
        console.print("PostgreSQL skipped: set ASEANCYBER_BENCH_PG_URL to a database to wipe")


if __name__ == "__main__":
    main()
