"""The worker loop: schedule periodic jobs, then run due jobs, each in its own transaction.

``aseancyber worker`` runs :func:`run_worker`; on SQLite the web server runs the same loop
in a daemon thread (:class:`InProcessWorker`). Tests call :func:`run_pending` with their
own session factory, so everything a job does is rolled back with the test.

The loop records a heartbeat (:class:`Heartbeat`, table ``worker_heartbeat``): when it
starts, every ``HEARTBEAT_SECONDS``, and when a job starts and ends (with the job it runs),
so ``/metrics`` shows a worker that died (its heartbeat ages) or is stuck in a job (the
heartbeat is fresh, the job's running time grows).
"""

import logging
import os
import socket
import threading
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.db import begin_writing, get_session_factory, utcnow
from aseancyber.jobs import service
from aseancyber.jobs.models import HEARTBEAT_SECONDS, WorkerHeartbeat
from aseancyber.jobs.service import Handler, InUnits, Periodic

log = logging.getLogger(__name__)

BATCH = 100
# Heartbeats of workers gone this long are removed when a worker starts (restarts add rows).
HEARTBEATS_KEPT = timedelta(days=7)


def default_worker_id() -> str:
    """Names the worker in ``job.locked_by``: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


@dataclass(frozen=True)
class _TakenJob:
    id: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


class Heartbeat:
    """Records that a worker is alive and which job it runs (see the module docstring).

    A thread of its own beats every ``HEARTBEAT_SECONDS``, also while a long job runs: a
    worker that died stops beating, one stuck in a job keeps beating with the same job.
    Each beat is a short write transaction; one that fails (the database busy or gone) is
    logged and skipped, since the heartbeat reports on the worker and must never stop it.
    """

    def __init__(self, session_factory: sessionmaker[Session], worker_id: str) -> None:
        self.session_factory = session_factory
        self.worker_id = worker_id
        self._job: tuple[str, str, datetime] | None = None  # id, kind, started
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """The first beat (removing the heartbeats of workers long gone), then the thread."""
        self.beat(prune=True)
        self._thread = threading.Thread(
            target=self._beat_until_stopped, name="aseancyber-heartbeat", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop beating (a stopped worker's heartbeat then ages, as a dead one's does)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(HEARTBEAT_SECONDS)

    def _beat_until_stopped(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            self.beat()

    def running(self, job_id: str, kind: str) -> None:
        """A beat naming the job that starts now."""
        with self._lock:
            self._job = (job_id, kind, utcnow())
        self.beat()

    def finished(self) -> None:
        """A beat saying the job ended (whatever its outcome)."""
        with self._lock:
            self._job = None
        self.beat()

    def beat(self, *, prune: bool = False) -> None:
        """Record now as the worker's last sign of life, with its current job."""
        now = utcnow()
        with self._lock:
            job = self._job
        try:
            with self.session_factory() as db:
                begin_writing(db)
                if prune:
                    db.execute(
                        delete(WorkerHeartbeat).where(
                            WorkerHeartbeat.last_seen_at < now - HEARTBEATS_KEPT
                        )
                    )
                row = db.get(WorkerHeartbeat, self.worker_id)
                if row is None:
                    row = WorkerHeartbeat(worker_id=self.worker_id, started_at=now)
                    db.add(row)
                row.last_seen_at = now
                row.job_id, row.job_kind, row.job_started_at = job or (None, None, None)
                db.commit()
        except Exception as error:  # whatever fails here, the worker goes on
            log.warning("worker %s: heartbeat not recorded: %s", self.worker_id, error)


def schedule_periodic(
    session_factory: sessionmaker[Session], *, periodic: Sequence[Periodic]
) -> int:
    """Enqueue the periodic jobs that are due; returns how many were enqueued."""
    items = periodic
    now = utcnow()
    # A read-only look first: an idle worker writes nothing.
    with session_factory() as db:
        state = service.schedule_state(db)
        due = []
        for item in items:
            seen = state.get(item.kind)
            if seen is not None and seen > now:
                continue
            ready = item.has_work is None or item.has_work(db)
            if seen is None or ready:
                due.append((item, seen, ready))
    if not due:
        return 0
    with session_factory() as db:
        begin_writing(db)
        enqueued = sum(
            service.advance_schedule(db, periodic=item, seen_next_run_at=seen, ready=ready)
            for item, seen, ready in due
        )
        db.commit()
    return enqueued


def _failure_text(error: BaseException) -> str:
    summary = f"{type(error).__name__}: {error}"
    trace = "".join(traceback.format_exception(error))
    return f"{summary}\n\n{trace[-3000:]}"


