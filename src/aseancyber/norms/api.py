"""REST routes for norms under /api/v1/norms.

The catalogue is public. Assessments are read through the visibility policy (anonymous
readers see the public ones); an assessment the reader may not see is 404 on every route
and counts nowhere: not in lists, exports, the heat map or its totals.
"""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile

from aseancyber.access.dependencies import CurrentActor, DbSession, OptionalActor, require
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor
from aseancyber.exports import download
from aseancyber.norms import (
    attachments,
    catalogue,
    evidence_sharing,
    exports,
    history,
    regional,
    service,
)
from aseancyber.norms.models import AssessmentStatus, NormAssessmentAttachment
from aseancyber.norms.schemas import (
    ActionCreate,
    ActionUpdate,
    AssessmentCreate,
    AssessmentPage,
    AssessmentRead,
    AssessmentUpdate,
    EvidenceSharingRead,
    EvidenceSharingUpdate,
    NormActionRead,
    NormRead,
    StateDiff,
    VersionRead,
)
from aseancyber.reporting import InstalledProgrammes
from aseancyber.requests import files
from aseancyber.requests.schemas import AttachmentRead
from aseancyber.shaping import shaped
from aseancyber.web.listing import PageCursor, PageLimit
from aseancyber.web.pagination import DEFAULT_LIMIT

router = APIRouter(prefix="/api/v1/norms", tags=["norms"])


def filters(
    state: Annotated[
        str | None, Query(max_length=2, description="ISO 3166 alpha-2 code of the member state.")
    ] = None,
    norm: Annotated[str | None, Query(max_length=1, description="Norm letter, a to k.")] = None,
    status: Annotated[AssessmentStatus | None, Query(description="Implementation status.")] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Words in the evidence, agency or action title."),
    ] = None,
) -> service.AssessmentFilters:
    return service.parse_filters(
        state=state, norm=norm, status=status.value if status else None, q=q
    )


Filters = Annotated[service.AssessmentFilters, Depends(filters)]


@router.get("")
def list_norms(db: DbSession) -> list[NormRead]:
    """The 11 norms, each with its practical actions."""
    return [catalogue.read_norm(norm) for norm in catalogue.list_norms(db)]


@router.post("/actions", status_code=201)
def create_action(
    body: ActionCreate,
    db: DbSession,
    actor: Annotated[Actor, Depends(require(Permission.NORMS_CATALOGUE_EDIT))],
) -> NormActionRead:
    """Add a practical action to a norm (regional coordinators)."""
    return catalogue.read_action(catalogue.create_action(db, actor=actor, data=body))


@router.patch("/actions/{action_id}")
def update_action(
    action_id: str,
    body: ActionUpdate,
    db: DbSession,
    actor: Annotated[Actor, Depends(require(Permission.NORMS_CATALOGUE_EDIT))],
) -> NormActionRead:
    """Reword a practical action; send the ``version`` you loaded (409 if it changed)."""
    action = catalogue.update_action(db, actor=actor, action_id=action_id, data=body)
    return catalogue.read_action(action)


