"""Pages for norms: the catalogue (/norms), the regional heat map and progress chart
(/norms/heatmap), assessments (/norms/assessments...), state profiles (/norms/states/XX)
and the coordinators' action editor.

Reading is open to anonymous visitors, who see public assessments only. An assessment the
reader may not see is 404 everywhere and shows as "not shared" in every regional view.
"""

from datetime import date
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession, OptionalActor
from aseancyber.access.guards import login_redirect
from aseancyber.access.policy import Actor
from aseancyber.access.rules import Action, Proposed, may
from aseancyber.errors import Forbidden, Invalid, TooLarge
from aseancyber.norms import (
    attachments,
    catalogue,
    catalogue_pages,
    charts,
    exports,
    history,
    profile_pages,
    regional,
    service,
)
from aseancyber.norms.models import (
    VISIBILITY_LABELS,
    AssessmentStatus,
    NormAction,
    NormAssessment,
    Visibility,
)
from aseancyber.norms.schemas import AssessmentCreate, AssessmentUpdate
from aseancyber.reporting import InstalledProgrammes
from aseancyber.requests import files
from aseancyber.web import forms, templating
from aseancyber.web.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(tags=["pages"], include_in_schema=False)
router.include_router(catalogue_pages.router)  # the coordinators' editor of practical actions
router.include_router(profile_pages.router)  # a state's profile and its sharing choice

STATUS_OPTIONS = [(s.value, s.label) for s in AssessmentStatus]
VISIBILITY_OPTIONS = [(v.value, label) for v, label in VISIBILITY_LABELS.items() if v.breadth > 0]


def _parse_day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise Invalid("must be a date written YYYY-MM-DD", field) from error


@router.get("/norms")
def catalogue_page(request: Request, db: DbSession, reader: OptionalActor) -> Response:
    """The 11 norms and their practical actions."""
    return templating.render(
        request,
        "norms/catalogue.html",
        {
            "norms": catalogue.list_norms(db),
            "can_edit": may(reader, Action.EDIT, NormAction),
            "own_state": reader.member_state_id if reader else None,
            "can_assess": reader is not None
            and may(
                reader,
                Action.CREATE,
                Proposed(NormAssessment, member_state_id=reader.member_state_id),
            ),
        },
    )


