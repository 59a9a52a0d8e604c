"""Pages for dialogue-partner engagements: /engagements, /engagements/new, /engagements/{id}
(participants, outcomes, follow-up actions), /edit, /export.

A dialogue partner sees the engagements it took part in and nothing else; what the reader
may not see is 404.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession, OptionalActor
from aseancyber.access.policy import Actor, Tlp
from aseancyber.access.rules import Action, may
from aseancyber.community.service import all_organisations
from aseancyber.errors import Conflict, Forbidden, Invalid
from aseancyber.positions import engagements_api
from aseancyber.positions import engagements_service as service
from aseancyber.positions.models import ENGAGEMENT_KIND_LABELS, Engagement
from aseancyber.positions.schemas import (
    ActionCreate,
    ActionUpdate,
    EngagementCreate,
    EngagementUpdate,
)
from aseancyber.web import forms, templating
from aseancyber.web.pagination import DEFAULT_LIMIT, MAX_LIMIT
from aseancyber.web.paging import page_links

router = APIRouter(tags=["pages"], include_in_schema=False)

KIND_OPTIONS = [(kind.value, label) for kind, label in ENGAGEMENT_KIND_LABELS.items()]
TLP_OPTIONS = [(label.value, label.value) for label in Tlp]


@router.get("/engagements")
def list_engagements(
    *,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Response:
    """The engagements the reader may see."""
    filters = service.parse_filters(kind=kind, q=q)
    page = service.list_(db, reader=reader, filters=filters, cursor=cursor, limit=limit)
    return templating.render(
        request,
        "positions/engagements/list.html",
        {
            "page": page,
            "links": page_links(request, page.next_cursor),
            "values": {"q": q, "kind": kind},
            "kind_options": KIND_OPTIONS,
            "total": service.count(db, reader=reader, filters=filters),
            "can_create": may(reader, Action.CREATE, Engagement),
        },
    )


@router.get("/engagements/export")
def export_engagements(
    db: DbSession,
    reader: OptionalActor,
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """Download the visible engagements as JSON."""
    return engagements_api.export_response(db, reader, kind or None, q or None)


def _form(
    request: Request,
    db: Session,
    values: dict[str, Any],
    *,
    engagement: Engagement | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return templating.render(
        request,
        "positions/engagements/form.html",
        {
            "values": values,
            "engagement": engagement,
            "errors": errors or {},
            "kind_options": KIND_OPTIONS,
            "tlp_options": TLP_OPTIONS,
            "organisation_options": [(o.id, o.name) for o in all_organisations(db)],
        },
        status_code=status_code,
    )


async def _posted(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {
        "title": forms.text(form, "title"),
        "kind": forms.text(form, "kind"),
        "starts_on": forms.text(form, "starts_on"),
        "ends_on": forms.optional(form, "ends_on"),
        "location": forms.text(form, "location"),
        "summary": forms.text(form, "summary"),
        "outcomes": forms.text(form, "outcomes"),
        "initiative_ref": forms.text(form, "initiative_ref"),
        "tlp": forms.text(form, "tlp"),
        "green_includes_external": forms.checked(form, "green_includes_external"),
        "participant_ids": forms.texts(form, "participant_ids"),
        "version": forms.text(form, "version"),
    }


def _data(values: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in values.items() if k not in {"participant_ids", "version"}}
    data["participants"] = [{"organisation_id": org_id} for org_id in values["participant_ids"]]
    return data


@router.get("/engagements/new")
def new_engagement(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The form to record an engagement."""
    if not may(actor, Action.CREATE, Engagement):
        raise Forbidden("recording an engagement needs the contributor or coordinator role")
    return _form(request, db, {"tlp": Tlp.AMBER.value, "participant_ids": [actor.organisation_id]})


