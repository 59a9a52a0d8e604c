"""Server CPU per request kind of the load mix (issue 14): one sequential client, in process.

The load benchmark's wall-clock latencies depend on everything else the machine runs; the
CPU time the server spends on one request of each kind does not (much). This runs the load
benchmark's mix one request at a time against the application in this process (Starlette's
test client: the same middleware, dependencies and routes as a server) on a fresh SQLite
demo database, and reports the CPU milliseconds (``time.process_time``) per request of each
kind, and the SQL statements each sent. To see where a kind's time goes, run only that
kind (``ASEANCYBER_BENCH_PROFILE_KINDS="html page"``) with ``ASEANCYBER_BENCH_PROFILE_PYSPY``
naming a ``py-spy`` executable: it samples every thread of this process once the warm-up is
over and writes the stacks (collapsed) to ``ASEANCYBER_BENCH_PROFILE_STACKS``.

Environment: ``ASEANCYBER_BENCH_PROFILE_REQUESTS`` (60 per kind),
``ASEANCYBER_BENCH_PROFILE_DATABASE`` (a demo database to copy instead of making one).

Run: ``.venv/bin/python -m benchmarks.load_profile`` (not part of ``make bench``: a diagnosis).
"""

import os
import random
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from rich.table import Table
from sqlalchemy import event
from starlette.testclient import TestClient

from benchmarks.load import (
    ASEANCYBER,
    CSRF,
    PAGES,
    PASSWORD,
    REST_LISTS,
    REST_SEARCHES,
    TAXII,
    TOKEN_USERS,
    _indicator_envelope,
    _observables,
    _token,
    console,
)

REQUESTS = int(os.environ.get("ASEANCYBER_BENCH_PROFILE_REQUESTS", "60"))
PY_SPY = os.environ.get("ASEANCYBER_BENCH_PROFILE_PYSPY", "")
STACKS = os.environ.get("ASEANCYBER_BENCH_PROFILE_STACKS", "load-profile-stacks.txt")
KINDS = [k for k in os.environ.get("ASEANCYBER_BENCH_PROFILE_KINDS", "").split(",") if k]
SESSION_USER = "analyst.sg@example.org"
WARM_UP = 15  # first requests of a kind fill caches (templates, compiled statements, routes)


def _demo_database(folder: Path) -> str:
    """A SQLite demo database: a copy of the one named, or a fresh ``init`` and ``demo``."""
    target = folder / "profile.db"
    given = os.environ.get("ASEANCYBER_BENCH_PROFILE_DATABASE")
    url = f"sqlite:///{target}"
    env = {**os.environ, "ASEANCYBER_DATABASE_URL": url}
    if given:
        shutil.copyfile(given, target)
        for suffix in ("-wal", "-shm"):
            if Path(given + suffix).exists():
                shutil.copyfile(given + suffix, str(target) + suffix)
    else:
        for command in ("init", "demo"):
            subprocess.run(  # noqa: S603 - our own command
                [ASEANCYBER, "--database", url, command], env=env, check=True, capture_output=True
            )
    return url


@contextmanager
def _app(url: str) -> Iterator[TestClient]:
    os.environ["ASEANCYBER_DATABASE_URL"] = url
    os.environ["ASEANCYBER_RUN_JOBS_IN_PROCESS"] = "false"  # only the requests use the CPU
    from aseancyber.app import create_app  # noqa: PLC0415 - after the environment is set

    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        yield client


def _signed_in(client: TestClient) -> str:
    page = client.get("/login")
    found = CSRF.search(page.text)
    assert found is not None
    form = {"csrf_token": found.group(1), "email": SESSION_USER, "password": PASSWORD, "next": "/"}
    client.post("/login", data=form, follow_redirects=False)
    matching = client.get("/matching")
    token = CSRF.search(matching.text)
    assert token is not None
    return token.group(1)


def _cookie_header(client: TestClient) -> dict[str, str]:
    """The browser's cookies as a header, emptying the client's jar: the token clients of
    the load benchmark send no cookie, and here they share one test client."""
    cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    client.cookies.clear()
    return {"Cookie": cookies}


