"""Load benchmark ("fifty people at once"): a bounded load generator against a real server.

The server is a separate process: ``aseancyber init`` and ``aseancyber demo`` into a fresh
SQLite file (one server process) or a fresh PostgreSQL database ``bench_load`` on
127.0.0.1:5432 (``aseancyber serve --workers N`` when the CLI offers it, else uvicorn's own
``--workers``; plus one ``aseancyber worker`` for the jobs), served on a free loopback port.

C clients (50) run for S seconds (60) each, one connection each, in a mix of what people do:
TAXII 2.1 pages and small POSTs (API tokens), REST lists and searches, HTML pages with a
signed-in session (the login form, CSRF included), and matching calls. Two scenarios per
database, side by side in one table:

- ``mix``: the mix alone;
- ``mix+slow``: the same while one client uploads a TAXII envelope that trickles in over
  40 seconds, and a federation peer that accepts connections and never answers (a local
  TCP server) is synced through the REST API.

Reported per scenario and database: requests/s, p50/p95/p99 latency, errors by status (an
exception counts by its class name), the server process tree's resident memory before and
after (and a quarter into the run, when first-use caches are full, so growth from there on
is what load adds), and PASS/FAIL against the issue's targets: no error of any kind; p95
under 1 s on PostgreSQL and under 2 s on SQLite; RSS growth (from the start) under 20%;
and with the slow upload and the frozen peer, the other clients' p95 within 1.5x of the mix
alone. Beside the table: each request kind's p50/p95 (where the tail comes from), and
the server's processor time per request, which other load on the machine hardly changes.

Bounded: every client stops at its deadline and after a fixed number of requests; the
slow upload and the peer sync have timeouts; loopback only. Environment:
``ASEANCYBER_BENCH_LOAD_CLIENTS`` (50), ``ASEANCYBER_BENCH_LOAD_SECONDS`` (60),
``ASEANCYBER_BENCH_LOAD_WORKERS`` (4, PostgreSQL), ``ASEANCYBER_BENCH_LOAD_DATABASES``
(``sqlite,postgresql``; one of them alone, e.g. for SQLite's memory figures),
``ASEANCYBER_BENCH_LOAD_PG_DATABASE`` (``bench_load``: dropped and made again). The
machine's other load shows in the figures: run it idle.

Run: ``.venv/bin/python -m benchmarks load``.
"""

import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from aseancyber.db import make_engine

console = Console(width=200)
CLIENTS = int(os.environ.get("ASEANCYBER_BENCH_LOAD_CLIENTS", "50"))
SECONDS = float(os.environ.get("ASEANCYBER_BENCH_LOAD_SECONDS", "60"))
WORKERS = int(os.environ.get("ASEANCYBER_BENCH_LOAD_WORKERS", "4"))
DATABASES = os.environ.get("ASEANCYBER_BENCH_LOAD_DATABASES", "sqlite,postgresql").split(",")
MAX_REQUESTS_PER_CLIENT = 20_000  # a bound even if the server answered instantly
REQUEST_TIMEOUT = 30.0
SLOW_UPLOAD_SECONDS = 40.0
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
PG_DATABASE = os.environ.get("ASEANCYBER_BENCH_LOAD_PG_DATABASE", "bench_load")
PASSWORD = "asean-demo-2026"  # noqa: S105 - the documented demo password
TAXII = "application/taxii+json;version=2.1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BIN = Path(sys.executable).parent
ASEANCYBER = str(BIN / "aseancyber")
P95_TARGET = {"sqlite": 2.0, "postgresql": 1.0}
RSS_GROWTH_TARGET = 20.0
SLOW_RATIO_TARGET = 1.5
MIX_ONLY = "mix"
SLOW = "mix+slow"