def run_one(
    session_factory: sessionmaker[Session],
    *,
    worker_id: str,
    handlers: Mapping[str, Handler],
    heartbeat: Heartbeat | None = None,
) -> bool:
    """Take one due job and run it (beating ``heartbeat`` with it); returns whether there
    was one."""
    with session_factory() as db:
        job = service.take_next(db, worker_id=worker_id)
        if job is None:
            return False
        taken = _TakenJob(job.id, job.kind, dict(job.payload or {}), job.attempts, job.max_attempts)
        db.commit()  # the claim is visible to other workers before the work starts
    if heartbeat is not None:
        heartbeat.running(taken.id, taken.kind)
    handler = handlers.get(taken.kind)
    try:
        if handler is None:
            raise LookupError(f"no handler is registered for job kind {taken.kind!r}")
        if isinstance(handler, InUnits):
            handler.run(session_factory, taken.payload)
            with session_factory() as db:
                begin_writing(db)
                service.mark_done(db, job_id=taken.id)
                db.commit()
        else:
            with session_factory() as db:
                begin_writing(db)
                handler(db, taken.payload)
                service.mark_done(db, job_id=taken.id)
                db.commit()
    except Exception as error:
        log.warning("job %s (%s) failed on attempt %d", taken.id, taken.kind, taken.attempts)
        with session_factory() as db:
            begin_writing(db)
            service.record_failure(
                db,
                job_id=taken.id,
                attempts=taken.attempts if handler is not None else taken.max_attempts,
                max_attempts=taken.max_attempts,
                error=_failure_text(error),
            )
            db.commit()
    if heartbeat is not None:
        heartbeat.finished()
    return True


def run_pending(
    session_factory: sessionmaker[Session],
    *,
    limit: int = BATCH,
    worker_id: str | None = None,
    handlers: Mapping[str, Handler],
    periodic: Sequence[Periodic] = (),
    heartbeat: Heartbeat | None = None,
) -> int:
    """Schedule the due ``periodic`` jobs, then run up to ``limit`` due jobs with ``handlers``;
    returns how many ran. The app layer passes every manifest's jobs (``jobs`` core knows
    no domain)."""
    if periodic:
        schedule_periodic(session_factory, periodic=periodic)
    worker = worker_id or default_worker_id()
    count = 0
    while count < limit and run_one(
        session_factory, worker_id=worker, handlers=handlers, heartbeat=heartbeat
    ):
        count += 1
    return count


def run_worker(
    *,
    handlers: Mapping[str, Handler],
    periodic: Sequence[Periodic],
    once: bool = False,
    poll_seconds: float = 1.0,
    stop: threading.Event | None = None,
    session_factory: sessionmaker[Session] | None = None,
    heartbeat: Heartbeat | None = None,
) -> None:
    """Run jobs until ``stop`` is set (or, with ``once``, until nothing is due), beating
    ``heartbeat`` (one started here when none is given; it is stopped at the end)."""
    factory = session_factory or get_session_factory()
    stop = stop or threading.Event()
    if heartbeat is None:
        heartbeat = Heartbeat(factory, default_worker_id())
        heartbeat.start()
    worker_id = heartbeat.worker_id
    log.info("worker %s started", worker_id)
    try:
        while not stop.is_set():
            try:
                ran = run_pending(
                    factory,
                    limit=BATCH,
                    worker_id=worker_id,
                    handlers=handlers,
                    periodic=periodic,
                    heartbeat=heartbeat,
                )
            except Exception:
                if once:
                    raise
                # The database may be briefly unavailable or locked: log, wait, try again.
                log.exception("worker %s: a pass failed; trying again", worker_id)
                ran = 0
            if once and ran < BATCH:
                break
            if ran == 0:
                stop.wait(poll_seconds)
    finally:
        heartbeat.stop()
    log.info("worker %s stopped", worker_id)


class InProcessWorker:
    """The worker loop in a daemon thread of the web server (the SQLite set-up)."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        handlers: Mapping[str, Handler],
        periodic: Sequence[Periodic],
        poll_seconds: float = 1.0,
    ) -> None:
        self._stop = threading.Event()
        worker_id = f"{socket.gethostname()}:{os.getpid()}:in-process"[:100]
        self._heartbeat = Heartbeat(session_factory, worker_id)
        self._thread = threading.Thread(
            target=run_worker,
            kwargs={
                "handlers": handlers,
                "periodic": periodic,
                "poll_seconds": poll_seconds,
                "stop": self._stop,
                "session_factory": session_factory,
                "heartbeat": self._heartbeat,
            },
            name="aseancyber-worker",
            daemon=True,
        )

    def start(self) -> None:
        """Record the first heartbeat, then start the loop's thread."""
        self._heartbeat.start()
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the loop to stop after the current job, and wait for it."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()
