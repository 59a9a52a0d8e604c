"""The ministers' report as a background job: request it, follow its progress, download it.

Building and rendering a long report takes seconds, too long for a web request. A request
records a :class:`ReportRun` and queues :data:`JOB_KIND`; the worker builds the report as
the requester sees the registry (the visibility policy applies exactly as on the page) and
stores the file on the run. Only the requester may follow a run or download its file;
anyone else gets NotFound.

Progress is written where a poller can read it before the job commits: on PostgreSQL in a
separate short transaction; on SQLite (one writer at a time, and the worker runs inside the
web process) in this process's memory, merged into what :func:`status` returns.
"""

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.models import User
from aseancyber.access.policy import Actor, Reader
from aseancyber.access.service import actor_for
from aseancyber.audit.service import record
from aseancyber.community.service import has_nul
from aseancyber.db import begin_writing, utcnow
from aseancyber.errors import Conflict, Forbidden, Invalid, NotFound
from aseancyber.initiatives.reports import service as report
from aseancyber.initiatives.reports.models import ReportRun, ReportRunStatus
from aseancyber.jobs.service import Handler, InUnits, enqueue
from aseancyber.reporting import ReportSource

JOB_KIND = "initiatives.build_report"
FORMATS = ("pdf", "html")
RECENT = 10
STEPS = 7  # report.build's five, rendering, storing

_live: dict[str, tuple[int, int, str]] = {}
_live_lock = threading.Lock()


@dataclass(frozen=True)
class RunStatus:
    """What a poller sees of a run."""

    id: str
    status: ReportRunStatus
    step: int
    steps: int
    message: str
    error: str
    start: date
    end: date
    format: str
    filename: str
    size: int
    created_at: datetime
    finished_at: datetime | None

    @property
    def percent(self) -> int:
        """How far the run is, 0-100."""
        if self.status is ReportRunStatus.DONE:
            return 100
        return round(100 * self.step / self.steps) if self.steps else 0

    @property
    def finished(self) -> bool:
        return self.status in {ReportRunStatus.DONE, ReportRunStatus.FAILED}


def request(db: Session, *, actor: Actor, start: date, end: date, format: str) -> ReportRun:
    """Queue the report for the period as ``actor`` sees the registry."""
    if actor is None or not actor.user_id:
        raise Forbidden("sign in to produce the report")
    if format not in FORMATS:
        raise Invalid("must be pdf or html", "format")
    run = ReportRun(
        requested_by_id=actor.user_id,
        period_start=start,
        period_end=end,
        format=format,
        steps=STEPS,
        message="waiting for a worker",
    )
    db.add(run)
    db.flush()
    enqueue(db, kind=JOB_KIND, payload={"run_id": run.id}, max_attempts=1)
    record(
        db,
        action="report_requested",
        record_kind="initiative_report_run",
        record_id=run.id,
        record_organisation_id=actor.organisation_id,
        after={"start": start.isoformat(), "end": end.isoformat(), "format": format},
        actor=actor,
    )
    return run


def get_or_404(db: Session, *, reader: Reader, run_id: str) -> ReportRun:
    """The run, if ``reader`` requested it; NotFound otherwise."""
    run = None
    if reader is not None and not has_nul(run_id) and len(run_id) <= 36:
        run = db.scalar(
            select(ReportRun).where(
                ReportRun.id == run_id, ReportRun.requested_by_id == reader.user_id
            )
        )
    if run is None:
        raise NotFound("report run")
    return run


def status(run: ReportRun) -> RunStatus:
    """The run's progress, including what its worker has reported and not yet committed."""
    step, steps, message, state = run.step, run.steps, run.message, run.status
    if run.status not in {ReportRunStatus.DONE, ReportRunStatus.FAILED}:
        with _live_lock:
            live = _live.get(run.id)
        if live is not None:
            step, steps, message = live
            state = ReportRunStatus.RUNNING
    return RunStatus(
        id=run.id,
        status=state,
        step=step,
        steps=steps,
        message=message,
        error=run.error,
        start=run.period_start,
        end=run.period_end,
        format=run.format,
        filename=run.filename,
        size=run.size,
        created_at=run.created_at,
        finished_at=run.finished_at,
    )


def recent(db: Session, *, reader: Reader) -> list[RunStatus]:
    """The reader's latest runs, newest first."""
    if reader is None:
        return []
    runs = db.scalars(
        select(ReportRun)
        .where(ReportRun.requested_by_id == reader.user_id)
        .order_by(ReportRun.created_at.desc(), ReportRun.id)
        .limit(RECENT)
    )
    return [status(run) for run in runs]