# Who the clients are: REST/TAXII with tokens, HTML with sessions (several organisations).
TOKEN_USERS = ["analyst.sg@example.org", "analyst.my@example.org", "coordinator@example.org"]
SESSION_USERS = [
    "analyst.sg@example.org",
    "analyst.my@example.org",
    "coordinator@example.org",
    *(f"cert.{c}@example.org" for c in ("bn", "id", "kh", "la", "mm", "ph", "th", "vn")),
    *(f"policy.{c}@example.org" for c in ("bn", "id", "my", "sg", "th")),
]
ADMIN = "admin.sg@example.org"
REST_LISTS = [
    "/api/v1/sharing/objects?limit=50",
    "/api/v1/sharing/objects?type=indicator&limit=50",
    "/api/v1/sharing/collections",
    "/api/v1/cases",
    "/api/v1/requests",
    "/api/v1/contacts",
    "/api/v1/initiatives",
    "/api/v1/norms/assessments",
    "/api/v1/positions",
    "/api/v1/notifications",
    "/api/v1/organisations",
]
REST_SEARCHES = [
    "/api/v1/sharing/objects?q=phishing",
    "/api/v1/cases?q=phishing",
    "/api/v1/requests?q=scan",
    "/api/v1/contacts?q=incident",
    "/api/v1/initiatives?q=training",
]
PAGES = [
    "/",
    "/sharing/objects",
    "/cases",
    "/contacts",
    "/contacts/checks",
    "/requests",
    "/inbox",
    "/norms",
    "/initiatives",
    "/positions",
    "/directory",
    "/matching",
]
# (operation, weight): the share of each kind of request in the mix.
MIX = [
    ("taxii page", 20),
    ("taxii post", 5),
    ("rest list", 20),
    ("rest search", 10),
    ("html page", 35),
    ("matching", 10),
]


# --- the server ---------------------------------------------------------------------------


