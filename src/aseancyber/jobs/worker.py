"""The worker loop: schedule periodic jobs, then run due jobs, each in its own transaction.

``aseancyber worker`` runs :func:`run_worker`; on SQLite the web server runs the same loop
in a daemon thread (:class:`InProcessWorker`). Tests call :func:`run_pending` with their
own session factory, so everything a job does is rolled back with the test.
"""

import logging
import os
import socket
import threading
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from aseancyber.db import begin_writing, get_session_factory, utcnow
from aseancyber.jobs import service
from aseancyber.jobs.service import Handler, InUnits, Periodic

log = logging.getLogger(__name__)

BATCH = 100


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
    session_factory: sessionmaker[Session], *, worker_id: str, handlers: Mapping[str, Handler]
) -> bool:
    """Take one due job and run it; returns whether there was one."""
    with session_factory() as db:
        job = service.take_next(db, worker_id=worker_id)
        if job is None:
            return False
        taken = _TakenJob(job.id, job.kind, dict(job.payload or {}), job.attempts, job.max_attempts)
        db.commit()  # the claim is visible to other workers before the work starts
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
    return True


def run_pending(
    session_factory: sessionmaker[Session],
    *,
    limit: int = BATCH,
    worker_id: str | None = None,
    handlers: Mapping[str, Handler],
    periodic: Sequence[Periodic] = (),
) -> int:
    """Schedule the due ``periodic`` jobs, then run up to ``limit`` due jobs with ``handlers``;
    returns how many ran. The app layer passes every manifest's jobs (``jobs`` core knows
    no domain)."""
    if periodic:
        schedule_periodic(session_factory, periodic=periodic)
    worker = worker_id or default_worker_id()
    count = 0
    while count < limit and run_one(session_factory, worker_id=worker, handlers=handlers):
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
) -> None:
    """Run jobs until ``stop`` is set (or, with ``once``, until nothing is due)."""
    factory = session_factory or get_session_factory()
    stop = stop or threading.Event()
    worker_id = default_worker_id()
    log.info("worker %s started", worker_id)
    while not stop.is_set():
        try:
            ran = run_pending(
                factory,
                limit=BATCH,
                worker_id=worker_id,
                handlers=handlers,
                periodic=periodic,
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
        self._thread = threading.Thread(
            target=run_worker,
            kwargs={
                "handlers": handlers,
                "periodic": periodic,
                "poll_seconds": poll_seconds,
                "stop": self._stop,
                "session_factory": session_factory,
            },
            name="aseancyber-worker",
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the loop to stop after the current job, and wait for it."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()
