"""A large upload of initiatives as a background job (issue 14): checked in the request with
nothing written, answered 202 with a run to follow, imported in short committed chunks,
followed by its uploader (and platform admins) only, resumable from the row where it
stopped, and never holding the write lock between chunks."""

import re
import threading
from collections.abc import Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.dependencies import asks_only, reads_first, starts_reading
from aseancyber.access.models import TokenScope, User
from aseancyber.access.policy import Tlp
from aseancyber.access.service import create_token
from aseancyber.app import _queued_writer, create_app
from aseancyber.audit.models import AuditEntry
from aseancyber.community.models import SectoralBody
from aseancyber.db import AFTER_READ
from aseancyber.initiatives import chunked_import, import_runs
from aseancyber.initiatives.detection import live_index
from aseancyber.initiatives.models import ImportRun, Initiative
from aseancyber.jobs.service import Handler
from aseancyber.jobs.worker import run_pending
from aseancyber.manifests import JOB_HANDLERS
from tests.conftest import make_settings
from tests.factories import bearer
from tests.initiatives.detection.test_detection_runs import (  # noqa: F401 - the fixture, reused
    ROWS,
    WAIT,
    Pause,
    Registry,
    _in_thread,
    _write_elsewhere,
    registry,
)
from tests.initiatives.test_import_export import BAD_ROWS, SPREADSHEET
from tests.readers import BrowserFor, TokenFor, World
from tests.web.test_concurrency import WriteLock, in_thread

API = "/api/v1/initiatives"


@pytest.fixture(autouse=True)
def _small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # Files of more than one row go to the job: the tests stay small and fast.
    monkeypatch.setattr(import_runs, "SYNC_LIMIT", 1)


def _handlers(**options: Any) -> dict[str, Handler]:
    return {**JOB_HANDLERS, import_runs.JOB_KIND: import_runs.import_runner(**options)}


def _count(db: Session, model: type[Any]) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_the_rest_api_queues_a_large_import_and_reports_its_progress(
    *,
    client: TestClient,
    db: Session,
    world: World,
    token_for: TokenFor,
    bodies: dict[str, SectoralBody],
    session_factory: sessionmaker[Session],
) -> None:
    db.commit()
    headers = token_for(world.author)
    queued = client.post(
        f"{API}/import", json={"format": "csv", "content": SPREADSHEET}, headers=headers
    )
    assert queued.status_code == 202, queued.text
    run = queued.json()
    assert (run["status"], run["rows"], run["to_store"], run["stored"]) == ("queued", 2, 2, 0)
    assert _count(db, Initiative) == 0  # checked, nothing written yet
    url = run["status_url"]
    assert url == f"{API}/import/runs/{run['id']}"

    # Nobody else sees the run, not even a coordinator; a platform admin does.
    for other in (world.other_state, world.coordinator, world.colleague):
        assert client.get(url, headers=token_for(other)).status_code == 404
    assert client.get(url, headers=token_for(world.platform_admin)).status_code == 200
    assert client.get(url).status_code == 401

    seen: list[tuple[str, int]] = []

    def look(number: int, total: int) -> None:  # between two committed chunks
        now = client.get(url, headers=headers).json()
        seen.append((now["status"], now["stored"]))

    assert run_pending(session_factory, handlers=_handlers(chunk_size=1, after_chunk=look)) >= 1
    assert seen == [("running", 1), ("running", 2)]
    done = client.get(url, headers=headers).json()
    assert (done["status"], done["stored"], done["percent"]) == ("done", 2, 100)
    assert done["overlaps_flagged"] == 1
    assert done["resume_url"] is None
    titles = {i["title"] for i in client.get(API, headers=headers).json()["items"]}
    assert len(titles) == 2
    actions = db.scalars(select(AuditEntry.action)).all()
    assert actions.count("initiative.create") == 2
    assert "initiative.import" in actions
    assert "initiative.import_queued" in actions
    stored = db.get(ImportRun, run["id"])
    assert stored is not None
    db.refresh(stored)
    assert stored.content is None  # the upload is dropped once stored