@router.get("/norms/heatmap")
def heat_map_page(
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    as_of: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """States by norms, coloured by implementation level, with progress over time."""
    day = _parse_day(as_of, "as_of")
    heat = regional.heat_map(db, reader=reader, as_of=day)
    chart = charts.line_chart(
        regional.progress(db, reader=reader), title="Mean implementation level"
    )
    return templating.render(
        request,
        "norms/heatmap.html",
        {"heat": heat, "chart": chart, "as_of": as_of},
    )


@router.get("/norms/heatmap.json")
def heat_map_json(
    db: DbSession, reader: OptionalActor, as_of: Annotated[str, Query(max_length=10)] = ""
) -> Response:
    """The heat map as JSON (the same figures the page shows)."""
    heat = regional.heat_map(db, reader=reader, as_of=_parse_day(as_of, "as_of"))
    return Response(
        orjson.dumps(regional.heat_map_json(heat), option=orjson.OPT_INDENT_2),
        media_type="application/json",
    )


@router.get("/norms/assessments")
def list_assessments(
    *,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    q: Annotated[str, Query(max_length=200)] = "",
    state: Annotated[str, Query(max_length=2)] = "",
    norm: Annotated[str, Query(max_length=1)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Response:
    """The assessments the reader may see, with filters and search."""
    filters = service.parse_filters(state=state, norm=norm, status=status, q=q)
    page = service.list_(db, reader=reader, filters=filters, cursor=cursor, limit=limit)
    return templating.render(
        request,
        "norms/list.html",
        {
            "page": page,
            "values": {"q": q, "state": state.upper(), "norm": norm, "status": status},
            "total": service.count(db, reader=reader, filters=filters),
            "states": regional.member_states(db),
            "norms": catalogue.list_norms(db),
            "status_options": STATUS_OPTIONS,
            "export_query": request.url.remove_query_params(["cursor", "back", "limit"]).query,
        },
    )


@router.get("/norms/assessments/export")
def export_assessments(
    *,
    db: DbSession,
    reader: OptionalActor,
    format: Annotated[str, Query(max_length=10)] = "json",
    q: Annotated[str, Query(max_length=200)] = "",
    state: Annotated[str, Query(max_length=2)] = "",
    norm: Annotated[str, Query(max_length=1)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """Download the visible, filtered assessments as JSON or CSV."""
    filters = service.parse_filters(state=state, norm=norm, status=status, q=q)
    exported = exports.export(db, reader=reader, filters=filters, format=format)
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


@router.get("/norms/assessments/{assessment_id}")
def show_assessment(
    assessment_id: str, request: Request, db: DbSession, reader: OptionalActor
) -> Response:
    """One assessment with its history, if the reader may see it."""
    assessment = service.get_or_404(db, reader=reader, assessment_id=assessment_id)
    versions = history.history(db, reader=reader, assessment_id=assessment_id)
    return templating.render(
        request,
        "norms/detail.html",
        {
            "assessment": assessment,
            "versions": list(reversed(versions)),
            "can_edit": may(reader, Action.EDIT, assessment),
            "attachments": attachments.list_for(db, assessment=assessment),
        },
    )


@router.post("/norms/assessments/{assessment_id}/attachments", dependencies=[CsrfChecked])
async def upload_attachments(
    assessment_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    """Add evidence files to an assessment of the actor's own state."""
    async with request.form() as form:  # closes the uploads' temporary files
        uploads = await files.uploads_from(form)
    here = f"/norms/assessments/{assessment_id}#files"
    try:
        added = attachments.upload(db, actor=actor, assessment_id=assessment_id, uploads=uploads)
    except (Invalid, TooLarge) as error:
        return templating.redirect(here, error.detail, "error")
    return templating.redirect(here, f"{len(added)} file(s) added.", "success")


@router.get("/norms/assessments/{assessment_id}/attachments/{attachment_id}")
def download_attachment(
    assessment_id: str, attachment_id: str, db: DbSession, reader: OptionalActor
) -> Response:
    """An evidence file, if the reader may see the assessment (audited)."""
    found = attachments.download(
        db, reader=reader, assessment_id=assessment_id, attachment_id=attachment_id
    )
    return files.response(found)


# --- assessing ---------------------------------------------------------------------------------


async def _posted(request: Request) -> dict[str, Any]:
    form = await request.form()
    links = form.get("links")
    return {
        "status": forms.text(form, "status"),
        "evidence": forms.text(form, "evidence"),
        "links": [line.strip() for line in (links if isinstance(links, str) else "").split()],
        "responsible_agency": forms.text(form, "responsible_agency"),
        "assessed_on": forms.text(form, "assessed_on"),
        "visibility": forms.text(form, "visibility"),
    }


def _form(
    request: Request,
    *,
    action: NormAction,
    values: dict[str, Any],
    assessment: NormAssessment | None = None,
    refused: forms.Refused | None = None,
) -> Response:
    context = {
        "action": action,
        "assessment": assessment,
        "values": values,
        "status_options": STATUS_OPTIONS,
        "visibility_options": VISIBILITY_OPTIONS,
    }
    return forms.form_page(request, "norms/form.html", context, refused)


def _own_state(actor: Actor) -> str:
    own_state = actor.member_state_id
    if own_state is None or not may(
        actor, Action.CREATE, Proposed(NormAssessment, member_state_id=own_state)
    ):
        raise Forbidden(
            "only contributors and coordinators of a member state's government "
            "organisations assess that state's implementation"
        )
    return own_state


def _existing(db: Session, actor: Actor, state_id: str, action: NormAction) -> str | None:
    found = db.execute(
        service.visible_assessments(actor).where(
            NormAssessment.member_state_id == state_id, NormAssessment.action_id == action.id
        )
    ).scalar_one_or_none()
    return found.id if found else None


@router.get("/norms/actions/{action_id}/assess")
def new_assessment(
    action_id: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """The form to record your state's assessment of one action."""
    if actor is None:
        return login_redirect(request)
    state_id = _own_state(actor)
    action = catalogue.get_action_or_404(db, action_id=action_id)
    existing = _existing(db, actor, state_id, action)
    if existing is not None:
        return templating.redirect(f"/norms/assessments/{existing}/edit")
    values = {"status": "", "visibility": Visibility.STATE.value, "links": [], "assessed_on": ""}
    return _form(request, action=action, values=values)


@router.post("/norms/actions/{action_id}/assess", dependencies=[CsrfChecked])
async def create_assessment(
    action_id: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """Record your state's assessment from the form."""
    if actor is None:
        return login_redirect(request)
    _own_state(actor)
    action = catalogue.get_action_or_404(db, action_id=action_id)
    values = {**await _posted(request), "action_id": action.id}
    assessment = forms.submit(
        AssessmentCreate, values, lambda data: service.create(db, actor=actor, data=data)
    )
    if isinstance(assessment, forms.Refused):
        return _form(request, action=action, values=values, refused=assessment)
    return templating.redirect(
        f"/norms/assessments/{assessment.id}", "The assessment was recorded.", "success"
    )


def _loaded(assessment: NormAssessment) -> dict[str, Any]:
    return {
        "status": assessment.status.value,
        "evidence": assessment.evidence,
        "links": list(assessment.links),
        "responsible_agency": assessment.responsible_agency,
        "assessed_on": assessment.assessed_on.isoformat(),
        "visibility": assessment.visibility.value,
        "version": assessment.version,
    }


def _editable(db: Session, actor: Actor, assessment_id: str) -> NormAssessment:
    """The assessment ``actor`` opens to change: one of their own state's."""
    assessment = service.get_or_404(db, reader=actor, assessment_id=assessment_id)
    if not may(actor, Action.EDIT, assessment):
        raise Forbidden("only the assessed state's own government organisations may change it")
    return assessment


@router.get("/norms/assessments/{assessment_id}/edit")
def edit_assessment(
    assessment_id: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """The form to change your state's assessment."""
    if actor is None:
        return login_redirect(request)
    assessment = _editable(db, actor, assessment_id)
    return _form(
        request, action=assessment.action, values=_loaded(assessment), assessment=assessment
    )


@router.post("/norms/assessments/{assessment_id}/edit", dependencies=[CsrfChecked])
async def update_assessment(
    assessment_id: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """Save a change; a stale version shows a conflict message (409)."""
    if actor is None:
        return login_redirect(request)
    assessment = _editable(db, actor, assessment_id)
    form = await request.form()
    values = {**await _posted(request), "version": forms.text(form, "version")}
    if values["visibility"] == "" and assessment.visibility is Visibility.CUSTOM:
        values.pop("visibility")
    action = assessment.action
    saved = forms.submit(
        AssessmentUpdate,
        values,
        lambda data: service.update(db, actor=actor, assessment_id=assessment_id, data=data),
    )
    if isinstance(saved, forms.Refused):
        return _form(request, action=action, assessment=assessment, values=values, refused=saved)
    return templating.redirect(
        f"/norms/assessments/{assessment_id}", "The assessment was saved.", "success"
    )


# --- a state's changes ------------------------------------------------------------------------


@router.get("/norms/states/{iso2}/changes")
def state_changes(
    *,
    iso2: str,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    from_date: Annotated[str, Query(alias="from", max_length=10)] = "",
    to_date: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    """What changed in a state's shared assessments between two dates."""
    start = _parse_day(from_date, "from")
    end = _parse_day(to_date, "to")
    state = service.state_by_iso2(db, iso2)
    diff = None
    if start and end:
        diff = history.state_diff(db, reader=reader, iso2=iso2, from_date=start, to_date=end)
    return templating.render(
        request,
        "norms/changes.html",
        {"state": state, "diff": diff, "values": {"from": from_date, "to": to_date}},
    )


@router.get("/norms/states/{iso2}/survey.json")
def state_survey(
    iso2: str, db: DbSession, reader: OptionalActor, programmes: InstalledProgrammes
) -> Response:
    """The state's shared record shaped like the UN OEWG national survey."""
    survey = exports.oewg_survey(db, reader=reader, iso2=iso2, programmes=programmes)
    return Response(
        orjson.dumps(survey, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="oewg-survey-{iso2.upper()}.json"'},
    )