@router.get("/assessments")
def list_assessments(
    db: DbSession,
    reader: OptionalActor,
    selection: Filters,
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> AssessmentPage:
    """The assessments the reader may see, most recently changed first."""
    page = service.list_(db, reader=reader, filters=selection, cursor=cursor, limit=limit)
    return AssessmentPage(items=[service.read(a) for a in page.items], next_cursor=page.next_cursor)


@router.get(
    "/assessments/export",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
    response_class=Response,
)
def export_assessments(
    db: DbSession,
    reader: OptionalActor,
    selection: Filters,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """Every visible assessment matching the filters, as JSON or CSV (the export is audited)."""
    exported = exports.export(db, reader=reader, filters=selection, format=format)
    return download(exported)


@router.post("/assessments", status_code=201)
def create_assessment(
    body: AssessmentCreate,
    db: DbSession,
    actor: Annotated[Actor, Depends(require(Permission.RECORD_CREATE))],
) -> AssessmentRead:
    """Record the caller's state's assessment of one practical action."""
    return service.read(service.create(db, actor=actor, data=body))


@router.get("/assessments/{assessment_id}")
def get_assessment(assessment_id: str, db: DbSession, reader: OptionalActor) -> AssessmentRead:
    """One assessment, if the reader may see it."""
    return service.read(service.get_or_404(db, reader=reader, assessment_id=assessment_id))


@router.patch("/assessments/{assessment_id}")
def update_assessment(
    assessment_id: str, body: AssessmentUpdate, db: DbSession, actor: CurrentActor
) -> AssessmentRead:
    """Change an assessment of your own state; send the ``version`` you loaded."""
    assessment = service.update(db, actor=actor, assessment_id=assessment_id, data=body)
    return service.read(assessment)


@router.get("/assessments/{assessment_id}/history")
def assessment_history(
    assessment_id: str, db: DbSession, reader: OptionalActor
) -> list[VersionRead]:
    """Every saved version of one visible assessment, oldest first."""
    versions = history.history(db, reader=reader, assessment_id=assessment_id)
    return [service.read_version(v) for v in versions]


@router.get("/heatmap")
def heat_map(
    db: DbSession,
    reader: OptionalActor,
    as_of: Annotated[
        date | None, Query(description="Show the map as it stood on this day.")
    ] = None,
) -> dict[str, Any]:
    """States by norms; a cell with nothing shared with the reader is ``"not shared"``."""
    return regional.heat_map_json(regional.heat_map(db, reader=reader, as_of=as_of))


@router.get("/states/{iso2}/diff")
def state_diff(
    iso2: str,
    db: DbSession,
    reader: OptionalActor,
    from_date: Annotated[date, Query(alias="from")],
    to_date: Annotated[date, Query(alias="to")],
) -> StateDiff:
    """What changed in the state's visible assessments between the ends of two days."""
    return history.state_diff(db, reader=reader, iso2=iso2, from_date=from_date, to_date=to_date)


@router.get("/states/{iso2}/as-of")
def state_as_of(
    iso2: str, db: DbSession, reader: OptionalActor, day: Annotated[date, Query(alias="date")]
) -> list[VersionRead]:
    """The state's visible assessments as they stood at the end of ``date``."""
    state = service.state_by_iso2(db, iso2)
    versions = history.versions_as_of(db, reader=reader, as_of=day, member_state_id=state.id)
    return [service.read_version(v) for v in versions.values()]


@router.get("/states/{iso2}/evidence-sharing")
def get_evidence_sharing(iso2: str, db: DbSession, actor: CurrentActor) -> EvidenceSharingRead:
    """Whom the state lets see its aggregate evidence figures (never the records)."""
    return evidence_sharing.read(db, iso2=iso2)


@router.put("/states/{iso2}/evidence-sharing")
def set_evidence_sharing(
    iso2: str, body: EvidenceSharingUpdate, db: DbSession, actor: CurrentActor
) -> EvidenceSharingRead:
    """Choose whom the state's aggregate evidence figures are shared with: ``none``,
    ``state`` (its own ministries), ``secretariat`` or ``member_states`` (organisation admin
    of one of the state's organisations; audited)."""
    return evidence_sharing.set_scope(db, actor=actor, iso2=iso2, scope=body.scope)


@router.get("/states/{iso2}/survey")
def oewg_survey(
    iso2: str, db: DbSession, reader: OptionalActor, programmes: InstalledProgrammes
) -> dict[str, Any]:
    """The state's visible record shaped like the UN OEWG national survey (four parts)."""
    return exports.oewg_survey(db, reader=reader, iso2=iso2, programmes=programmes)


def attachment_read(assessment_id: str, attachment: NormAssessmentAttachment) -> AttachmentRead:
    """The REST view of one evidence file of a (visible) assessment."""
    download = f"/api/v1/norms/assessments/{assessment_id}/attachments/{attachment.id}"
    return shaped(AttachmentRead, attachment, download=download)


@router.get("/assessments/{assessment_id}/attachments")
def list_attachments(
    assessment_id: str, db: DbSession, reader: OptionalActor
) -> list[AttachmentRead]:
    """The evidence files of an assessment the reader may see."""
    assessment = service.get_or_404(db, reader=reader, assessment_id=assessment_id)
    found = attachments.list_for(db, assessment=assessment)
    return [attachment_read(assessment.id, a) for a in found]


@router.post("/assessments/{assessment_id}/attachments", status_code=201)
async def upload_attachments(
    assessment_id: str,
    db: DbSession,
    actor: CurrentActor,
    uploaded: Annotated[list[UploadFile], File(alias=files.FIELD)],
) -> list[AttachmentRead]:
    """Add evidence files (multipart field ``attachments``; allowed types, 5 MiB each)."""
    found = await files.read_uploads(uploaded)
    added = attachments.upload(db, actor=actor, assessment_id=assessment_id, uploads=found)
    return [attachment_read(assessment_id, a) for a in added]


@router.get("/assessments/{assessment_id}/attachments/{attachment_id}", response_class=Response)
def download_attachment(
    assessment_id: str, attachment_id: str, db: DbSession, reader: OptionalActor
) -> Response:
    """An evidence file of an assessment the reader may see, as a download (audited)."""
    found = attachments.download(
        db, reader=reader, assessment_id=assessment_id, attachment_id=attachment_id
    )
    return files.response(found)
