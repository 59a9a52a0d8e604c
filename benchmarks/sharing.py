"""TAXII 2.1 benchmark: the same client workload against aseancyber and its peers.

Servers, each in its own process on a loopback port, driven over HTTP by one client:

- aseancyber on SQLite (and on PostgreSQL when ``ASEANCYBER_BENCH_POSTGRES_URL`` names an
  empty database it may wipe);
- medallion 3.0.0 with its memory backend and OpenTAXII 0.9.3 on SQLite (with a small
  wrapper for its UUID serialisation bug), each installed from PyPI into its own virtual
  environment under ``.venv-bench`` (see :mod:`benchmarks.sharing_peers`) because their
  dependencies conflict with ours and each other's;
- the floor: the same envelopes parsed with orjson and inserted with ``executemany`` into
  a bare SQLite table (id, type, modified, date_added, body), no validation, no HTTP; once
  keyed on (id, modified), the floor the target is judged against, and once with no key.

For each N (10k and 100k; 1M with ``ASEANCYBER_BENCH_FULL=1``; 1k and 5k with
``ASEANCYBER_BENCH_QUICK=1``) it reports ingest objects/s for the envelopes that brought the
store to N, paging objects/s over 1,000-object pages at N, and the median lookup-by-id
latency at N. A peer that stops answering within the timeout is reported as such and not
driven further. Last, one large envelope (100 MB; 10 MB when quick) is posted to a fresh
aseancyber and the server process's peak resident memory is read before and after
(``ASEANCYBER_BENCH_PEERS=0`` skips the peers and this, for work on ingest alone).
Run: ``.venv/bin/python -m benchmarks sharing``.
"""

import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

import requests

ROOT = Path(__file__).resolve().parent.parent
PEERS_VENV = ROOT / ".venv-bench"
PEERS = ("medallion==3.0.0",)
TAXII = "application/taxii+json;version=2.1"
ENVELOPE = 1000
PAGES = 5
LOOKUPS = 50
LOOKUP_BUDGET = 60.0  # seconds of lookups per N before the median is taken of those done
TIMEOUT = 60.0
STARTUP_BUDGET = 300.0  # seconds for a server to answer its first request
SEGMENT_BUDGET = 600.0  # seconds of ingest per segment before a server is given up on
NAMESPACE = uuid.UUID("5b0b8f0c-2f5e-4f7e-8d3a-9a1c7e2b4d60")
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
console = Console(width=150)


def sizes() -> list[int]:
    if os.environ.get("ASEANCYBER_BENCH_QUICK"):
        return [1_000, 5_000]
    if os.environ.get("ASEANCYBER_BENCH_FULL"):
        return [10_000, 100_000, 1_000_000]
    return [10_000, 100_000]


def peers_wanted() -> bool:
    """Whether to drive the peers and post the large envelope too (the default); with
    ``ASEANCYBER_BENCH_PEERS=0`` only the floors and aseancyber run, for ingest work."""
    return os.environ.get("ASEANCYBER_BENCH_PEERS", "1") != "0"


def indicator(n: int) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(NAMESPACE, str(n))}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"Bad host {n}",
        "pattern": f"[ipv4-addr:value = '10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        "object_marking_refs": [GREEN],
    }


def envelope(start: int) -> bytes:
    return orjson.dumps({"objects": [indicator(n) for n in range(start, start + ENVELOPE)]})


@dataclass
class Measure:
    ingest: float | None = None  # objects/s for the segment ending at N
    paging: float | None = None  # objects/s over 1,000-object pages
    page_ms: float | None = None
    lookup_ms: float | None = None
    note: str = ""


@dataclass
class Target:
    name: str
    objects_url: str  # .../collections/{id}/objects/
    session: requests.Session
    results: dict[int, Measure] = field(default_factory=dict)
    stored: int = 0
    failed: str = ""
    after_ingest: Callable[[], None] | None = None
    pid: int = 0


# --- servers -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(url: str, session: requests.Session) -> None:
    # Generous: on a shared, loaded machine the app's imports alone took over a minute.
    deadline = time.monotonic() + STARTUP_BUDGET
    while time.monotonic() < deadline:
        try:
            if session.get(url, timeout=5, headers={"Accept": TAXII}).status_code < 500:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def aseancyber_server(database_url: str, name: str) -> Iterator[Target]:
    """Migrate and seed ``database_url``, then serve the app with uvicorn in a subprocess."""
    token, collection_id = _seed(database_url)
    port = free_port()
    env = {
        **os.environ,
        "ASEANCYBER_DATABASE_URL": database_url,
        "ASEANCYBER_MAX_BODY_BYTES": str(200 * 1024 * 1024),
        "ASEANCYBER_RUN_JOBS_IN_PROCESS": "false",
    }
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "uvicorn",
            "aseancyber.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "Accept": TAXII})
    try:
        wait_until_up(f"http://127.0.0.1:{port}/taxii2/", session)
        yield Target(
            name,
            f"http://127.0.0.1:{port}/taxii2/api/collections/{collection_id}/objects/",
            session,
            after_ingest=_analyze(database_url),
            pid=process.pid,
        )
    finally:
        process.terminate()
        process.wait(30)


