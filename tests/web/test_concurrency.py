"""Many people at once (issue 14): nobody's write waits on a slow client, a frozen peer or
another request's bookkeeping, and a read never fails because someone else writes.

Each test runs the real app in a real server (uvicorn in a thread, on a loopback port) over
a database of its own with real commits: the usual rolled-back test transaction cannot be
shared between connections. Every wait is bounded (events and joins with a timeout, HTTP
timeouts); the order of events is forced by events, never left to timing.
"""

import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import orjson
import psycopg
import pytest
import uvicorn
from benchmarks.sharing import seed_database
from sqlalchemy import Engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from aseancyber.access.models import ApiToken, Role, TokenScope, User, UserRole
from aseancyber.access.service import actor_for, create_token
from aseancyber.app import create_app
from aseancyber.audit.models import AuditEntry
from aseancyber.db import make_engine
from aseancyber.federation import manifest as federation_manifest
from aseancyber.federation import service as federation
from aseancyber.federation.models import PeerAuth, RunState, SyncRun
from aseancyber.jobs import service as jobs
from aseancyber.jobs.worker import run_pending
from aseancyber.manifests import JOB_HANDLERS
from aseancyber.settings import Environment, Settings
from tests.conftest import TEST_SECRET
from tests.federation.nodes import wait_until
from tests.ports import free_port

TAXII_TYPE = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"  # TLP 2.0 GREEN
BUSY_SECONDS = 3.0  # the live server's lock wait: the old behaviour fails well within a test
WAIT = 20.0  # the most any step may take before the test fails


class BodyProbe:
    """Tells the test when the app starts reading the body of a request marked
    ``x-slow-client``: from then on, whatever the app holds, it holds while the client
    is still sending."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.reading = threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (b"x-slow-client", b"1") in scope["headers"]:

            async def probed() -> Any:
                self.reading.set()
                return await receive()

            await self.app(scope, probed, send)
            return
        await self.app(scope, receive, send)


@dataclass
class Live:
    url: str
    base: str
    engine: Engine
    factory: sessionmaker[Session]
    probe: BodyProbe
    collection_id: str
    slow_token: str  # the analyst whose client is slow
    other_token: str  # another user of the platform
    other_token_id: str
    admin_email: str

    def objects_url(self) -> str:
        return f"{self.base}/taxii2/api/collections/{self.collection_id}/objects/"

    def taxii_post(self, token: str, objects: list[dict[str, Any]]) -> httpx.Response:
        return httpx.post(
            self.objects_url(),
            content=orjson.dumps({"objects": objects}),
            headers=_taxii_headers(token),
            timeout=WAIT,
        )


def _taxii_headers(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "Content-Type": TAXII_TYPE,
        "Accept": TAXII_TYPE,
    }


def indicator(label: str) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": label,
        "pattern": "[ipv4-addr:value = '203.0.113.7']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        "object_marking_refs": [GREEN],
    }


@pytest.fixture
def live_url(scratch_database: str) -> str:
    """A database of the test's own (same dialect as the run's), its data committed."""
    return scratch_database


@pytest.fixture
def live(live_url: str) -> Iterator[Live]:
    slow_token, collection_id = seed_database(live_url)
    settings = Settings(
        environment=Environment.TEST,
        secret_key=TEST_SECRET,
        database_url=live_url,
        run_jobs_in_process=False,
        sqlite_busy_timeout_seconds=BUSY_SECONDS,
        _env_file=None,
    )
    engine = make_engine(live_url, settings=settings)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as db:
        analyst = db.scalars(select(User)).one()
        other = User(
            email="other@example.org", display_name="Other", organisation_id=analyst.organisation_id
        )
        other.roles = [UserRole(role=Role.CONTRIBUTOR)]
        admin = User(
            email="admin@example.org", display_name="Admin", organisation_id=analyst.organisation_id
        )
        admin.roles = [UserRole(role=Role.ORGANISATION_ADMIN)]
        db.add_all([other, admin])
        db.flush()
        made = create_token(
            db, user=other, name="other", scope=TokenScope.READ_WRITE, expires_at=None
        )
        other_token, other_token_id = made.secret, made.token.id
    probe = BodyProbe(create_app(settings=settings, session_factory=factory))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(probe, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    wait_until(lambda: server.started, WAIT, "the live server to start")
    try:
        yield Live(
            url=live_url,
            base=f"http://127.0.0.1:{port}",
            engine=engine,
            factory=factory,
            probe=probe,
            collection_id=collection_id,
            slow_token=slow_token,
            other_token=other_token,
            other_token_id=other_token_id,
            admin_email="admin@example.org",
        )
    finally:
        server.should_exit = True
        thread.join(WAIT)
        engine.dispose()


class WriteLock:
    """Another connection holding what a write needs: SQLite's one write lock (``BEGIN
    IMMEDIATE``); on PostgreSQL the rows and the audit chain lock a write takes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite: sqlite3.Connection | None = None
        self.postgres: psycopg.Connection[Any] | None = None

    def take(self, *, change: bool = False) -> None:
        if self.url.startswith("sqlite"):
            path = make_url(self.url).database
            assert path is not None
            self.sqlite = sqlite3.connect(path, isolation_level=None, timeout=WAIT)
            self.sqlite.execute("BEGIN IMMEDIATE")
            if change:  # a commit others' snapshots have not seen
                self.sqlite.execute("UPDATE sharing_collection SET title = title || ' '")
            return
        dsn = make_url(self.url).set(drivername="postgresql").render_as_string(False)
        self.postgres = psycopg.connect(dsn)
        self.postgres.execute("SELECT 1 FROM api_token FOR UPDATE")
        self.postgres.execute("SELECT pg_advisory_xact_lock(7240318)")  # the audit chain
        if change:
            self.postgres.execute("UPDATE sharing_collection SET title = title || ' '")

    def release(self) -> None:
        if self.sqlite is not None:
            self.sqlite.execute("COMMIT")
            self.sqlite.close()
            self.sqlite = None
        if self.postgres is not None:
            self.postgres.commit()
            self.postgres.close()
            self.postgres = None


