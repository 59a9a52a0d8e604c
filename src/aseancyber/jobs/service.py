"""Background jobs: enqueue, take the next due one, record its outcome, schedule periodic ones.

Workers take jobs with ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so many workers
never wait for or take the same job; on SQLite one UPDATE both picks and claims the row
(SQLite has one writer at a time, so the statement is atomic). A taken job is marked
``running``; if its worker dies, the job is taken again once its lock is older than
:data:`STALE_AFTER`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.db import utcnow
from aseancyber.jobs.models import Job, JobStatus, PeriodicSchedule


@dataclass(frozen=True)
class InUnits:
    """A job that commits its own short units of work: it talks to the network or works
    long, so it must hold no transaction open (one would keep the SQLite write lock, or
    PostgreSQL locks, for all that time). It gets the session factory, not a session."""

    run: Callable[[sessionmaker[Session], dict[str, Any]], None]


Handler = Callable[[Session, dict[str, Any]], None] | InUnits
"""A job handler: does its work in the session it is given (the job's own transaction),
or, wrapped in :class:`InUnits`, in short transactions of its own."""

STALE_AFTER = timedelta(minutes=30)
DEFAULT_MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)


def backoff(attempt: int, *, base: timedelta = RETRY_BASE, cap: timedelta = RETRY_CAP) -> timedelta:
    """The wait after failed attempt number ``attempt``: doubling from ``base``, at most ``cap``."""
    exponent = min(max(attempt - 1, 0), 30)
    wait: timedelta = base * (2**exponent)
    return min(wait, cap)


def enqueue(
    db: Session,
    *,
    kind: str,
    payload: dict[str, Any] | None = None,
    run_after: datetime | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> Job:
    """Queue a job of ``kind``; it runs after the caller's transaction commits."""
    job = Job(
        kind=kind,
        payload=payload or {},
        run_after=run_after or utcnow(),
        max_attempts=max_attempts,
    )
    db.add(job)
    db.flush()
    return job


def _due(now: datetime, stale_after: timedelta) -> ColumnElement[bool]:
    return or_(
        and_(Job.status == JobStatus.QUEUED, Job.run_after <= now),
        and_(Job.status == JobStatus.RUNNING, Job.locked_at < now - stale_after),
    )


def _claim(db: Session, *, worker_id: str, now: datetime, stale_after: timedelta) -> Job | None:
    due = _due(now, stale_after)
    if db.get_bind().dialect.name == "postgresql":
        job = db.scalars(
            select(Job)
            .where(due)
            .order_by(Job.run_after)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if job is None:
            return None
        job.status = JobStatus.RUNNING
        job.locked_by = worker_id
        job.locked_at = now
        job.attempts += 1
        db.flush()
        return job
    # SQLite: the UPDATE is the transaction's first statement, so it takes the write lock
    # before it reads, and the repeated condition guards against a row already claimed.
    next_id = select(Job.id).where(due).order_by(Job.run_after).limit(1).scalar_subquery()
    claimed = db.execute(
        update(Job)
        .where(Job.id == next_id, due)
        .values(
            status=JobStatus.RUNNING,
            locked_by=worker_id,
            locked_at=now,
            attempts=Job.attempts + 1,
        )
        .returning(Job.id),
        execution_options={"synchronize_session": False},
    ).scalar()
    if claimed is None:
        return None
    return db.get(Job, claimed, populate_existing=True)


def take_next(db: Session, *, worker_id: str, stale_after: timedelta = STALE_AFTER) -> Job | None:
    """Claim the next due job (or one whose worker died) for ``worker_id``; flushes only."""
    now = utcnow()
    while True:
        job = _claim(db, worker_id=worker_id, now=now, stale_after=stale_after)
        if job is None or job.attempts <= job.max_attempts:
            return job
        # Taken again after its worker died on the last allowed attempt: give up on it.
        job.status = JobStatus.FAILED
        job.finished_at = now
        job.locked_by = None
        job.last_error = (job.last_error + "\n" if job.last_error else "") + (
            "the worker running the last attempt stopped before finishing"
        )
        db.flush()


def mark_done(db: Session, *, job_id: str) -> None:
    """Record that the job finished, in the same transaction as the handler's work."""
    db.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status=JobStatus.DONE, finished_at=utcnow(), locked_by=None, locked_at=None),
        execution_options={"synchronize_session": False},
    )


def record_failure(
    db: Session, *, job_id: str, attempts: int, max_attempts: int, error: str
) -> JobStatus:
    """Record a failed attempt: queue a retry after a back-off, or give up after the last one."""
    now = utcnow()
    if attempts >= max_attempts:
        values: dict[str, Any] = {"status": JobStatus.FAILED, "finished_at": now}
    else:
        values = {"status": JobStatus.QUEUED, "run_after": now + backoff(attempts)}
    db.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(last_error=error[:4000], locked_by=None, locked_at=None, **values),
        execution_options={"synchronize_session": False},
    )
    return JobStatus(values["status"])


# --- periodic jobs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Every:
    """Run at a fixed interval, measured from the last run."""

    interval: timedelta

    def first_run(self, now: datetime) -> datetime:
        return now

    def next_run(self, now: datetime) -> datetime:
        return now + self.interval


@dataclass(frozen=True)
class DailyAt:
    """Run once a day at a set UTC time."""

    hour: int
    minute: int = 0

    def first_run(self, now: datetime) -> datetime:
        return self.next_run(now)

    def next_run(self, now: datetime) -> datetime:
        candidate = now.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        return candidate if candidate > now else candidate + timedelta(days=1)


@dataclass(frozen=True)
class Periodic:
    """A job kind enqueued on a schedule.

    ``has_work`` is a cheap read: while it answers no, the run waits (asked again on every
    worker tick) and nothing is written, so an idle worker does not write every few seconds.
    """

    kind: str
    schedule: Every | DailyAt
    has_work: Callable[[Session], bool] | None = None


def schedule_state(db: Session) -> dict[str, datetime]:
    """When each periodic kind is next due, as recorded in the schedule table."""
    return {row.kind: row.next_run_at for row in db.scalars(select(PeriodicSchedule))}


def advance_schedule(
    db: Session, *, periodic: Periodic, seen_next_run_at: datetime | None, ready: bool = True
) -> bool:
    """Move one periodic kind to its next run and enqueue it; only one caller wins a given run.

    A kind seen for the first time (``seen_next_run_at`` is None) is declared; it is also
    enqueued if its first run is now and it is ``ready`` (has work).
    """
    now = utcnow()
    if seen_next_run_at is None:
        first = periodic.schedule.first_run(now)
        try:
            with db.begin_nested():
                db.add(PeriodicSchedule(kind=periodic.kind, next_run_at=first))
        except IntegrityError:  # another worker declared it first
            return False
        if first > now or not ready:
            return False
        seen_next_run_at = first
    won = db.execute(
        update(PeriodicSchedule)
        .where(
            PeriodicSchedule.kind == periodic.kind,
            PeriodicSchedule.next_run_at == seen_next_run_at,
        )
        .values(next_run_at=periodic.schedule.next_run(now), last_enqueued_at=now),
        execution_options={"synchronize_session": False},
    )
    if getattr(won, "rowcount", 0) != 1:
        return False
    already = db.scalar(
        select(
            exists().where(
                Job.kind == periodic.kind,
                Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
            )
        )
    )
    if already:
        return False
    enqueue(db, kind=periodic.kind)
    return True
