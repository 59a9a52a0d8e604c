"""The background worker's heartbeat (issue 17): recorded when the worker starts, around
each job with the job it runs, and never stopping the worker when it cannot be written."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.db import set_clock
from aseancyber.jobs.models import WorkerHeartbeat
from aseancyber.jobs.service import enqueue
from aseancyber.jobs.worker import HEARTBEATS_KEPT, Heartbeat, run_one, run_worker

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _beat(db: Session, worker_id: str) -> WorkerHeartbeat:
    row = db.get(WorkerHeartbeat, worker_id, populate_existing=True)
    assert row is not None
    return row


def test_the_heartbeat_names_the_running_job_and_clears_it_after_success_or_failure(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    now = [T0]
    set_clock(lambda: now[0])
    heartbeat = Heartbeat(session_factory, "host:1:1")
    heartbeat.beat()
    assert (_beat(db, "host:1:1").last_seen_at, _beat(db, "host:1:1").job_id) == (T0, None)
    seen: list[tuple[str | None, str | None, datetime | None]] = []

    def handler(_db: Session, payload: dict[str, Any]) -> None:
        with session_factory() as other:
            row = other.get(WorkerHeartbeat, "host:1:1")
            assert row is not None
            seen.append((row.job_id, row.job_kind, row.job_started_at))
        now[0] += timedelta(minutes=3)
        if payload.get("fail"):
            raise RuntimeError("the job failed")

    for payload in ({}, {"fail": True}):
        job = enqueue(db, kind="test.watched", payload=payload)
        db.commit()
        started = now[0]
        ran = run_one(
            session_factory,
            worker_id="host:1:1",
            handlers={"test.watched": handler},
            heartbeat=heartbeat,
        )
        assert ran
        assert seen[-1] == (job.id, "test.watched", started)
        after = _beat(db, "host:1:1")
        assert (after.job_id, after.job_kind, after.job_started_at) == (None, None, None)
        assert after.last_seen_at == now[0]
        assert after.started_at == T0


def test_the_worker_beats_when_it_starts_and_removes_heartbeats_long_gone(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    set_clock(lambda: T0)
    db.add(
        WorkerHeartbeat(
            worker_id="gone:1:1",
            started_at=T0,
            last_seen_at=T0 - HEARTBEATS_KEPT - timedelta(minutes=1),
        )
    )
    db.add(WorkerHeartbeat(worker_id="recent:1:1", started_at=T0, last_seen_at=T0))
    db.commit()
    run_worker(handlers={}, periodic=(), once=True, session_factory=session_factory)
    workers = db.scalars(select(WorkerHeartbeat.worker_id)).all()
    assert "gone:1:1" not in workers
    assert "recent:1:1" in workers
    assert len(workers) == 2  # the recent one and this worker


def test_a_heartbeat_that_cannot_be_written_never_stops_the_worker(tmp_path: Any) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/no-such-dir/worker.db")
    heartbeat = Heartbeat(sessionmaker(bind=engine), "host:2:2")
    heartbeat.beat()  # logged, not raised
    heartbeat.running("job", "kind")
    heartbeat.finished()
    engine.dispose()