def test_bad_rows_are_reported_in_the_request_and_nothing_is_queued(
    client: TestClient, db: Session, world: World, token_for: TokenFor, bodies: Any
) -> None:
    headers = token_for(world.author)
    refused = client.post(
        f"{API}/import", json={"format": "csv", "content": BAD_ROWS}, headers=headers
    )
    assert refused.status_code == 200
    result = refused.json()
    assert result["imported"] == 0
    assert {(4, "Colour"), (3, "title")} <= {(p["row"], p["field"]) for p in result["problems"]}
    assert _count(db, ImportRun) == 0
    skipping = client.post(
        f"{API}/import",
        json={"format": "csv", "content": BAD_ROWS, "skip_bad_rows": True},
        headers=headers,
    )
    assert skipping.status_code == 202
    run = skipping.json()
    assert (run["to_store"], run["bad_rows"]) == (1, 2)
    assert "ZZ" in {p["value"] for p in run["problems"]}


def test_the_import_page_queues_a_large_file_and_shows_its_progress(
    *,
    db: Session,
    world: World,
    browser_for: BrowserFor,
    bodies: dict[str, SectoralBody],
    session_factory: sessionmaker[Session],
) -> None:
    db.commit()
    browser = browser_for(world.author)
    files = {"file": ("initiatives.csv", SPREADSHEET.encode(), "text/csv")}
    queued = browser.client.post(
        "/initiatives/import",
        data={"csrf_token": browser.csrf, "tlp": "TLP:GREEN"},
        files=files,
        follow_redirects=False,
    )
    assert queued.status_code == 303, queued.text
    url = queued.headers["location"]
    assert re.fullmatch(r"/initiatives/import/runs/[0-9a-f-]{36}", url)
    waiting = browser.client.get(url)
    assert waiting.status_code == 200
    assert "0 of 2 rows stored" in waiting.text
    assert waiting.headers["refresh"] == "2"
    for other in (world.other_state, world.coordinator):
        assert browser_for(other).client.get(url).status_code == 404

    pages: list[str] = []

    def look(number: int, total: int) -> None:
        pages.append(browser.client.get(url).text)

    run_pending(session_factory, handlers=_handlers(chunk_size=1, after_chunk=look))
    assert "1 of 2 rows stored" in pages[0]
    done = browser.client.get(url)
    assert "2 initiatives imported" in done.text
    assert "refresh" not in done.headers
    assert _count(db, Initiative) == 2


