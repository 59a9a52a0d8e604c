"""A large web or REST upload of initiatives, imported by a background job (issue 14).

Importing 20,000 rows and looking for their overlaps in the request's one transaction held
the write lock for all that time: every other writer waited. Above :data:`SYNC_LIMIT` rows
an upload is therefore handled in two steps:

1. **the request** checks every row with nothing written (a bad row and no
   ``skip_bad_rows``: nothing is queued, every problem is listed, as for a small file),
   then records an :class:`ImportRun` holding the upload and queues :data:`JOB_KIND`;
2. **the job** imports the good rows :data:`~aseancyber.initiatives.chunked_import.CHUNK`
   per committed transaction and finds their overlaps in short transactions too
   (:mod:`~aseancyber.initiatives.chunked_import`, :mod:`~aseancyber.initiatives.detection.runs`),
   recording after each chunk how many rows are stored, so the uploader can follow it.

A job that stops midway keeps what it stored and records the first row not stored; the
uploader can resume the run from there (the upload is kept until the run is done). Only
the uploader and platform admins may see a run; to anyone else it does not exist (404).
A file of at most :data:`SYNC_LIMIT` rows is imported in the request, as before.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select, true, update
from sqlalchemy.orm import Session, sessionmaker

from aseancyber import audit
from aseancyber.access.models import Role, User
from aseancyber.access.policy import Actor, Reader, Tlp
from aseancyber.access.rules import Action, may
from aseancyber.access.service import actor_for
from aseancyber.community.service import has_nul
from aseancyber.db import utcnow, write_here
from aseancyber.errors import Conflict, Forbidden, NotFound
from aseancyber.initiatives import chunked_import, importing
from aseancyber.initiatives.detection import runs as detection_runs
from aseancyber.initiatives.importing import ImportResult
from aseancyber.initiatives.models import ImportRun, Initiative
from aseancyber.initiatives.reports.models import ReportRunStatus
from aseancyber.jobs.service import Handler, InUnits, enqueue
from aseancyber.jobs.units import UnitOfWork, committed_units

JOB_KIND = "initiatives.import"
SYNC_LIMIT = 300
"""Files of up to this many rows are imported in the request; larger ones by a job."""
PROBLEMS_KEPT = 100
"""Problems of skipped rows kept on a run, to show with its progress."""

RunStatus = ReportRunStatus  # the same four states as a report run


@dataclass(frozen=True)
class Started:
    """What an upload led to: imported at once (``run`` is None) or queued as ``run``.
    ``result`` is the import's outcome, or, for a queued run, the check of every row."""

    result: ImportResult
    run: ImportRun | None = None


def start(
    db: Session,
    *,
    actor: Actor,
    content: str,
    format: str,
    skip_bad_rows: bool,
    default_tlp: Tlp,
) -> Started:
    """Import a small upload in ``db``'s transaction; check a large one (reads only) and,
    when it may be imported, queue it as a background job.

    Every row is checked before anything is written: a request's read-only session
    (``access.dependencies.READ_FIRST_POSTS``) becomes a writer only after the check, for
    the short write (the import of a small file, which checks its rows again in the write
    transaction; or the run and its job, which the job checks again), so a long check
    never holds the write lock."""
    if not may(actor, Action.CREATE, Initiative):
        raise Forbidden("importing initiatives needs the contributor or coordinator role")
    checked = ImportResult()
    chunked_import.check_rows(
        db,
        source=content,
        format=format,
        skip_bad_rows=skip_bad_rows,
        default_tlp=default_tlp,
        result=checked,
        report=lambda _what: None,
    )
    if checked.rows <= SYNC_LIMIT:
        write_here(db)
        result = importing.import_initiatives(
            db,
            actor=actor,
            source=content,
            format=format,
            skip_bad_rows=skip_bad_rows,
            default_tlp=default_tlp,
        )
        return Started(result)
    if (checked.bad_rows and not skip_bad_rows) or not checked.valid_rows:
        return Started(checked)  # nothing to store: every problem is listed
    write_here(db)  # what was read is dropped; the write lock is taken for this short write
    run = ImportRun(
        requested_by_id=actor.user_id,
        format=format,
        tlp=default_tlp.value,
        skip_bad_rows=skip_bad_rows,
        rows=checked.rows,
        bad_rows=checked.bad_rows,
        to_store=checked.valid_rows,
        message="waiting for a worker",
        problems=[_problem(p) for p in checked.problems[:PROBLEMS_KEPT]],
        content=content.encode("utf-8"),
    )
    db.add(run)
    db.flush()
    enqueue(db, kind=JOB_KIND, payload={"run_id": run.id}, max_attempts=1)
    audit.record(
        db,
        action="initiative.import_queued",
        record_kind="initiative_import_run",
        record_id=run.id,
        record_organisation_id=actor.organisation_id,
        changed_fields=[f"format={format}", f"rows={checked.rows}"],
        actor=actor,
        detail={"rows": checked.rows, "to_store": checked.valid_rows, "bad_rows": checked.bad_rows},
    )
    return Started(checked, run)