def _requests(
    client: TestClient, token: str, collections: list[str], csrf: str
) -> dict[str, Callable[[random.Random, int], httpx.Response]]:
    bearer = {"Authorization": f"Bearer {token}", "Accept": TAXII}
    browser = _cookie_header(client)

    def html_page(rng: random.Random, n: int) -> httpx.Response:
        return client.get(rng.choice(PAGES), headers=browser)

    def matching(rng: random.Random, n: int) -> httpx.Response:
        form = {"csrf_token": csrf, "observables": "\n".join(_observables(rng))}
        return client.post("/matching", data=form, headers=browser)

    def rest_list(rng: random.Random, n: int) -> httpx.Response:
        return client.get(rng.choice(REST_LISTS), headers=bearer)

    def rest_search(rng: random.Random, n: int) -> httpx.Response:
        return client.get(rng.choice(REST_SEARCHES), headers=bearer)

    def taxii_page(rng: random.Random, n: int) -> httpx.Response:
        objects = f"/taxii2/api/collections/{rng.choice(collections)}/objects/"
        return client.get(objects, params={"limit": "50"}, headers=bearer)

    def taxii_post(rng: random.Random, n: int) -> httpx.Response:
        objects = f"/taxii2/api/collections/{rng.choice(collections)}/objects/"
        headers = {**bearer, "Content-Type": TAXII}
        return client.post(objects, content=_indicator_envelope(n), headers=headers)

    def baseline(rng: random.Random, n: int) -> httpx.Response:
        return client.get("/healthz")

    return {
        "baseline /healthz": baseline,
        "html page": html_page,
        "matching": matching,
        "rest list": rest_list,
        "rest search": rest_search,
        "taxii page": taxii_page,
        "taxii post": taxii_post,
    }


class StatementCounter:
    """Counts the SQL statements every engine of this process sends.

    The baseline (a health check) is what the test client and the middleware cost alone."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: Any) -> None:
        self.count += 1


@contextmanager
def _sampled() -> Iterator[None]:
    """Sample this process with py-spy while the block runs, when asked to."""
    if not PY_SPY:
        yield
        return
    command = [PY_SPY, "record", "-r", "250", "-f", "raw", "-o", STACKS, "--pid", str(os.getpid())]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    time.sleep(1.0)  # py-spy attaches: waiting for another process, not a synchronisation
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(60)


def main() -> None:
    console.rule("load profile: server CPU per request kind, one client in process")
    folder = Path(tempfile.mkdtemp(prefix="aseancyber-load-profile-"))
    try:
        url = _demo_database(folder)
        env = {**os.environ, "ASEANCYBER_DATABASE_URL": url}
        token = _token(url, TOKEN_USERS[0], env)
        with _app(url) as client:
            from sqlalchemy.engine import Engine  # noqa: PLC0415

            statements = StatementCounter()
            event.listen(Engine, "before_cursor_execute", statements)
            csrf = _signed_in(client)
            listing = client.get(
                "/taxii2/api/collections/",
                headers={"Authorization": f"Bearer {token}", "Accept": TAXII},
            )
            collections = [c["id"] for c in listing.json()["collections"] if c["can_write"]]
            kinds = _requests(client, token, collections, csrf)
            table = Table(
                title=f"CPU ms per request ({REQUESTS} of each kind)", title_justify="left"
            )
            for column in ("kind", "mean", "p50", "p95", "max", "SQL statements", "statuses"):
                table.add_column(column, justify="left" if column == "kind" else "right")
            by_path: dict[str, list[float]] = {}
            chosen = KINDS or list(kinds)
            for kind in chosen:
                for n in range(WARM_UP):
                    kinds[kind](random.Random(n), n)
            with _sampled():
                for kind in chosen:
                    send = kinds[kind]
                    rng = random.Random(kind)
                    took: list[float] = []
                    sent = 0
                    statuses: dict[int, int] = {}
                    for n in range(REQUESTS):
                        before, counted = time.process_time(), statements.count
                        answer = send(rng, 1000 + n)
                        took.append(time.process_time() - before)
                        by_path.setdefault(f"{kind} {answer.request.url.path}", []).append(took[-1])
                        sent += statements.count - counted
                        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
                    ordered = sorted(took)
                    table.add_row(
                        kind,
                        f"{1000 * statistics.mean(took):.1f}",
                        f"{1000 * ordered[len(ordered) // 2]:.1f}",
                        f"{1000 * ordered[int(0.95 * len(ordered))]:.1f}",
                        f"{1000 * ordered[-1]:.1f}",
                        f"{sent / REQUESTS:.1f}",
                        ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())),
                    )
            console.print(table)
            slowest = sorted(by_path.items(), key=lambda item: -statistics.mean(item[1]))
            for path, times in slowest[:20]:
                mean = 1000 * statistics.mean(times)
                console.print(f"  {mean:6.1f} ms mean, {len(times):3d} x {path}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
