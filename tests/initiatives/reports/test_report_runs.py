"""The ministers' report as a background job: queued from the page, progress followed by
polling, downloaded when ready, and seen by nobody but its requester."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.initiatives.reports import runs as report_runs
from aseancyber.initiatives.reports import service as report
from aseancyber.initiatives.reports.models import ReportRun, ReportRunStatus
from aseancyber.jobs.service import InUnits
from aseancyber.jobs.worker import run_pending
from aseancyber.manifests import JOB_HANDLERS, REPORT_SOURCES
from tests.factories import actor
from tests.initiatives.conftest import TRAINING, Register
from tests.initiatives.detection.test_detection_runs import (  # noqa: F401 - the fixture, reused
    WAIT,
    Pause,
    Registry,
    _import,
    _in_thread,
    _write_elsewhere,
    registry,
)
from tests.readers import BrowserFor, TokenFor, World


def test_queue_follow_and_download_in_the_browser(
    db: Session,
    world: World,
    browser_for: BrowserFor,
    register: Register,
    session_factory: sessionmaker[Session],
) -> None:
    register(**TRAINING)
    db.commit()
    browser = browser_for(world.coordinator)
    queued = browser.client.post(
        "/initiatives/report/runs",
        data={
            "csrf_token": browser.csrf,
            "start": "2026-01-01",
            "end": "2026-12-31",
            "format": "html",
        },
        follow_redirects=False,
    )
    assert queued.status_code == 303, queued.text
    url = queued.headers["location"]
    run_id = re.findall(r"/initiatives/report/runs/([0-9a-f-]{36})$", url)[0]
    waiting = browser.client.get(url)
    assert waiting.status_code == 200
    assert "Queued" in waiting.text
    assert waiting.headers["refresh"] == "2"  # the page polls until the file is ready
    assert browser.client.get(f"{url}/download").status_code == 409

    assert run_pending(session_factory, handlers=JOB_HANDLERS) >= 1
    done = browser.client.get(url)
    assert "Ready" in done.text
    assert "refresh" not in done.headers
    file = browser.client.get(f"{url}/download")
    assert file.status_code == 200
    assert "Data appendix" in file.text
    assert "attachment" in file.headers["content-disposition"]
    assert "Download" in browser.client.get("/initiatives/report").text

    # Nobody else follows or downloads it, not even a coordinator of the same node.
    for other in (world.other_state, world.author):
        client = browser_for(other).client
        assert client.get(url).status_code == 404
        assert client.get(f"{url}/download").status_code == 404
    assert db.get(ReportRun, run_id) is not None


def test_progress_is_reported_while_the_job_runs_and_failures_are_shown(
    db: Session, world: World, register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(**TRAINING)
    coordinator = actor(world.coordinator)
    first, last = report.parse_period("2026-01-01", "2026-12-31")
    run = report_runs.request(db, actor=coordinator, start=first, end=last, format="pdf")
    seen: list[tuple[int, str]] = []
    original = report.build

    def spying_build(*args: object, **kwargs: object) -> object:
        progress = kwargs["progress"]

        def tap(step: int, steps: int, what: str) -> None:
            progress(step, steps, what)  # type: ignore[operator]
            status = report_runs.status(run)
            seen.append((status.step, status.status.value))

        kwargs["progress"] = tap
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(report, "build", spying_build)
    report_runs.build_report(db, {"run_id": run.id}, sources=REPORT_SOURCES)
    monkeypatch.undo()
    assert seen
    assert all(state == "running" for _, state in seen)
    assert [step for step, _ in seen] == sorted(step for step, _ in seen)
    assert run.status is ReportRunStatus.DONE
    assert run.content is not None
    assert run.content.startswith(b"%PDF-")

    broken = report_runs.request(db, actor=coordinator, start=first, end=last, format="html")
    broken.format = "docx"  # as if the stored request were damaged
    report_runs.build_report(db, {"run_id": broken.id}, sources=REPORT_SOURCES)
    assert broken.status is ReportRunStatus.FAILED
    assert "format" in broken.error or "Invalid" in broken.error


def test_the_rest_api_queues_and_serves_the_report(
    *,
    client: TestClient,
    db: Session,
    world: World,
    token_for: TokenFor,
    register: Register,
    session_factory: sessionmaker[Session],
) -> None:
    register(**TRAINING)
    db.commit()
    headers = token_for(world.coordinator)
    url = "/api/v1/initiatives/report/runs"
    bad = client.post(url, json={"format": "docx"}, headers=headers)
    assert bad.status_code == 422
    queued = client.post(url, json={"start": "2026-01-01", "format": "pdf"}, headers=headers)
    assert queued.status_code == 202, queued.text
    run = queued.json()
    assert run["status"] == "queued"
    assert run["download"] is None
    assert client.get(f"{url}/{run['id']}", headers=token_for(world.author)).status_code == 404
    assert client.post(url, json={}).status_code in (401, 403)
    run_pending(session_factory, handlers=JOB_HANDLERS)
    done = client.get(f"{url}/{run['id']}", headers=headers).json()
    assert done["status"] == "done"
    assert done["percent"] == 100
    file = client.get(done["download"], headers=headers)
    assert file.content.startswith(b"%PDF-")


def test_the_job_holds_no_write_transaction_while_it_renders(
    registry: Registry,  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _import(registry, detect=False)
    first, last = report.parse_period("2020-01-01", "2030-12-31")
    with registry.factory.begin() as db:
        run_id = report_runs.request(
            db, actor=registry.actor, start=first, end=last, format="html"
        ).id
    pause = Pause()
    render = report.render

    def paused_render(*args: object, **kwargs: object) -> tuple[bytes, str, str]:
        pause(1, 2)  # the build is done, the rendering starts: let the test write
        return render(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(report, "render", paused_render)
    handler = report_runs.report_builder(REPORT_SOURCES)
    assert isinstance(handler, InUnits)
    thread, errors = _in_thread(lambda: handler.run(registry.factory, {"run_id": run_id}))
    assert pause.paused.wait(WAIT)
    _write_elsewhere(registry, "no such title")  # within the busy timeout, or it raises
    with registry.factory.begin() as db:  # another user asks for a report meanwhile
        report_runs.request(db, actor=registry.actor, start=first, end=last, format="pdf")
    pause.resume.set()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert not errors, errors
    with registry.factory() as db:
        run = db.get(ReportRun, run_id)
        assert run is not None
        assert run.status is ReportRunStatus.DONE
        assert run.content is not None
        assert run.size == len(run.content) > 0