def download(db: Session, *, reader: Reader, run_id: str) -> tuple[bytes, str, str]:
    """The finished file as (content, media type, file name); Conflict while not ready."""
    run = get_or_404(db, reader=reader, run_id=run_id)
    if run.status is not ReportRunStatus.DONE or run.content is None:
        raise Conflict(
            "the report is not ready yet"
            if run.status in {ReportRunStatus.QUEUED, ReportRunStatus.RUNNING}
            else f"the report failed: {run.error or 'unknown error'}"
        )
    assert reader is not None
    record(
        db,
        action="report_downloaded",
        record_kind="initiative_report_run",
        record_id=run.id,
        record_organisation_id=reader.organisation_id,
        actor=reader,
    )
    return run.content, run.media_type, run.filename


def _progress_writer(db: Session, run_id: str) -> report.Progress:
    bind = db.get_bind()
    separate = isinstance(bind, Engine) and bind.dialect.name != "sqlite"

    def progress(step: int, steps: int, message: str) -> None:
        with _live_lock:
            _live[run_id] = (step, steps, message[:200])
        if separate:
            with Session(bind) as other:
                other.execute(
                    update(ReportRun)
                    .where(ReportRun.id == run_id)
                    .values(status=ReportRunStatus.RUNNING, step=step, steps=steps, message=message)
                )
                other.commit()

    return progress


def report_builder(sources: Sequence[ReportSource]) -> Handler:
    """The job handler that builds requested reports with ``sources`` (every manifest's
    report sections, bound by the app layer). It holds no write transaction while it builds
    and renders (seconds): the registry is read in a read-only transaction, the file is
    stored in a short write transaction at the end (issue 14)."""

    def handler(factory: sessionmaker[Session], payload: dict[str, Any]) -> None:
        build_report_in_units(factory, payload, sources=sources)

    return InUnits(handler)


@dataclass(frozen=True)
class _Produced:
    content: bytes = b""
    media_type: str = ""
    filename: str = ""
    error: str = ""


def _produce(
    db: Session, run: ReportRun, *, sources: Sequence[ReportSource], progress: report.Progress
) -> _Produced:
    """Build and render the run's report as its requester sees things; reads only."""
    user = db.get(User, run.requested_by_id)
    try:
        if user is None or not user.is_active:
            raise PermissionError("the requester's account is no longer active")
        built = report.build(
            db,
            reader=actor_for(user),
            start=run.period_start,
            end=run.period_end,
            sources=sources,
            progress=lambda step, _steps, what: progress(step, STEPS, what),
        )
        progress(6, STEPS, f"rendering {run.format.upper()}")
        content, media_type, filename = report.render(built, format=run.format)
        progress(7, STEPS, "storing the file")
    except Exception as error:  # any failure is shown to the requester, not retried
        return _Produced(error=f"{type(error).__name__}: {error}"[:1000])
    return _Produced(content=content, media_type=media_type, filename=filename)


def _store(run: ReportRun, produced: _Produced) -> None:
    if produced.error:
        run.status, run.error, run.message = ReportRunStatus.FAILED, produced.error, "failed"
    else:
        run.content, run.media_type = produced.content, produced.media_type
        run.filename, run.size = produced.filename, len(produced.content)
        run.status, run.step, run.message = ReportRunStatus.DONE, STEPS, "ready"
    run.finished_at = utcnow()


def build_report(db: Session, payload: dict[str, Any], *, sources: Sequence[ReportSource]) -> None:
    """Build and render one requested report, as its requester sees things, in ``db``."""
    run = db.get(ReportRun, str(payload.get("run_id", "")))
    if run is None or run.status is not ReportRunStatus.QUEUED:
        return  # withdrawn (requester deleted) or already handled
    try:
        produced = _produce(db, run, sources=sources, progress=_progress_writer(db, run.id))
    finally:
        with _live_lock:
            _live.pop(run.id, None)
    _store(run, produced)
    db.flush()


def build_report_in_units(
    factory: sessionmaker[Session], payload: dict[str, Any], *, sources: Sequence[ReportSource]
) -> None:
    """:func:`build_report` with no write transaction open while building and rendering:
    the store at the end is the only write (progress aside, see :func:`_progress_writer`)."""
    run_id = str(payload.get("run_id", ""))
    try:
        with factory() as db:
            run = db.get(ReportRun, run_id)
            if run is None or run.status is not ReportRunStatus.QUEUED:
                return  # withdrawn (requester deleted) or already handled
            produced = _produce(db, run, sources=sources, progress=_progress_writer(db, run_id))
        with factory() as db:
            begin_writing(db)
            run = db.get(ReportRun, run_id)
            if run is None:
                return  # the requester was deleted meanwhile
            _store(run, produced)
            db.commit()
    finally:
        with _live_lock:
            _live.pop(run_id, None)