def _problem(problem: Any) -> dict[str, object]:
    return {
        "row": problem.row,
        "field": problem.field,
        "column": problem.column,
        "value": problem.value,
        "problem": problem.problem,
    }


def _visible(reader: Actor) -> ColumnElement[bool]:
    """The runs ``reader`` may follow: their own; every run for a platform admin."""
    if reader.has_role(Role.PLATFORM_ADMIN):
        return true()
    return ImportRun.requested_by_id == reader.user_id


def get_or_404(db: Session, *, reader: Reader, run_id: str) -> ImportRun:
    """The run, if ``reader`` uploaded it (or is a platform admin); NotFound otherwise."""
    run = None
    if reader is not None and not has_nul(run_id) and len(run_id) <= 36:
        run = db.scalar(select(ImportRun).where(ImportRun.id == run_id, _visible(reader)))
    if run is None:
        raise NotFound("import run")
    return run


def resume(db: Session, *, actor: Actor, run_id: str) -> ImportRun:
    """Queue a run that stopped midway again, from its first row not stored."""
    run = get_or_404(db, reader=actor, run_id=run_id)
    if run.status is not RunStatus.FAILED or run.resume_row is None:
        raise Conflict("only an import that stopped midway can be resumed")
    run.status, run.message, run.error = RunStatus.QUEUED, "waiting for a worker", ""
    run.finished_at = None
    enqueue(
        db,
        kind=JOB_KIND,
        payload={"run_id": run.id, "start_row": run.resume_row},
        max_attempts=1,
    )
    audit.record(
        db,
        action="initiative.import_resumed",
        record_kind="initiative_import_run",
        record_id=run.id,
        record_organisation_id=actor.organisation_id,
        changed_fields=[f"start_row={run.resume_row}"],
        actor=actor,
    )
    db.flush()
    return run


