"""REST routes for initiatives under /api/v1/initiatives.

Reading is open to every reader through the visibility policy (anonymous readers see
TLP:CLEAR initiatives only). An initiative the reader may not see is 404 on every route and
never appears in a list, a search, a count, an export, an overlap, the gaps or the report.
"""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from aseancyber.access.dependencies import CurrentActor, DbSession, OptionalActor, require
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor
from aseancyber.initiatives import import_runs, service, transfer
from aseancyber.initiatives.importing import ImportResult
from aseancyber.initiatives.models import ImportRun
from aseancyber.initiatives.overlaps import decisions, merging
from aseancyber.initiatives.overlaps import service as overlaps
from aseancyber.initiatives.overlaps.schemas import (
    BodyPairRead,
    OverlapPage,
    OverlapRead,
    OverlapReview,
    PairDecisionCreate,
    PairDecisionRead,
)
from aseancyber.initiatives.reports import gaps
from aseancyber.initiatives.reports import runs as report_runs
from aseancyber.initiatives.reports import service as report
from aseancyber.initiatives.reports.schemas import ReportRunRead, ReportRunRequest
from aseancyber.initiatives.schemas import (
    ImportProblemRead,
    ImportRequest,
    ImportResultRead,
    ImportRunRead,
    InitiativeCreate,
    InitiativeDetailRead,
    InitiativePage,
    InitiativeRead,
    InitiativeUpdate,
)
from aseancyber.reporting import InstalledSources
from aseancyber.web.pagination import DEFAULT_LIMIT, MAX_LIMIT
from aseancyber.web.security import DOCUMENT_SECURITY_POLICY

router = APIRouter(prefix="/api/v1/initiatives", tags=["initiatives"])