def test_a_job_stopped_midway_names_the_row_to_resume_from_and_resumes(
    *,
    client: TestClient,
    db: Session,
    world: World,
    token_for: TokenFor,
    bodies: dict[str, SectoralBody],
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db.commit()
    headers = token_for(world.author)
    run = client.post(
        f"{API}/import", json={"format": "csv", "content": SPREADSHEET}, headers=headers
    ).json()
    record = live_index.record_change
    calls: list[int] = []

    def failing_second(db: Any, *, initiative_ids: Sequence[str]) -> None:
        calls.append(len(initiative_ids))
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        record(db, initiative_ids=initiative_ids)

    monkeypatch.setattr(live_index, "record_change", failing_second)
    run_pending(session_factory, handlers=_handlers(chunk_size=1))
    monkeypatch.setattr(live_index, "record_change", record)
    failed = client.get(run["status_url"], headers=headers).json()
    assert (failed["status"], failed["stored"], failed["resume_row"]) == ("failed", 1, 3)
    assert "from row 3" in failed["error"]
    assert "the database went away" in failed["error"]
    assert _count(db, Initiative) == 1
    # Only the uploader resumes it; nothing else can.
    resume_url = failed["resume_url"]
    assert client.post(resume_url, headers=token_for(world.other_state)).status_code == 404
    resumed = client.post(resume_url, headers=headers)
    assert resumed.status_code == 202, resumed.text
    assert resumed.json()["status"] == "queued"
    assert client.post(resume_url, headers=headers).status_code == 409
    run_pending(session_factory, handlers=_handlers(chunk_size=1))
    done = client.get(run["status_url"], headers=headers).json()
    assert (done["status"], done["stored"]) == ("done", 2)
    assert _count(db, Initiative) == 2  # the first row was not stored twice


def test_another_connection_writes_while_the_job_is_between_chunks(
    registry: Registry,  # noqa: F811 - the fixture imported above
) -> None:
    content = registry.csv.read_text(encoding="utf-8-sig")
    with registry.factory.begin() as db:
        started = import_runs.start(
            db,
            actor=registry.actor,
            content=content,
            format="csv",
            skip_bad_rows=False,
            default_tlp=Tlp.GREEN,
        )
        assert started.run is not None
        run_id = started.run.id
    pause = Pause()
    handler = import_runs.import_runner(chunk_size=10, after_chunk=pause)
    thread, errors = _in_thread(
        lambda: run_pending(registry.factory, handlers={import_runs.JOB_KIND: handler})
    )
    assert pause.paused.wait(WAIT)
    with registry.factory() as db:
        title = db.scalars(select(Initiative.title)).first()
        run = db.get(ImportRun, run_id)
        assert run is not None
        assert (run.status.value, run.stored) == ("running", 10)  # progress, committed
    assert title is not None
    _write_elsewhere(registry, title)  # within the busy timeout, or it raises
    pause.resume.set()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert not errors, errors
    with registry.factory() as db:
        run = db.get(ImportRun, run_id)
        assert run is not None
        assert (run.status.value, run.stored, run.error) == ("done", ROWS, "")
        assert _count(db, Initiative) == ROWS


# --- checked before the write lock is taken (READ_FIRST_POSTS) ------------------------------


def _watch_the_check(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record, for each check of an upload, whether its session was still read-only."""
    read_only: list[bool] = []
    check = chunked_import.check_rows

    def watched(db: Session, **options: Any) -> Any:
        read_only.append(AFTER_READ in db.info)
        return check(db, **options)

    monkeypatch.setattr(chunked_import, "check_rows", watched)
    return read_only


def test_both_import_routes_check_the_rows_before_they_become_writers(
    *,
    client: TestClient,
    db: Session,
    world: World,
    token_for: TokenFor,
    browser_for: BrowserFor,
    bodies: dict[str, SectoralBody],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db.commit()
    read_only = _watch_the_check(monkeypatch)
    queued = client.post(
        f"{API}/import",
        json={"format": "csv", "content": SPREADSHEET},
        headers=token_for(world.author),
    )
    assert queued.status_code == 202, queued.text
    browser = browser_for(world.author)
    page = browser.client.post(
        "/initiatives/import",
        data={"csrf_token": browser.csrf, "tlp": "TLP:GREEN"},
        files={"file": ("initiatives.csv", SPREADSHEET.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text
    assert read_only == [True, True]
    assert _count(db, ImportRun) == 2  # and then each wrote its run, with its audit entry
    actions = db.scalars(select(AuditEntry.action)).all()
    assert actions.count("initiative.import_queued") == 2


def test_a_small_import_is_checked_read_only_then_written_in_the_request(
    *,
    client: TestClient,
    db: Session,
    world: World,
    token_for: TokenFor,
    bodies: dict[str, SectoralBody],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(import_runs, "SYNC_LIMIT", 300)
    read_only = _watch_the_check(monkeypatch)
    imported = client.post(
        f"{API}/import",
        json={"format": "csv", "content": SPREADSHEET},
        headers=token_for(world.author),
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["imported"] == 2
    assert read_only[0] is True  # the first check; the import checks again as a writer
    assert _count(db, Initiative) == 2
    assert _count(db, ImportRun) == 0


def test_a_read_only_token_is_refused_an_import_as_any_write(
    client: TestClient, db: Session, world: World, bodies: Any
) -> None:
    headers = bearer(db, world.author, TokenScope.READ)
    imported = client.post(
        f"{API}/import", json={"format": "csv", "content": SPREADSHEET}, headers=headers
    )
    created = client.post(f"{API}", json={"title": "x"}, headers=headers)
    assert imported.status_code == created.status_code == 403
    assert imported.headers["content-type"].startswith("application/problem+json")
    assert imported.json()["detail"] == created.json()["detail"] == "this API token is read-only"
    assert _count(db, ImportRun) == 0
    assert _count(db, Initiative) == 0


def test_the_import_routes_still_need_their_csrf_token(
    db: Session, world: World, browser_for: BrowserFor, bodies: Any
) -> None:
    browser = browser_for(world.author)
    files = {"file": ("initiatives.csv", SPREADSHEET.encode(), "text/csv")}
    page = browser.client.post(
        "/initiatives/import", data={"tlp": "TLP:GREEN"}, files=files, follow_redirects=False
    )
    assert page.status_code == 403
    api = browser.client.post(f"{API}/import", json={"format": "csv", "content": SPREADSHEET})
    assert api.status_code == 403
    assert "X-CSRF-Token" in api.json()["detail"]
    assert _count(db, ImportRun) == 0


def test_a_post_that_reads_first_is_a_write_outside_the_writers_queue() -> None:
    for path in ("/api/v1/initiatives/import", "/initiatives/import"):
        assert reads_first("POST", path)
        assert starts_reading("POST", path)  # read-only session, no WriterQueue turn
        assert not asks_only("POST", path)  # so a read-only token is refused
        assert not _queued_writer("POST", path)  # it takes an Admission place, like a read
    assert not reads_first("GET", "/initiatives/import")
    assert not starts_reading("POST", "/api/v1/initiatives/import/runs/x/resume")
    assert _queued_writer("POST", "/api/v1/initiatives")


def test_a_large_upload_is_checked_while_another_connection_holds_the_write_lock(
    registry: Registry,  # noqa: F811 - the fixture imported above
    scratch_database: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with registry.factory.begin() as db:
        user = db.get(User, registry.actor.user_id)
        assert user is not None
        secret = create_token(
            db, user=user, name="upload", scope=TokenScope.READ_WRITE, expires_at=None
        ).secret
    checked = threading.Event()
    check = chunked_import.check_rows

    def watched(db: Session, **options: Any) -> Any:
        rows = check(db, **options)
        checked.set()
        return rows

    monkeypatch.setattr(chunked_import, "check_rows", watched)
    settings = make_settings(scratch_database, sqlite_busy_timeout_seconds=WAIT)
    app = create_app(settings=settings, session_factory=registry.factory)
    content = registry.csv.read_text(encoding="utf-8-sig")
    lock = WriteLock(scratch_database)
    with TestClient(app, raise_server_exceptions=False) as client:
        lock.take()
        try:
            thread, outcome = in_thread(
                lambda: client.post(
                    f"{API}/import",
                    json={"format": "csv", "content": content},
                    headers={"Authorization": f"Bearer {secret}"},
                )
            )
            # With the write lock taken first, the request would wait here for the lock.
            assert checked.wait(WAIT), "the upload's check waited for the write lock"
            assert thread.is_alive()  # it waits for the lock only now, to queue the run
        finally:
            lock.release()
        thread.join(WAIT)
    assert not thread.is_alive()
    assert "error" not in outcome, outcome
    answer = outcome["result"]
    assert answer.status_code == 202, answer.text
    run = answer.json()
    assert (run["status"], run["rows"], run["to_store"]) == ("queued", ROWS, ROWS)
    assert run["status_url"] == f"{API}/import/runs/{run['id']}"
    with registry.factory() as db:
        assert _count(db, ImportRun) == 1
        assert _count(db, Initiative) == 0