@pytest.fixture
def write_lock(live: Live) -> Iterator[WriteLock]:
    lock = WriteLock(live.url)
    yield lock
    lock.release()


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``work`` in a thread; its result (or error) lands in the returned dict."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_a_slow_upload_does_not_block_another_users_write(live: Live) -> None:
    release = threading.Event()
    envelope = orjson.dumps({"objects": [indicator(f"slow {n}") for n in range(50)]})
    half = len(envelope) // 2

    def slow_body() -> Iterator[bytes]:
        yield envelope[:half]
        release.wait(WAIT)  # the client stalls mid-body until the other write is done
        yield envelope[half:]

    def upload() -> httpx.Response:
        return httpx.post(
            live.objects_url(),
            content=slow_body(),
            headers={**_taxii_headers(live.slow_token), "x-slow-client": "1"},
            timeout=WAIT * 2,
        )

    thread, outcome = in_thread(upload)
    try:
        assert live.probe.reading.wait(WAIT), "the server never started reading the upload"
        # Answered while the slow client is still stalled (before ``release``): a write
        # made to wait for it would run out of lock wait and answer 500 or 503.
        other = live.taxii_post(live.other_token, [indicator("meanwhile")])
    finally:
        release.set()
        thread.join(WAIT * 2)
    assert other.status_code == 202, other.text
    assert other.json()["success_count"] == 1
    assert not thread.is_alive()
    assert "error" not in outcome, outcome
    assert outcome["result"].status_code == 202, outcome["result"].text
    assert outcome["result"].json()["success_count"] == 50