def filters(
    *,
    q: Annotated[
        str | None, Query(max_length=200, description="Words in the title, summary or activities.")
    ] = None,
    state: Annotated[
        str | None, Query(max_length=2, description="Beneficiary state (ISO alpha-2).")
    ] = None,
    theme: Annotated[str | None, Query(max_length=40)] = None,
    audience: Annotated[str | None, Query(max_length=40, description="Target audience.")] = None,
    norm: Annotated[str | None, Query(max_length=3, description="Norm letter a-k.")] = None,
    body: Annotated[str | None, Query(max_length=40, description="Sectoral body code.")] = None,
    pillar: Annotated[str | None, Query(max_length=10, description="APSC, AEC or ASCC.")] = None,
    programme: Annotated[str | None, Query(max_length=80)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    year: Annotated[str | None, Query(max_length=4, description="Active during this year.")] = None,
    tlp: Annotated[str | None, Query(max_length=20)] = None,
    owner: Annotated[str | None, Query(max_length=36, description="Owner organisation id.")] = None,
) -> service.InitiativeFilters:
    return service.parse_filters(
        q=q,
        state=state,
        theme=theme,
        audience=audience,
        norm=norm,
        body=body,
        pillar=pillar,
        programme=programme,
        status=status,
        year=year,
        tlp=tlp,
        owner=owner,
    )


Filters = Annotated[service.InitiativeFilters, Depends(filters)]
Cursor = Annotated[str | None, Query(max_length=500)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


@router.get("")
def list_initiatives(
    db: DbSession,
    reader: OptionalActor,
    selection: Filters,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> InitiativePage:
    """The initiatives the reader may see, newest first, filtered and searched with ``q``."""
    page = service.list_(db, reader=reader, filters=selection, cursor=cursor, limit=limit)
    return InitiativePage(
        items=[service.list_item(i) for i in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/export",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
    response_class=Response,
)
def export_initiatives(
    db: DbSession,
    reader: OptionalActor,
    selection: Filters,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """Every visible initiative matching the filters, as JSON or Cybil-compatible CSV."""
    exported = transfer.export(db, reader=reader, filters=selection, format=format)
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


def _import_result(result: ImportResult) -> ImportResultRead:
    return ImportResultRead(
        rows=result.rows,
        valid_rows=result.valid_rows,
        imported=len(result.imported_ids),
        imported_ids=result.imported_ids,
        problems=[
            ImportProblemRead(
                row=p.row, field=p.field, column=p.column, value=p.value, problem=p.problem
            )
            for p in result.problems
        ],
        problems_total=result.problems_total,
        overlaps_flagged=result.overlaps_flagged,
    )


def _import_run_read(run: ImportRun) -> ImportRunRead:
    url = f"/api/v1/initiatives/import/runs/{run.id}"
    return ImportRunRead(
        id=run.id,
        status=run.status.value,
        rows=run.rows,
        bad_rows=run.bad_rows,
        to_store=run.to_store,
        stored=run.stored,
        percent=import_runs.percent(run),
        message=run.message,
        error=run.error,
        resume_row=run.resume_row,
        overlaps_flagged=run.overlaps_flagged,
        problems=[ImportProblemRead.model_validate(p) for p in run.problems],
        status_url=url,
        resume_url=f"{url}/resume" if run.resume_row is not None else None,
    )


@router.post("/import", responses={202: {"model": ImportRunRead}})
def import_initiatives(
    body: ImportRequest,
    db: DbSession,
    actor: Annotated[Actor, Depends(require(Permission.RECORD_CREATE))],
    response: Response,
) -> ImportResultRead | ImportRunRead:
    """Import CSV or JSON rows; nothing is imported unless every row is good or
    ``skip_bad_rows`` is set. The answer lists each problem by row, column and value.
    A file of more than 300 rows is checked, then imported by a background job: the
    answer is 202 with the run, to follow at its ``status_url``."""
    started = import_runs.start(
        db,
        actor=actor,
        content=body.content,
        format=body.format,
        skip_bad_rows=body.skip_bad_rows or body.import_valid_rows,
        default_tlp=body.tlp,
    )
    if started.run is None:
        return _import_result(started.result)
    response.status_code = 202
    return _import_run_read(started.run)


@router.get("/import/runs/{run_id}")
def get_import_run(run_id: str, db: DbSession, actor: CurrentActor) -> ImportRunRead:
    """A queued import's progress (only its uploader and platform admins see it)."""
    return _import_run_read(import_runs.get_or_404(db, reader=actor, run_id=run_id))


@router.post("/import/runs/{run_id}/resume", status_code=202)
def resume_import_run(
    run_id: str,
    db: DbSession,
    actor: Annotated[Actor, Depends(require(Permission.RECORD_CREATE))],
) -> ImportRunRead:
    """Queue an import that stopped midway again, from its first row not stored."""
    return _import_run_read(import_runs.resume(db, actor=actor, run_id=run_id))


@router.get("/overlaps")
def list_overlaps(
    db: DbSession,
    reader: OptionalActor,
    status: Annotated[
        str, Query(max_length=20, description="open, confirmed, dismissed or all.")
    ] = "open",
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> OverlapPage:
    """Possible duplicates whose two initiatives the reader may see, highest score first."""
    page = overlaps.list_(
        db, reader=reader, status=overlaps.parse_status(status), cursor=cursor, limit=limit
    )
    return OverlapPage(items=[overlaps.read(o) for o in page.items], next_cursor=page.next_cursor)


@router.get("/overlaps/regional")
def regional_overlaps(db: DbSession, reader: OptionalActor) -> list[BodyPairRead]:
    """Confirmed overlaps counted by pair of sectoral bodies."""
    return [BodyPairRead(**pair.__dict__) for pair in overlaps.regional_view(db, reader=reader)]


@router.post("/pair-decisions", status_code=201)
def decide_pair(body: PairDecisionCreate, db: DbSession, actor: CurrentActor) -> PairDecisionRead:
    """Flag a pair detection missed as a duplicate (it becomes an overlap), or mark a pair
    not a duplicate (it is not proposed again); coordinators only."""
    return decisions.read(db, decisions.decide(db, actor=actor, data=body))


@router.get("/pair-decisions")
def list_pair_decisions(db: DbSession, reader: OptionalActor) -> list[PairDecisionRead]:
    """Coordinators' decisions on pairs whose two initiatives the reader may both see."""
    return [decisions.read(db, d) for d in decisions.list_(db, reader=reader)]


@router.get("/overlaps/{overlap_id}")
def get_overlap(overlap_id: str, db: DbSession, reader: OptionalActor) -> OverlapRead:
    """One overlap, with why it was flagged."""
    return overlaps.read(overlaps.get_or_404(db, reader=reader, overlap_id=overlap_id))


@router.post("/overlaps/{overlap_id}/review")
def review_overlap(
    overlap_id: str, body: OverlapReview, db: DbSession, actor: CurrentActor
) -> OverlapRead:
    """Confirm (merge, coordinate, or keep separate with a reason) or dismiss an overlap."""
    return overlaps.read(overlaps.review(db, actor=actor, overlap_id=overlap_id, data=body))


class MatrixRead(BaseModel):
    title: str
    rows: list[list[str]]
    columns: list[list[str]]
    cells: list[list[object]]


class StateLineRead(BaseModel):
    iso2: str
    name: str
    initiatives: int
    themes: int
    norms: list[str]
    gaps: list[str]
    touched_only: list[str]


class CoverageRead(BaseModel):
    initiatives: int
    matrices: list[MatrixRead]
    by_year: list[list[int]]
    findings: list[str]
    not_yet_members: list[str]
    states: list[StateLineRead]


@router.get("/gaps")
def get_gaps(
    db: DbSession,
    reader: OptionalActor,
    start: Annotated[date | None, Query()] = None,
    end: Annotated[date | None, Query()] = None,
) -> CoverageRead:
    """Coverage matrices (states x themes, norms addressed x states, bodies x themes, norms
    only tagged by broad initiatives x states), trends, findings and the per-state table."""
    result = gaps.coverage(db, reader=reader, start=start, end=end)
    return CoverageRead(
        initiatives=result.initiatives,
        matrices=[
            MatrixRead(
                title=m.title,
                rows=[list(r) for r in m.rows],
                columns=[list(c) for c in m.columns],
                cells=[[r, c, n] for (r, c), n in sorted(m.cells.items())],
            )
            for m in (
                result.states_by_themes,
                result.norms_by_states,
                result.bodies_by_themes,
                *([result.touched_by_states] if result.touched_by_states else []),
            )
        ],
        by_year=[[year, n] for year, n in result.by_year],
        findings=result.findings,
        not_yet_members=result.not_yet_members,
        states=[StateLineRead.model_validate(line, from_attributes=True) for line in result.states],
    )


@router.get(
    "/report",
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
    response_class=Response,
)
def get_report(  # noqa: PLR0917 - FastAPI passes the dependencies and query parameters
    db: DbSession,
    reader: OptionalActor,
    sources: InstalledSources,
    start: Annotated[str | None, Query(max_length=10)] = None,
    end: Annotated[str | None, Query(max_length=10)] = None,
    format: Annotated[str, Query(pattern="^(html|pdf)$")] = "pdf",
) -> Response:
    """The ministers' recommendations report for a period, as HTML or PDF."""
    first, last = report.parse_period(start, end)
    built = report.build(db, reader=reader, start=first, end=last, sources=sources)
    content, media_type, filename = report.render(built, format=format)
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Security-Policy": DOCUMENT_SECURITY_POLICY,
        },
    )


def _run_read(run: report_runs.RunStatus) -> ReportRunRead:
    done = run.status.value == "done"
    return ReportRunRead(
        id=run.id,
        status=run.status.value,
        step=run.step,
        steps=run.steps,
        percent=run.percent,
        message=run.message,
        error=run.error,
        start=run.start,
        end=run.end,
        format=run.format,
        size=run.size,
        download=f"/api/v1/initiatives/report/runs/{run.id}/download" if done else None,
    )


@router.post("/report/runs", status_code=202)
def request_report(body: ReportRunRequest, db: DbSession, actor: CurrentActor) -> ReportRunRead:
    """Queue the report as a background job; poll the run until it is done, then download."""
    first, last = report.parse_period(
        body.start.isoformat() if body.start else None, body.end.isoformat() if body.end else None
    )
    run = report_runs.request(db, actor=actor, start=first, end=last, format=body.format)
    return _run_read(report_runs.status(run))


@router.get("/report/runs/{run_id}")
def get_report_run(run_id: str, db: DbSession, actor: CurrentActor) -> ReportRunRead:
    """A queued report's progress (only its requester sees it)."""
    return _run_read(report_runs.status(report_runs.get_or_404(db, reader=actor, run_id=run_id)))


@router.get(
    "/report/runs/{run_id}/download",
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
    response_class=Response,
)
def download_report_run(run_id: str, db: DbSession, actor: CurrentActor) -> Response:
    """The finished report file; 409 while it is being prepared."""
    content, media_type, filename = report_runs.download(db, reader=actor, run_id=run_id)
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("", status_code=201)
def create_initiative(
    body: InitiativeCreate,
    db: DbSession,
    actor: Annotated[Actor, Depends(require(Permission.RECORD_CREATE))],
) -> InitiativeRead:
    """Register an initiative owned by the caller's organisation (duplicates are looked for)."""
    return service.read(db, initiative=service.create(db, actor=actor, data=body))


@router.get("/{initiative_id}")
def get_initiative(
    initiative_id: str, db: DbSession, reader: OptionalActor
) -> InitiativeDetailRead:
    """One initiative, if the reader may see it (a merged one names the initiative kept
    when the reader may see that one too)."""
    initiative = service.get_or_404(db, reader=reader, initiative_id=initiative_id)
    return InitiativeDetailRead(
        **service.read(db, initiative=initiative).model_dump(),
        merged=initiative.merged_into_id is not None,
        merged_into_id=merging.merged_into(db, reader=reader, initiative=initiative),
    )


@router.get("/{initiative_id}/overlaps")
def initiative_overlaps(
    initiative_id: str, db: DbSession, reader: OptionalActor
) -> list[OverlapRead]:
    """The ranked possible duplicates of one initiative (those the reader may see)."""
    service.get_or_404(db, reader=reader, initiative_id=initiative_id)
    return [
        overlaps.read(o)
        for o in overlaps.for_initiative(db, reader=reader, initiative_id=initiative_id)
    ]


@router.patch("/{initiative_id}")
def update_initiative(
    initiative_id: str, body: InitiativeUpdate, db: DbSession, actor: CurrentActor
) -> InitiativeRead:
    """Change an initiative; send the ``version`` you loaded (409 if someone changed it since)."""
    return service.read(
        db, initiative=service.update(db, actor=actor, initiative_id=initiative_id, data=body)
    )


@router.delete("/{initiative_id}", status_code=204)
def delete_initiative(initiative_id: str, db: DbSession, actor: CurrentActor) -> Response:
    """Delete an initiative (its owner organisation's contributors and coordinators only)."""
    service.delete(db, actor=actor, initiative_id=initiative_id)
    return Response(status_code=204)