@router.post("/engagements/new", dependencies=[CsrfChecked])
async def create_engagement(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    values = await _posted(request)
    parsed = forms.parse(EngagementCreate, _data(values))
    if isinstance(parsed, dict):
        return _form(request, db, values, errors=parsed, status_code=422)
    try:
        engagement = service.create(db, actor=actor, data=parsed)
    except Invalid as error:
        return _form(request, db, values, errors=forms.invalid_errors(error), status_code=422)
    return templating.redirect(
        f"/engagements/{engagement.id}", "The engagement was recorded.", "success"
    )


@router.get("/engagements/{engagement_id}")
def show_engagement(
    engagement_id: str, request: Request, db: DbSession, reader: OptionalActor
) -> Response:
    """One engagement: participants, outcomes and follow-up actions."""
    engagement = service.get_or_404(db, reader=reader, engagement_id=engagement_id)
    return _detail(request, reader, engagement)


def _detail(
    request: Request,
    reader: Actor | None,
    engagement: Engagement,
    *,
    errors: forms.FieldErrors | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The engagement's page; after a refused follow-up action, its form keeps what was
    typed with each message by its field."""
    owners = [(p.organisation_id, p.organisation.name) for p in engagement.participants]
    if engagement.owner_organisation_id not in {o for o, _ in owners}:
        owners.insert(0, (engagement.owner_organisation_id, engagement.owner_organisation.name))
    return templating.render(
        request,
        "positions/engagements/detail.html",
        {
            "engagement": engagement,
            "kind_label": ENGAGEMENT_KIND_LABELS[engagement.kind],
            "can_edit": may(reader, Action.EDIT, engagement),
            "can_update": {
                a.id: service.may_update_action(reader, engagement, a) for a in engagement.actions
            },
            "owner_options": owners,
            "errors": errors or {},
            "values": values or {},
        },
        status_code=status_code,
    )


def _loaded(engagement: Engagement) -> dict[str, Any]:
    return {
        "title": engagement.title,
        "kind": engagement.kind.value,
        "starts_on": engagement.starts_on.isoformat(),
        "ends_on": engagement.ends_on.isoformat() if engagement.ends_on else "",
        "location": engagement.location,
        "summary": engagement.summary,
        "outcomes": engagement.outcomes,
        "initiative_ref": engagement.initiative_ref,
        "tlp": engagement.tlp.value,
        "green_includes_external": engagement.green_includes_external,
        "participant_ids": [p.organisation_id for p in engagement.participants],
        "version": engagement.version,
    }


@router.get("/engagements/{engagement_id}/edit")
def edit_engagement(
    engagement_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    engagement = service.get_or_404(db, reader=actor, engagement_id=engagement_id)
    if not may(actor, Action.EDIT, engagement):
        raise Forbidden("only the organisation that recorded this engagement may change it")
    return _form(request, db, _loaded(engagement), engagement=engagement)


@router.post("/engagements/{engagement_id}/edit", dependencies=[CsrfChecked])
async def save_engagement(
    engagement_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    engagement = service.get_or_404(db, reader=actor, engagement_id=engagement_id)
    values = await _posted(request)
    parsed = forms.parse(EngagementUpdate, {**_data(values), "version": values["version"]})
    if isinstance(parsed, dict):
        return _form(request, db, values, engagement=engagement, errors=parsed, status_code=422)
    try:
        service.update(db, actor=actor, engagement_id=engagement_id, data=parsed)
    except Invalid as error:
        errors = forms.invalid_errors(error)
        return _form(request, db, values, engagement=engagement, errors=errors, status_code=422)
    except Conflict as error:
        errors = {"form": error.detail}
        return _form(request, db, values, engagement=engagement, errors=errors, status_code=409)
    return templating.redirect(
        f"/engagements/{engagement_id}", "The engagement was saved.", "success"
    )


@router.post("/engagements/{engagement_id}/actions", dependencies=[CsrfChecked])
async def add_action(
    engagement_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    """Add a follow-up action; a refusal shows the engagement again with the form filled in
    and each message by its field (422)."""
    engagement = service.get_or_404(db, reader=actor, engagement_id=engagement_id)
    form = await request.form()
    values = {
        "description": forms.text(form, "description"),
        "owner_organisation_id": forms.text(form, "owner_organisation_id"),
        "due_on": forms.text(form, "due_on"),
    }
    try:
        parsed = forms.parse_or_raise(ActionCreate, values)
        with db.begin_nested():  # nothing of a refused action is kept
            service.add_action(db, actor=actor, engagement_id=engagement_id, data=parsed)
    except Invalid as error:
        db.refresh(engagement)
        errors = forms.invalid_errors(error)
        return _detail(request, actor, engagement, errors=errors, values=values, status_code=422)
    target = f"/engagements/{engagement_id}#actions"
    return templating.redirect(target, "The follow-up action was added.", "success")


@router.post("/engagements/{engagement_id}/actions/{action_id}", dependencies=[CsrfChecked])
async def update_action(
    engagement_id: str, action_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    """Mark a follow-up action done or open it again."""
    engagement = service.get_or_404(db, reader=actor, engagement_id=engagement_id)
    form = await request.form()
    try:
        status = forms.parse_or_raise(ActionUpdate, {"status": forms.text(form, "status")}).status
    except Invalid as error:
        errors = {"form": f"The action was not changed: {forms.invalid_errors(error)['status']}"}
        return _detail(request, actor, engagement, errors=errors, status_code=422)
    service.set_action_status(
        db, actor=actor, engagement_id=engagement_id, action_id=action_id, status=status
    )
    return templating.redirect(
        f"/engagements/{engagement_id}#actions", "The action was updated.", "success"
    )


@router.post("/engagements/{engagement_id}/delete", dependencies=[CsrfChecked])
def delete_engagement(engagement_id: str, db: DbSession, actor: CurrentActor) -> Response:
    service.delete(db, actor=actor, engagement_id=engagement_id)
    return templating.redirect("/engagements", "The engagement was deleted.", "success")