@dataclass
class Server:
    """A running platform: its base URL, processes, and the accounts the clients use."""

    database: str
    url: str
    base: str
    process: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes] | None
    tokens: dict[str, str]
    collections: dict[str, list[str]]  # each token user's writable collections
    log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _cli(url: str, *args: str, env: dict[str, str], stdin: str | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - our own command
        [ASEANCYBER, "--database", url, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"aseancyber {' '.join(args)} failed: {result.stdout}{result.stderr}")
    return result.stdout


def _token(url: str, email: str, env: dict[str, str]) -> str:
    output = _cli(url, "token", "create", email, "--name", "load", "--scope", "read_write", env=env)
    found = re.search(r"acy_[A-Za-z0-9_\-]+", output)
    if found is None:
        raise SystemExit(f"no token secret in: {output}")
    return found.group(0)


def serve_command(url: str, port: int, workers: int) -> list[str]:
    """``aseancyber serve --workers N`` if this CLI has it, else uvicorn with its workers."""
    if workers > 1:
        help_text = subprocess.run(  # noqa: S603 - our own command
            [ASEANCYBER, "serve", "--help"], capture_output=True, text=True, check=False
        ).stdout
        if "--workers" not in help_text:
            return [
                sys.executable,
                "-m",
                "uvicorn",
                "aseancyber.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ]
        return [
            ASEANCYBER,
            "--database",
            url,
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
    return [ASEANCYBER, "--database", url, "serve", "--port", str(port)]


def _postgres_available() -> bool:
    try:
        engine = make_engine(PG_SERVER + "postgres")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:
        return False
    return True


def _fresh_postgres() -> str:
    if not PG_DATABASE.isidentifier():
        raise SystemExit(f"ASEANCYBER_BENCH_LOAD_PG_DATABASE: {PG_DATABASE!r} is not a plain name")
    admin = make_engine(PG_SERVER + "postgres").execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
    admin.dispose()
    return PG_SERVER + PG_DATABASE


def _prepare(
    database: str, folder: Path, frozen_peer_port: int
) -> tuple[str, dict[str, str], dict[str, str]]:
    """A fresh database with the demo data and the frozen peer; (URL, environment, tokens)."""
    url = f"sqlite:///{folder / 'load.db'}" if database == "sqlite" else _fresh_postgres()
    env = {
        **os.environ,
        "ASEANCYBER_DATABASE_URL": url,
        "ASEANCYBER_SMTP_PORT": str(free_port()),  # nobody listens: mail fails fast, retried
    }
    # The server runs in the temporary folder: a relative PYTHONPATH (``src``) must still
    # import this checkout's code, not the installed one.
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    env["PYTHONPATH"] = os.pathsep.join(str(Path(entry).resolve()) for entry in paths if entry)
    _cli(url, "init", env=env)
    _cli(url, "demo", env=env)
    tokens = {email: _token(url, email, env) for email in [*TOKEN_USERS, ADMIN]}
    engine = make_engine(url)
    with engine.connect() as connection:
        organisation = connection.execute(
            text("SELECT organisation_id FROM app_user WHERE email = :e"), {"e": ADMIN}
        ).scalar_one()
    engine.dispose()
    peer_url = f"http://127.0.0.1:{frozen_peer_port}/taxii2/api/"
    add = ["peer", "add", "frozen", "--url", peer_url, "--org", organisation, "--as", ADMIN]
    _cli(url, *add, env={**env, "ASEANCYBER_PEER_SECRET": "frozen-peer-token"})
    return url, env, tokens


def _setup_call(method: str, url: str, **options: Any) -> httpx.Response:
    """A request of the set-up (not measured), tried again while the server answers 5xx:
    today's SQLite server can answer "database is locked" even to one client."""
    for _ in range(30):
        answer = httpx.request(method, url, timeout=30, **options)
        if answer.status_code < 500:
            return answer
        time.sleep(1)  # waiting for another process to let go of its lock
    raise SystemExit(f"{method} {url} kept answering {answer.status_code}")


def _map_frozen_peer(base: str, admin_token: str) -> None:
    headers = {"Authorization": f"Bearer {admin_token}"}
    local = _setup_call("GET", f"{base}/api/v1/sharing/collections", headers=headers)
    mapping = {
        "remote_collection_id": str(uuid.uuid4()),
        "local_collection_id": local.json()[0]["id"],
    }
    added = _setup_call(
        "POST", f"{base}/api/v1/federation/peers/frozen/mappings", headers=headers, json=mapping
    )
    if added.status_code != 201:
        raise SystemExit(f"could not map the frozen peer: {added.status_code} {added.text}")


@contextmanager
def running_server(database: str, folder: Path, frozen_peer_port: int) -> Iterator[Server]:
    """Set up a fresh database with the demo data, register the frozen peer, and serve it."""
    url, env, tokens = _prepare(database, folder, frozen_peer_port)
    port = free_port()
    workers = 1 if database == "sqlite" else WORKERS
    log = folder / f"serve-{database}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own command
            serve_command(url, port, workers), env=env, stdout=output, stderr=output, cwd=folder
        )
        worker = None
        if database == "postgresql":
            worker = subprocess.Popen(  # noqa: S603 - our own command
                [ASEANCYBER, "--database", url, "worker"],
                env=env,
                stdout=output,
                stderr=output,
                cwd=folder,
            )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # a loaded machine starts 4 workers slowly
        while True:
            try:
                if httpx.get(f"{base}/taxii2/", timeout=5).status_code == 401:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                status = process.poll()
                raise SystemExit(
                    f"the {database} server did not start (exit status {status}):\n{_tail(log)}"
                )
            time.sleep(0.2)  # waiting for another process to listen
        collections = {}
        for email in TOKEN_USERS:
            headers = {"Authorization": f"Bearer {tokens[email]}", "Accept": TAXII}
            listing = _setup_call("GET", f"{base}/taxii2/api/collections/", headers=headers)
            if listing.status_code != 200:
                raise SystemExit(f"listing the collections answered {listing.status_code}")
            collections[email] = [c["id"] for c in listing.json()["collections"] if c["can_write"]]
        yield Server(database, url, base, process, worker, tokens, collections, log)
    finally:
        for child in (process, worker):
            if child is not None:
                child.terminate()
                try:
                    child.wait(30)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait(10)


def _tail(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-40:])


def tree_cpu_seconds(pid: int) -> float:
    """Processor time (user and system, seconds) of a process and its descendants so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for current in _tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _tree(pid: int) -> list[int]:
    """A process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def tree_rss_kib(pid: int) -> int:
    """Resident memory (KiB) of a process and all its descendants, from /proc."""
    total = 0
    for current in _tree(pid):
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


# --- the clients --------------------------------------------------------------------------


@dataclass
class Results:
    """Latencies (seconds) and outcomes of the mix's requests."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    by_operation: Counter[str] = field(default_factory=Counter)
    where: Counter[str] = field(default_factory=Counter)  # each error's status and path
    # Each request kind's own latencies, so the table shows which kind makes the tail.
    by_kind: dict[str, list[float]] = field(default_factory=dict)


def _indicator_envelope(n: int) -> bytes:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    address = f"198.51.{n // 250 % 250}.{n % 250 + 1}"
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": now,
        "modified": now,
        "name": f"Load benchmark indicator {n}",
        "pattern": f"[ipv4-addr:value = '{address}']",
        "pattern_type": "stix",
        "valid_from": now,
    }
    return json.dumps({"objects": [indicator]}).encode()


SIGN_IN_FAILURES: Counter[str] = Counter()  # before the clock starts; reported under the table


async def _sign_in(client: httpx.AsyncClient, email: str) -> str:
    """Sign in through the login form; returns the session's CSRF token for later forms."""
    status = 0
    for _ in range(30):  # set-up, not measured: tried again, each failure counted
        page = await client.get("/login")
        found = CSRF.search(page.text)
        if found is not None:
            form = {"csrf_token": found.group(1), "email": email, "password": PASSWORD, "next": "/"}
            status = (await client.post("/login", data=form)).status_code
            if status == 303:
                matching = await client.get("/matching")
                session_token = CSRF.search(matching.text)
                if session_token is not None:
                    return session_token.group(1)
            SIGN_IN_FAILURES[str(status)] += 1
        await asyncio.sleep(1)  # before trying again, as a person would
    raise SystemExit(f"signing in as {email} kept failing (last answer {status})")


def _observables(rng: random.Random) -> list[str]:
    values = [f"198.51.{rng.randrange(4)}.{rng.randrange(1, 251)}" for _ in range(10)]
    return [*values, f"host{rng.randrange(1000)}.example", "8.8.8.8"]


async def _one(
    operation: str,
    client: httpx.AsyncClient,
    collections: list[str],
    rng: random.Random,
    n: int,
    *,
    csrf: str | None,
) -> httpx.Response:
    if operation == "html page":
        return await client.get(rng.choice(PAGES))
    if operation == "matching" and csrf:  # a person uses the matching page's form
        form = {"csrf_token": csrf, "observables": "\n".join(_observables(rng))}
        return await client.post("/matching", data=form)
    if operation == "rest list":
        return await client.get(rng.choice(REST_LISTS))
    if operation == "rest search":
        return await client.get(rng.choice(REST_SEARCHES))
    if operation == "matching":
        return await client.post("/api/v1/matching", json={"observables": _observables(rng)})
    collection = rng.choice(collections)
    objects = f"/taxii2/api/collections/{collection}/objects/"
    if operation == "taxii post":
        return await client.post(
            objects, content=_indicator_envelope(n), headers={"Content-Type": TAXII}
        )
    return await client.get(objects, params={"limit": "50"})


async def _client(index: int, server: Server, run: "Run") -> None:
    results = run.results
    rng = random.Random(index)  # a reproducible mix
    browsing = index % 2 == 0  # half the clients are people in a browser, half scripts
    headers = {"Accept": TAXII}
    email = TOKEN_USERS[index % len(TOKEN_USERS)]
    if not browsing:
        headers["Authorization"] = f"Bearer {server.tokens[email]}"
    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(
        base_url=server.base, headers=headers, timeout=REQUEST_TIMEOUT, limits=limits
    ) as client:
        csrf = None
        if browsing:
            try:
                csrf = await _sign_in(client, SESSION_USERS[index // 2 % len(SESSION_USERS)])
            except SystemExit:  # this person never got in: an error, and one client fewer
                results.errors["sign-in"] += 1
                run.ready.passed()
                return
        operations = [name for name, _ in MIX]
        weights = [weight for _, weight in MIX]
        run.ready.passed()
        await run.start.wait()
        for n in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() >= run.deadline:
                return
            operation = rng.choices(operations, weights)[0]
            if browsing and operation not in {"html page", "matching"}:
                operation = "html page"
            if not browsing and operation == "html page":
                operation = "rest list"
            began = time.perf_counter()
            try:
                number = index * 1_000_000 + n
                answer = await _one(
                    operation, client, server.collections[email], rng, number, csrf=csrf
                )
                if answer.status_code >= 400:
                    results.errors[str(answer.status_code)] += 1
                    results.where[f"{answer.status_code} {answer.request.url.path}"] += 1
            except httpx.HTTPError as error:
                results.errors[type(error).__name__] += 1
                results.where[f"{type(error).__name__} {operation}"] += 1
            took = time.perf_counter() - began
            results.latencies.append(took)
            results.by_kind.setdefault(operation, []).append(took)
            results.by_operation[operation] += 1


async def _trickle(total: bytes, seconds: float) -> AsyncIterator[bytes]:
    pieces = 40
    size = len(total) // pieces + 1
    for offset in range(0, len(total), size):
        yield total[offset : offset + size]
        await asyncio.sleep(seconds / pieces)  # the slow client, not a synchronisation


async def _slow_upload(server: Server, seconds: float) -> str:
    """One TAXII POST whose body trickles in over ``seconds``; returns its outcome."""
    headers = {
        "Authorization": f"Bearer {server.tokens[TOKEN_USERS[0]]}",
        "Accept": TAXII,
        "Content-Type": TAXII,
    }
    objects = f"/taxii2/api/collections/{server.collections[TOKEN_USERS[0]][0]}/objects/"
    began = time.perf_counter()
    try:
        async with httpx.AsyncClient(base_url=server.base, timeout=seconds + 60) as client:
            answer = await client.post(
                objects,
                content=_trickle(_indicator_envelope(999_999_999), seconds),
                headers=headers,
            )
            outcome = str(answer.status_code)
    except httpx.HTTPError as error:
        outcome = type(error).__name__
    return f"{outcome} after {time.perf_counter() - began:.0f} s"


async def _frozen_sync(server: Server) -> str:
    headers = {"Authorization": f"Bearer {server.tokens[ADMIN]}"}
    async with httpx.AsyncClient(base_url=server.base, headers=headers, timeout=30) as client:
        answer = await client.post("/api/v1/federation/peers/frozen/sync")
    return f"sync requested: {answer.status_code}"


async def _frozen_peer(port: int) -> asyncio.Server:
    """A TCP server that accepts every connection and never answers (a frozen peer)."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    return await asyncio.start_server(hold, "127.0.0.1", port)


def percentile(latencies: list[float], share: float) -> float:
    """The latency below which ``share`` of ``latencies`` fall (nearest rank)."""
    ordered = sorted(latencies)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Row:
    """One scenario on one database."""

    database: str
    scenario: str
    seconds: float
    results: Results
    rss_before: int
    rss_after: int
    extras: list[str]
    # Resident memory a quarter into the run: first-use caches (templates, compiled
    # queries, each pooled connection's page cache, thread stacks) are filled by then, so
    # from here to the end is growth under load, which a leak would keep raising.
    rss_warm: int = 0
    # The server's processor time during the run: its cost per request does not depend on
    # what else the machine runs (the latencies do).
    cpu_seconds: float = 0.0

    def percentile(self, share: float) -> float:
        return percentile(self.results.latencies, share)


@dataclass
class Run:
    """What the clients of one scenario share: where results go, when to start and stop."""

    results: Results
    ready: "Gate"
    start: asyncio.Event = field(default_factory=asyncio.Event)
    deadline: float = float("inf")


async def _scenario(server: Server, name: str) -> Row:
    run = Run(Results(), Gate(CLIENTS))
    clients = [asyncio.create_task(_client(i, server, run)) for i in range(CLIENTS)]
    # Every client signs in before the clock starts (argon2 is deliberately slow).
    await asyncio.wait_for(run.ready.opened.wait(), timeout=300)
    rss_before = tree_rss_kib(server.process.pid)
    cpu_before = tree_cpu_seconds(server.process.pid)
    run.deadline = time.monotonic() + SECONDS
    began = time.perf_counter()
    run.start.set()
    extras: list[Coroutine[None, None, str]] = []
    if name == SLOW:
        upload = min(SLOW_UPLOAD_SECONDS, SECONDS * 0.7)
        extras = [_slow_upload(server, upload), _frozen_sync(server)]
    warm = asyncio.create_task(_rss_after(server, SECONDS / 4))
    *_, outcomes = await asyncio.gather(asyncio.gather(*clients), asyncio.gather(*extras))
    elapsed = time.perf_counter() - began
    rss_after = tree_rss_kib(server.process.pid)
    cpu = tree_cpu_seconds(server.process.pid) - cpu_before
    return Row(
        server.database,
        name,
        elapsed,
        run.results,
        rss_before,
        rss_after,
        list(outcomes),
        rss_warm=await warm,
        cpu_seconds=cpu,
    )


async def _rss_after(server: Server, seconds: float) -> int:
    await asyncio.sleep(seconds)
    return tree_rss_kib(server.process.pid)


@dataclass
class Gate:
    """Opens once ``count`` clients have passed (signed in)."""

    count: int
    opened: asyncio.Event = field(default_factory=asyncio.Event)

    def passed(self) -> None:
        self.count -= 1
        if self.count <= 0:
            self.opened.set()


async def _run_database(database: str, folder: Path) -> list[Row]:
    frozen_port = free_port()
    frozen = await _frozen_peer(frozen_port)
    try:
        with running_server(database, folder, frozen_port) as server:
            rows = []
            for name in (MIX_ONLY, SLOW):
                console.print(f"  {database}: {name} ({CLIENTS} clients x {SECONDS:.0f} s)")
                rows.append(await _scenario(server, name))
            return rows
    finally:
        frozen.close()


# --- the table ----------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "[green]PASS[/]" if ok else "[red]FAIL[/]"


def report(rows: list[Row]) -> None:
    table = Table(
        title=f"load: {CLIENTS} clients x {SECONDS:.0f} s on loopback "
        f"(PostgreSQL with {WORKERS} workers; SQLite with 1)",
        title_justify="left",
    )
    for column in (
        "database",
        "scenario",
        "requests",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "CPU ms/req",
        "errors by status",
        "RSS before MiB",
        "at 1/4 MiB",
        "after MiB",
        "growth",
        "from 1/4",
        "0 errors",
        "p95 target",
        "RSS < 20%",
        "slow/mix p95",
    ):
        table.add_column(column, justify="left" if column in {"database", "scenario"} else "right")
    mix_p95 = {row.database: row.percentile(0.95) for row in rows if row.scenario == MIX_ONLY}
    for row in rows:
        count = len(row.results.latencies)
        p95 = row.percentile(0.95)
        growth = 100 * (row.rss_after - row.rss_before) / row.rss_before if row.rss_before else 0
        steady = 100 * (row.rss_after - row.rss_warm) / row.rss_warm if row.rss_warm else 0
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(row.results.errors.items())) or "0"
        target = P95_TARGET[row.database]
        ratio = ""
        if row.scenario == SLOW and row.database in mix_p95:
            factor = p95 / mix_p95[row.database]
            ratio = f"{factor:.2f}x {_verdict(factor <= SLOW_RATIO_TARGET)}"
        table.add_row(
            row.database,
            row.scenario,
            str(count),
            f"{count / row.seconds:.0f}",
            f"{1000 * row.percentile(0.50):.0f}",
            f"{1000 * p95:.0f}",
            f"{1000 * row.percentile(0.99):.0f}",
            f"{1000 * row.cpu_seconds / count:.1f}" if count else "-",
            errors,
            f"{row.rss_before / 1024:.0f}",
            f"{row.rss_warm / 1024:.0f}",
            f"{row.rss_after / 1024:.0f}",
            f"{growth:+.1f}%",
            f"{steady:+.1f}%",
            _verdict(not row.results.errors),
            f"< {target:.0f} s {_verdict(p95 < target)}",
            _verdict(growth < RSS_GROWTH_TARGET),
            ratio,
        )
    console.print(table)
    console.print(kinds_table(rows))
    if SIGN_IN_FAILURES:
        failures = ", ".join(f"{k}: {v}" for k, v in sorted(SIGN_IN_FAILURES.items()))
        console.print(f"  sign-in failures before the clock (tried again): {failures}")
    for row in rows:
        shares = ", ".join(f"{k} {v}" for k, v in sorted(row.results.by_operation.items()))
        extras = "; ".join(row.extras)
        console.print(
            f"  {row.database} {row.scenario}: {shares}" + (f"; {extras}" if extras else "")
        )
        for where, count in row.results.where.most_common(6):  # where the errors were
            console.print(f"    {count} x {where}")


def kinds_table(rows: list[Row]) -> Table:
    """Latency per request kind (p50/p95 in ms, and how many), one column per scenario:
    where the tail of the overall p95 comes from."""
    table = Table(
        title="latency per request kind: p50 / p95 ms (requests)",
        title_justify="left",
        min_width=60,
    )
    table.add_column("kind")
    for row in rows:
        table.add_column(f"{row.database} {row.scenario}", justify="right")
    for kind, _ in MIX:
        cells = []
        for row in rows:
            took = row.results.by_kind.get(kind, [])
            cells.append(
                f"{1000 * percentile(took, 0.50):.0f} / {1000 * percentile(took, 0.95):.0f}"
                f" ({len(took)})"
                if took
                else "-"
            )
        table.add_row(kind, *cells)
    return table


def main() -> None:
    console.rule("load: fifty people at once")
    rows: list[Row] = []
    found: list[Row] = []
    folder = Path(tempfile.mkdtemp(prefix="aseancyber-load-"))
    try:
        for database in DATABASES:
            if database == "postgresql" and not _postgres_available():
                console.print("PostgreSQL at 127.0.0.1:5432 did not answer: skipped")
                continue
            if database not in P95_TARGET:
                raise SystemExit(f"unknown database {database!r}; choose sqlite, postgresql")
            try:
                found = asyncio.run(_run_database(database, folder))
            except (Exception, SystemExit) as error:  # the other database still runs
                console.print(f"[red]{database} did not complete[/]: {error!r}")
                continue
            rows += found
            report(found)  # as soon as it is known, in case a later run fails
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if len(rows) > len(found):
        report(rows)


if __name__ == "__main__":
    main()