def percent(run: ImportRun) -> int:
    """How far the run is, 0-100 (rows stored of rows to store; 100 once done)."""
    if run.status is RunStatus.DONE:
        return 100
    return min(99, 100 * run.stored // run.to_store) if run.to_store else 0


def finished(run: ImportRun) -> bool:
    return run.status in {RunStatus.DONE, RunStatus.FAILED}


# --- the job ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Upload:
    actor: Actor | None
    content: str
    format: str
    tlp: Tlp
    skip_bad_rows: bool
    stored_before: int


def _set(unit: UnitOfWork, run_id: str, **values: Any) -> None:
    def write(db: Session) -> None:
        db.execute(
            update(ImportRun).where(ImportRun.id == run_id).values(**values),
            execution_options={"synchronize_session": False},
        )

    unit(write)


def _fail(unit: UnitOfWork, run_id: str, error: str, **values: Any) -> None:
    _set(
        unit,
        run_id,
        status=RunStatus.FAILED,
        error=error[:4000],
        message="failed",
        finished_at=utcnow(),
        **values,
    )


def _load(db: Session, run_id: str) -> _Upload | None:
    run = db.get(ImportRun, run_id)
    if run is None or run.status is not RunStatus.QUEUED or run.content is None:
        return None  # withdrawn (uploader deleted) or already handled
    user = db.get(User, run.requested_by_id)
    return _Upload(
        actor=actor_for(user) if user is not None and user.is_active else None,
        content=run.content.decode("utf-8"),
        format=run.format,
        tlp=Tlp(run.tlp),
        skip_bad_rows=run.skip_bad_rows,
        stored_before=run.stored,
    )


def run_import(
    session_factory: sessionmaker[Session],
    payload: dict[str, Any],
    *,
    unit: UnitOfWork,
    chunk_size: int = chunked_import.CHUNK,
    after_chunk: chunked_import.AfterChunk | None = None,
) -> None:
    """Import one queued upload as its uploader, a ``unit`` of work per chunk, recording
    progress on the run after each; any failure is recorded on the run, never retried."""
    run_id = str(payload.get("run_id", ""))
    start_row = int(payload.get("start_row", 0) or 0)
    with session_factory() as db:
        upload = _load(db, run_id)
    if upload is None:
        return
    if upload.actor is None:
        _fail(unit, run_id, "the uploader's account is no longer active")
        return
    _set(unit, run_id, status=RunStatus.RUNNING, message="checking the rows again")
    latest = [upload.stored_before]

    def progress(done: int, _total: int, what: str) -> None:
        if "stored" in what:
            latest[0] = upload.stored_before + done

    def chunk_stored(number: int, total: int) -> None:
        _set(unit, run_id, stored=latest[0], message=f"stored chunk {number} of {total}")
        if after_chunk is not None:
            after_chunk(number, total)

    try:
        result = chunked_import.import_in_chunks(
            session_factory,
            unit=unit,
            actor=upload.actor,
            source=upload.content,
            format=upload.format,
            skip_bad_rows=upload.skip_bad_rows,
            default_tlp=upload.tlp,
            start_row=start_row,
            chunk_size=chunk_size,
            progress=progress,
            after_chunk=chunk_stored,
        )
    except chunked_import.StoppedMidway as error:
        _fail(
            unit,
            run_id,
            f"the import stopped after storing {upload.stored_before + error.stored:,} rows "
            f"({error.__cause__}); they are kept: resume the import to store the rest, "
            f"from row {error.resume_row}",
            stored=upload.stored_before + error.stored,
            resume_row=error.resume_row,
        )
        return
    except Exception as error:  # shown to the uploader; nothing was stored
        _fail(unit, run_id, f"nothing was stored: {type(error).__name__}: {error}")
        return
    if result.bad_rows and not upload.skip_bad_rows:
        first = result.problems[0]
        _fail(
            unit,
            run_id,
            f"nothing was stored: row {first.row} ({first.column or first.field}, "
            f"{first.value!r}) {first.problem}",
            problems=[_problem(p) for p in result.problems[:PROBLEMS_KEPT]],
        )
        return
    stored = upload.stored_before + len(result.imported_ids)
    _set(unit, run_id, stored=stored, message="looking for overlaps", resume_row=None)
    try:
        detection_runs.detect_committed_import(
            session_factory, unit=unit, actor=upload.actor, result=result
        )
    except Exception as error:
        _fail(
            unit,
            run_id,
            f"{stored:,} rows were stored, but looking for their overlaps failed "
            f"({type(error).__name__}: {error}); a coordinator can run "
            "`aseancyber initiatives detect`",
            content=None,
        )
        return
    _set(
        unit,
        run_id,
        status=RunStatus.DONE,
        overlaps_flagged=result.overlaps_flagged,
        message="done",
        finished_at=utcnow(),
        content=None,  # stored: the upload is no longer needed
    )


def import_runner(
    *,
    chunk_size: int = chunked_import.CHUNK,
    after_chunk: Callable[[int, int], None] | None = None,
) -> Handler:
    """The job handler for :data:`JOB_KIND`: it holds no transaction between chunks."""

    def handler(session_factory: sessionmaker[Session], payload: dict[str, Any]) -> None:
        run_import(
            session_factory,
            payload,
            unit=committed_units(session_factory),
            chunk_size=chunk_size,
            after_chunk=after_chunk,
        )

    return InUnits(handler)


__all__ = [
    "JOB_KIND",
    "SYNC_LIMIT",
    "Started",
    "finished",
    "get_or_404",
    "import_runner",
    "percent",
    "resume",
    "run_import",
    "start",
]
