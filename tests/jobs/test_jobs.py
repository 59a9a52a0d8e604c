"""The jobs table: taking, running, retrying, giving up, stale locks, periodic scheduling."""

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.models import LoginAttempt, LoginSession
from aseancyber.app import create_app
from aseancyber.audit.models import AuditEntry
from aseancyber.db import new_id, set_clock
from aseancyber.jobs.models import Job, JobStatus
from aseancyber.jobs.service import (
    STALE_AFTER,
    DailyAt,
    Every,
    Periodic,
    enqueue,
    take_next,
)
from aseancyber.jobs.worker import InProcessWorker, run_pending, run_worker, schedule_periodic
from aseancyber.manifests import JOB_HANDLERS, PERIODIC_JOBS
from aseancyber.notify.models import UsedLink
from aseancyber.ops import manifest as ops_manifest
from aseancyber.ops.maintenance import clean_up_expired
from aseancyber.settings import Settings
from tests.factories import make_org, make_state, make_user

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now
        set_clock(lambda: self.now)

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def _job(db: Session, job_id: str) -> Job:
    job = db.get(Job, job_id, populate_existing=True)
    assert job is not None
    return job


def test_a_job_runs_in_its_own_transaction_and_is_done(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    seen: list[dict[str, Any]] = []
    job = enqueue(db, kind="test.record", payload={"n": 1})

    ran = run_pending(session_factory, handlers={"test.record": lambda _db, p: seen.append(p)})

    assert ran == 1
    assert seen == [{"n": 1}]
    done = _job(db, job.id)
    assert done.status is JobStatus.DONE
    assert (done.attempts, done.locked_by) == (1, None)
    assert done.finished_at is not None
    assert run_pending(session_factory, handlers={}) == 0


def test_a_failing_job_is_retried_with_back_off_then_fails(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    clock = Clock()

    def boom(_db: Session, _payload: dict[str, Any]) -> None:
        _db.add(UsedLink(nonce=new_id(), purpose="test", expires_at=clock.now))
        _db.flush()
        raise RuntimeError("boom")

    handlers = {"test.boom": boom}
    job = enqueue(db, kind="test.boom", max_attempts=3)

    assert run_pending(session_factory, handlers=handlers) == 1
    first = _job(db, job.id)
    assert (first.status, first.attempts) == (JobStatus.QUEUED, 1)
    assert first.last_error.startswith("RuntimeError: boom")
    assert first.run_after == T0 + timedelta(seconds=30)
    assert db.scalar(select(func.count()).select_from(UsedLink)) == 0  # its work rolled back

    assert run_pending(session_factory, handlers=handlers) == 0  # not yet due

    clock.advance(timedelta(seconds=31))
    run_pending(session_factory, handlers=handlers)
    second = _job(db, job.id)
    assert (second.status, second.attempts) == (JobStatus.QUEUED, 2)
    assert second.run_after == clock.now + timedelta(seconds=60)  # the wait doubles

    clock.advance(timedelta(seconds=61))
    run_pending(session_factory, handlers=handlers)
    last = _job(db, job.id)
    assert (last.status, last.attempts) == (JobStatus.FAILED, 3)
    assert last.finished_at == clock.now

    clock.advance(timedelta(days=1))
    assert run_pending(session_factory, handlers=handlers) == 0


def test_a_job_of_unknown_kind_fails_at_once(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    job = enqueue(db, kind="test.nobody-handles-this")
    run_pending(session_factory, handlers={})
    failed = _job(db, job.id)
    assert failed.status is JobStatus.FAILED
    assert "no handler" in failed.last_error


def test_two_sessions_never_take_the_same_job(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    first_job = enqueue(db, kind="test.a")
    second_job = enqueue(db, kind="test.b")
    one, two, three = session_factory(), session_factory(), session_factory()
    try:
        taken_one = take_next(one, worker_id="worker-1")
        taken_two = take_next(two, worker_id="worker-2")
        assert taken_one is not None
        assert taken_two is not None
        assert {taken_one.id, taken_two.id} == {first_job.id, second_job.id}
        assert taken_one.locked_by == "worker-1"
        assert taken_two.locked_by == "worker-2"
        assert take_next(three, worker_id="worker-3") is None
    finally:
        for session in (three, two, one):  # savepoints unwind innermost first
            session.close()


def test_skip_locked_across_connections(engine: Engine) -> None:
    """On PostgreSQL a row locked by one worker is skipped by another, never waited for."""
    if engine.dialect.name != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite claims with one UPDATE")
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    kind = f"test.skip-locked.{new_id()}"
    with factory() as setup:
        ids = {enqueue(setup, kind=kind).id, enqueue(setup, kind=kind).id}
        setup.commit()
    one, two = factory(), factory()
    try:
        taken_one = take_next(one, worker_id="worker-1")
        taken_two = take_next(two, worker_id="worker-2")
        assert taken_one is not None
        assert taken_two is not None
        assert {taken_one.id, taken_two.id} == ids
    finally:
        one.close()
        two.close()
        with factory() as cleanup:
            cleanup.execute(delete(Job).where(Job.kind == kind))
            cleanup.commit()


def test_a_job_whose_worker_died_is_taken_again(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    clock = Clock()
    job = enqueue(db, kind="test.slow", max_attempts=2)
    with session_factory() as dead_worker:
        assert take_next(dead_worker, worker_id="dead") is not None
        dead_worker.commit()

    with session_factory() as other:
        assert take_next(other, worker_id="alive") is None  # still locked, not yet stale
    clock.advance(STALE_AFTER + timedelta(seconds=1))
    with session_factory() as other:
        again = take_next(other, worker_id="alive")
        assert again is not None
        assert (again.id, again.attempts, again.locked_by) == (job.id, 2, "alive")
        other.commit()

    # It dies again on its last attempt: the job is given up rather than run a third time.
    clock.advance(STALE_AFTER + timedelta(seconds=1))
    with session_factory() as other:
        assert take_next(other, worker_id="alive") is None
        other.commit()
    gave_up = _job(db, job.id)
    assert gave_up.status is JobStatus.FAILED
    assert "stopped before finishing" in gave_up.last_error


def test_periodic_jobs_are_scheduled_once_per_interval(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    clock = Clock()
    periodic = [Periodic("test.tick", Every(timedelta(minutes=1)))]

    def queued() -> int:
        return int(
            db.scalar(select(func.count()).select_from(Job).where(Job.kind == "test.tick")) or 0
        )

    assert schedule_periodic(session_factory, periodic=periodic) == 1
    assert schedule_periodic(session_factory, periodic=periodic) == 0
    clock.advance(timedelta(seconds=61))
    # Due again, but the last one has not run yet: no pile-up.
    assert schedule_periodic(session_factory, periodic=periodic) == 0
    assert queued() == 1

    run_pending(session_factory, handlers={"test.tick": lambda _db, _p: None})
    clock.advance(timedelta(seconds=61))
    assert schedule_periodic(session_factory, periodic=periodic) == 1
    assert queued() == 2


def test_a_periodic_job_waits_while_it_has_no_work(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    Clock()
    work = {"due": False}
    periodic = [
        Periodic("test.maybe", Every(timedelta(seconds=10)), has_work=lambda _db: work["due"])
    ]
    assert schedule_periodic(session_factory, periodic=periodic) == 0
    assert schedule_periodic(session_factory, periodic=periodic) == 0
    work["due"] = True
    assert schedule_periodic(session_factory, periodic=periodic) == 1


def test_daily_at_runs_at_the_set_utc_hour() -> None:
    schedule = DailyAt(hour=0)
    assert schedule.first_run(T0) == datetime(2026, 3, 3, tzinfo=UTC)
    assert schedule.next_run(datetime(2026, 3, 3, 0, 0, 5, tzinfo=UTC)) == datetime(
        2026, 3, 4, tzinfo=UTC
    )
    assert DailyAt(hour=12).next_run(T0) == datetime(2026, 3, 2, 12, tzinfo=UTC)


def test_the_registry_knows_every_periodic_kind() -> None:
    assert {p.kind for p in PERIODIC_JOBS} <= set(JOB_HANDLERS)


def test_clean_up_drops_only_what_has_expired(db: Session) -> None:
    clock = Clock()
    user = make_user(db, make_org(db, state=make_state(db)))
    db.add_all(
        [
            LoginSession(id="expired", user_id=user.id, csrf_token="x", expires_at=T0),
            LoginSession(
                id="live", user_id=user.id, csrf_token="x", expires_at=T0 + timedelta(days=2)
            ),
            LoginAttempt(email="a@example.org", address="::1", at=T0 - timedelta(days=2)),
            LoginAttempt(email="b@example.org", address="::1", at=T0 - timedelta(hours=1)),
            UsedLink(nonce="spent-expired", purpose="p", expires_at=T0 - timedelta(seconds=1)),
            UsedLink(nonce="spent-live", purpose="p", expires_at=T0 + timedelta(hours=1)),
            Job(kind="old", status=JobStatus.DONE, finished_at=T0 - timedelta(days=8)),
            Job(kind="recent", status=JobStatus.DONE, finished_at=T0 - timedelta(days=1)),
            Job(kind="old-failed", status=JobStatus.FAILED, finished_at=T0 - timedelta(days=8)),
        ]
    )
    db.flush()
    clock.advance(timedelta(seconds=1))

    clean_up_expired(db, {})

    db.expire_all()
    assert set(db.scalars(select(LoginSession.id))) == {"live"}
    assert set(db.scalars(select(LoginAttempt.email))) == {"b@example.org"}
    assert set(db.scalars(select(UsedLink.nonce))) == {"spent-live"}
    assert set(db.scalars(select(Job.kind))) == {"recent", "old-failed"}
    db.commit()  # the purge's one audit entry joins the chain at commit, with its counts
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "jobs.clean_up_expired")).one()
    assert entry.detail == {"login_sessions": 1, "login_attempts": 1, "used_links": 1, "jobs": 1}


def test_run_worker_once_runs_what_is_due_and_returns(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    job = enqueue(db, kind=ops_manifest.CLEAN_UP)
    run_worker(
        handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS, once=True, session_factory=session_factory
    )
    assert _job(db, job.id).status is JobStatus.DONE


def test_the_in_process_worker_runs_jobs_in_a_thread(
    db: Session, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = threading.Event()
    monkeypatch.setitem(JOB_HANDLERS, "test.signal", lambda _db, _p: ran.set())
    enqueue(db, kind="test.signal")
    db.commit()
    worker = InProcessWorker(
        session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS, poll_seconds=0.05
    )
    worker.start()
    try:
        assert ran.wait(timeout=10)
    finally:
        worker.stop()
    assert not worker.running


def test_the_server_starts_and_stops_the_worker_when_jobs_run_in_process(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    in_process = settings.model_copy(update={"run_jobs_in_process": True})
    app = create_app(settings=in_process, session_factory=session_factory)
    with TestClient(app):
        worker = app.state.job_worker
        assert isinstance(worker, InProcessWorker)
        assert worker.running
    assert not worker.running

    app = create_app(settings=settings, session_factory=session_factory)
    with TestClient(app):
        assert app.state.job_worker is None