def _analyze(database_url: str) -> Callable[[], None] | None:
    """On PostgreSQL, refresh the planner's statistics after each ingest segment, as
    autovacuum does in production (the benchmark's server may run with it turned off)."""
    if not database_url.startswith("postgresql"):
        return None

    def analyze() -> None:
        from sqlalchemy import text  # noqa: PLC0415

        from aseancyber.db import make_engine  # noqa: PLC0415

        engine = make_engine(database_url)
        with engine.begin() as connection:
            connection.execute(text("ANALYZE stix_object"))
            connection.execute(text("ANALYZE record_audience"))
        engine.dispose()

    return analyze


def seed_database(database_url: str) -> tuple[str, str]:
    """Migrate ``database_url`` and add one organisation, analyst, collection and API token;
    returns the token's secret and the collection id (also used by the sharing tests)."""
    return _seed(database_url)


def _seed(database_url: str) -> tuple[str, str]:
    from alembic import command  # noqa: PLC0415 - only the aseancyber targets need these
    from alembic.config import Config  # noqa: PLC0415
    from sqlalchemy import text  # noqa: PLC0415
    from sqlalchemy.orm import sessionmaker  # noqa: PLC0415

    from aseancyber.access.models import (  # noqa: PLC0415
        MemberState,
        Organisation,
        OrganisationKind,
        Role,
        TokenScope,
        User,
        UserRole,
    )
    from aseancyber.access.policy import Tlp  # noqa: PLC0415
    from aseancyber.access.service import create_token  # noqa: PLC0415
    from aseancyber.db import make_engine  # noqa: PLC0415
    from aseancyber.sharing.models import Collection, CollectionKind  # noqa: PLC0415
    from aseancyber.sharing.service import add_tlp_definitions  # noqa: PLC0415

    engine = make_engine(database_url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        config = Config(str(ROOT / "alembic.ini"))
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as db:
        state = MemberState(
            name="Bench",
            iso2="BB",
            iso3="BBB",
            accession_date=datetime(1967, 8, 8, tzinfo=UTC).date(),
            time_zone="UTC",
        )
        db.add(state)
        db.flush()
        org = Organisation(
            name="Bench CERT",
            short_name="BCERT",
            kind=OrganisationKind.NATIONAL_CERT,
            member_state_id=state.id,
        )
        db.add(org)
        db.flush()
        user = User(email="bench@example.org", display_name="Bench", organisation_id=org.id)
        user.roles = [UserRole(role=Role.CONTRIBUTOR)]
        db.add(user)
        db.flush()
        collection = Collection(
            title="Bench",
            kind=CollectionKind.OWN,
            owner_organisation_id=org.id,
            default_tlp=Tlp.GREEN,
        )
        db.add(collection)
        db.flush()
        add_tlp_definitions(db, collection=collection, owner_organisation_id=org.id)
        token = create_token(
            db, user=user, name="bench", scope=TokenScope.READ_WRITE, expires_at=None
        )
        secret, collection_id = token.secret, collection.id
    engine.dispose()
    return secret, collection_id


# --- the workload ------------------------------------------------------------------------------


def ingest_to(target: Target, n: int) -> float:
    """Objects/s of the POSTs that bring the store to ``n`` (building envelopes not counted)."""
    spent = 0.0
    count = n - target.stored
    while target.stored < n:
        body = envelope(target.stored)
        started = time.perf_counter()
        answer = target.session.post(
            target.objects_url,
            data=body,
            headers={"Content-Type": TAXII},
            timeout=TIMEOUT,
        )
        answer.raise_for_status()
        spent += time.perf_counter() - started
        target.stored += ENVELOPE
        if spent > SEGMENT_BUDGET:
            raise TimeoutError(f"ingest over {SEGMENT_BUDGET:.0f} s")
    return count / spent


def page_through(target: Target) -> tuple[float, float]:
    params: dict[str, Any] = {"limit": ENVELOPE, "match[type]": "indicator"}
    times = []
    got = 0
    for _ in range(PAGES):
        started = time.perf_counter()
        answer = target.session.get(target.objects_url, params=params, timeout=TIMEOUT)
        answer.raise_for_status()
        times.append(time.perf_counter() - started)
        body = answer.json()
        got += len(body.get("objects", []))
        if not body.get("next"):
            break
        params = {**params, "next": body["next"]}
    mean = statistics.mean(times)
    return got / sum(times), mean * 1000


def lookups(target: Target) -> float:
    """Median latency of ``LOOKUPS`` lookups by id (fewer when they take over a minute in all:
    a server that scans its collection for each would otherwise hold the run for hours)."""
    chooser = random.Random(7)
    times: list[float] = []
    for _ in range(LOOKUPS):
        if sum(times) > LOOKUP_BUDGET:
            break
        stix_id = indicator(chooser.randrange(target.stored))["id"]
        started = time.perf_counter()
        answer = target.session.get(f"{target.objects_url}{stix_id}/", timeout=TIMEOUT)
        answer.raise_for_status()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def drive(target: Target, ns: list[int]) -> None:
    for n in ns:
        measure = Measure()
        target.results[n] = measure
        if target.failed:
            measure.note = target.failed
            continue
        step = "ingest"
        try:
            measure.ingest = ingest_to(target, n)
            if target.after_ingest is not None:
                target.after_ingest()
            step = "paging"
            measure.paging, measure.page_ms = page_through(target)
            step = "lookup"
            measure.lookup_ms = lookups(target)
        except (requests.RequestException, TimeoutError) as error:
            target.failed = f"{step}: {type(error).__name__} (limit {TIMEOUT:.0f} s)"
            measure.note = target.failed
        console.print(f"  {target.name} N={n:,}: {measure}")


# --- report ------------------------------------------------------------------------------------


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}{unit}" if value >= 100 else f"{value:,.1f}{unit}"