class FrozenPeer:
    """A TAXII peer that accepts a connection and then answers nothing until released."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        frozen = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                frozen.reached.set()
                frozen.release.wait(WAIT)
                self.send_response(404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"title": "gone"}')

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.api_root = f"http://127.0.0.1:{self.server.server_address[1]}/taxii2/api/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FrozenPeer":
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(WAIT)


def test_a_sync_waiting_on_a_frozen_peer_does_not_block_another_users_write(live: Live) -> None:
    with FrozenPeer() as peer_server:
        with live.factory.begin() as db:
            admin = db.scalars(select(User).where(User.email == live.admin_email)).one()
            peer = federation.create_peer(
                db,
                actor=actor_for(admin),
                name="frozen",
                api_root_url=peer_server.api_root,
                auth=PeerAuth.BEARER,
                secret="peer-secret",
                organisation_id=admin.organisation_id,
            )
            federation.add_mapping(
                db,
                actor=actor_for(admin),
                peer=peer,
                remote_collection_id="remote-feed",
                local_collection_id=live.collection_id,
                pull=True,
                push=False,
            )
            jobs.enqueue(db, kind=federation_manifest.SYNC, payload={"peer_id": peer.id})
            peer_id = peer.id
        # The worker runs the sync job exactly as `aseancyber worker` would.
        thread, outcome = in_thread(lambda: run_pending(live.factory, handlers=JOB_HANDLERS))
        try:
            assert peer_server.reached.wait(WAIT), "the sync never reached the peer"
            other = live.taxii_post(live.other_token, [indicator("while syncing")])
        finally:
            peer_server.release.set()
            thread.join(WAIT * 2)
    assert other.status_code == 202, other.text
    assert not thread.is_alive()
    assert outcome == {"result": 1}
    with live.factory() as db:
        run = db.scalars(select(SyncRun).where(SyncRun.peer_id == peer_id)).one()
    assert run.state is RunState.FAILED  # the peer's 404 is recorded, not lost
    assert run.error


def test_a_get_with_an_api_token_succeeds_while_another_connection_holds_the_write_lock(
    live: Live, write_lock: WriteLock
) -> None:
    write_lock.take()
    try:
        # Writing the token's last-used time in the request would wait for the lock until
        # the busy timeout (SQLite) or for ever (PostgreSQL's row lock): 500 or a timeout.
        answer = httpx.get(
            f"{live.base}/api/v1/me",
            headers={"Authorization": f"Bearer {live.other_token}"},
            timeout=WAIT,
        )
    finally:
        write_lock.release()
    assert answer.status_code == 200, answer.text

    def last_used_recorded() -> bool:
        httpx.get(
            f"{live.base}/api/v1/me",
            headers={"Authorization": f"Bearer {live.other_token}"},
            timeout=WAIT,
        )
        with live.factory() as db:
            token = db.get(ApiToken, live.other_token_id)
            return token is not None and token.last_used_at is not None

    # Skipped while the lock was held; recorded (after an answer) once it is free.
    wait_until(last_used_recorded, WAIT, "the token's last-used time to be recorded")


def test_an_audited_export_succeeds_while_another_connection_writes(
    live: Live, write_lock: WriteLock
) -> None:
    assert live.taxii_post(live.other_token, [indicator("exported")]).status_code == 202

    def last_used_recorded() -> bool:  # so that no token bookkeeping runs from here on
        with live.factory() as db:
            token = db.get(ApiToken, live.other_token_id)
            return token is not None and token.last_used_at is not None

    wait_until(last_used_recorded, WAIT, "the token's last-used time to be recorded")
    reached_write = threading.Event()
    waiting_writer = f"busy_timeout={int(BUSY_SECONDS * 1000)}"

    def watch(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        lowered = statement.lower()
        if "audit_entry" in lowered or waiting_writer in lowered or "advisory" in lowered:
            reached_write.set()

    write_lock.take(change=True)
    event.listen(live.engine, "before_cursor_execute", watch)
    try:
        thread, outcome = in_thread(
            lambda: httpx.get(
                f"{live.base}/api/v1/sharing/objects/export",
                headers={"Authorization": f"Bearer {live.other_token}"},
                timeout=WAIT,
            )
        )
        # The export has read its rows and now needs to record its audit entry ...
        assert reached_write.wait(WAIT), "the export never came to its audit entry"
    finally:
        # ... while the other connection commits a change the export's read did not see.
        write_lock.release()
        thread.join(WAIT * 2)
        event.remove(live.engine, "before_cursor_execute", watch)
    assert "error" not in outcome, outcome
    answer = outcome["result"]
    assert answer.status_code == 200, answer.text
    assert "exported" in [item["name"] for item in answer.json()["items"]]
    with live.factory() as db:
        exports = db.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "stix.export")
        )
    assert exports == 1  # the read was recorded, in a transaction of its own


def test_a_write_that_waits_out_the_lock_answers_503_with_retry_after(
    live: Live, write_lock: WriteLock
) -> None:
    if not live.url.startswith("sqlite"):
        pytest.skip("SQLite's one write lock; PostgreSQL writers lock rows, not the database")
    write_lock.take()
    try:
        answer = live.taxii_post(live.other_token, [indicator("refused")])
    finally:
        write_lock.release()
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "2"
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "busy" in answer.json()["detail"]
    again = live.taxii_post(live.other_token, [indicator("retried")])
    assert again.status_code == 202, again.text