def report(targets: list[Target], ns: list[int]) -> None:
    table = Table(title="TAXII 2.1: ingest, paging and lookup as the store grows")
    table.add_column("server")
    table.add_column("N", justify="right")
    table.add_column("ingest obj/s", justify="right")
    table.add_column("paging obj/s", justify="right")
    table.add_column("1,000-object page ms", justify="right")
    table.add_column("lookup ms (median)", justify="right")
    table.add_column("ingest / keyed floor", justify="right")
    table.add_column("note")
    floor_rates = {n: m.ingest for n, m in targets[0].results.items()} if targets else {}
    for target in targets:
        for n in ns:
            m = target.results.get(n, Measure(note="not run"))
            base = floor_rates.get(n)
            table.add_row(
                target.name,
                f"{n:,}",
                _fmt(m.ingest),
                _fmt(m.paging),
                _fmt(m.page_ms),
                _fmt(m.lookup_ms),
                f"{m.ingest / base:.2f}" if m.ingest and base else "-",
                m.note,
            )
    console.print(table)


def main() -> None:
    from benchmarks.sharing_floor import floors  # noqa: PLC0415 - they import this module
    from benchmarks.sharing_memory import measure_big_envelope, report_memory  # noqa: PLC0415
    from benchmarks.sharing_peers import medallion_server, opentaxii_server  # noqa: PLC0415

    ns = sizes()
    workdir = Path(tempfile.mkdtemp(prefix="aseancyber-bench-"))
    targets: list[Target] = []
    try:
        console.print(f"sizes: {ns}; work directory {workdir}")
        targets.extend(floors(ns, workdir))
        with aseancyber_server(
            f"sqlite:///{workdir / 'aseancyber.db'}", "aseancyber (SQLite)"
        ) as t:
            drive(t, ns)
            targets.append(t)
        postgres = os.environ.get("ASEANCYBER_BENCH_POSTGRES_URL")
        if postgres:
            with aseancyber_server(postgres, "aseancyber (PostgreSQL)") as t:
                drive(t, ns)
                targets.append(t)
        else:
            console.print(
                "PostgreSQL skipped: set ASEANCYBER_BENCH_POSTGRES_URL to an empty database"
            )
        if not peers_wanted():
            console.print("peers and the large envelope skipped: ASEANCYBER_BENCH_PEERS=0")
            return
        with medallion_server(workdir) as t:
            drive(t, ns)
            targets.append(t)
        try:
            with opentaxii_server(workdir) as t:
                drive(t, ns)
                targets.append(t)
        except RuntimeError as error:
            console.print(f"OpenTAXII skipped: {error}")
        memory = measure_big_envelope(workdir)
    finally:
        report(targets, ns)
        shutil.rmtree(workdir, ignore_errors=True)
    report_memory(memory)


if __name__ == "__main__":
    main()
