"""Pages for cross-border requests: /requests, /requests/new, /requests/{id} (+ /edit,
/transition, /messages, /delete), /requests/dashboard and /requests/export.

Read through the policy (anonymous visitors see TLP:CLEAR requests only); a request the
reader may not see is 404 everywhere.
"""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession, OptionalActor
from aseancyber.access.models import Organisation, User
from aseancyber.access.policy import Actor, Tlp
from aseancyber.access.rules import Action, may
from aseancyber.errors import Forbidden, Invalid, TooLarge
from aseancyber.requests import attachments, escalation, files, service, views, workflow
from aseancyber.requests.models import (
    REQUEST_KIND_LABELS,
    CrossBorderRequest,
    PreservationOutcome,
    RequestKind,
    RequestStatus,
)
from aseancyber.requests.schemas import (
    PreservationRenewal,
    RequestCreate,
    RequestUpdate,
    Transition,
)
from aseancyber.web import forms, templating
from aseancyber.web.field_messages import readable
from aseancyber.web.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(tags=["pages"], include_in_schema=False)

KIND_VALUES = frozenset(kind.value for kind in RequestKind)
KIND_OPTIONS = [(kind.value, label) for kind, label in REQUEST_KIND_LABELS.items()]
STATUS_OPTIONS = [(status.value, status.label) for status in RequestStatus]
TLP_OPTIONS = [(label.value, label.value) for label in Tlp]
MOVE_FIELDS = frozenset({"note", "answer", "refusal_grounds", "outcome"})  # a move's own form
TEXT_FIELDS = (
    "subject",
    "body",
    "requesting_contact",
    "case_reference",
    "offence",
    "facts_summary",
    "data_to_preserve",
    "identifiers",
    "custodian",
    "custodian_location",
    "urgency_reason",
    "confidentiality",
    "mla_reference",
)


@router.get("/requests")
def list_requests(
    *,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    status: Annotated[str, Query(max_length=40)] = "",
    direction: Annotated[str, Query(max_length=10)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Response:
    """The requests the reader may see."""
    filters = service.parse_filters(kind=kind, status=status, direction=direction, q=q)
    page = service.list_(db, reader=reader, filters=filters, cursor=cursor, limit=limit)
    return templating.render(
        request,
        "requests/list.html",
        {
            "page": page,
            "values": {"q": q, "kind": kind, "status": status, "direction": direction},
            "total": service.count(db, reader=reader, filters=filters),
            "kind_options": KIND_OPTIONS,
            "status_options": STATUS_OPTIONS,
            "can_create": reader is not None
            and may(reader, Action.CREATE, CrossBorderRequest)
            and reader.member_state_id is not None,
            "is_overdue": service.is_overdue,
            "is_answer_overdue": service.is_answer_overdue,
        },
    )


@router.get("/requests/export")
def export_requests(
    *,
    db: DbSession,
    reader: OptionalActor,
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    status: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """Download the visible, filtered requests as JSON."""
    filters = service.parse_filters(kind=kind, status=status, q=q)
    items = [
        views.read(db, request=r).model_dump(mode="json")
        for r in service.all_visible(db, reader=reader, filters=filters)
    ]
    return Response(
        orjson.dumps({"items": items, "count": len(items)}, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="requests.json"'},
    )


@router.get("/requests/dashboard")
def dashboard(request: Request, db: DbSession, reader: OptionalActor) -> Response:
    """Response times by state and kind (aggregates of what the reader may see)."""
    return templating.render(
        request, "requests/dashboard.html", {"board": workflow.dashboard(db, reader=reader)}
    )


def _receivers(db: Session, actor: Actor) -> list[tuple[str, str]]:
    rows = db.scalars(
        select(Organisation)
        .where(
            Organisation.member_state_id.is_not(None),
            Organisation.member_state_id != (actor.member_state_id or ""),
        )
        .order_by(Organisation.name)
    )
    return [
        (o.id, f"{o.name} ({o.member_state.iso2 if o.member_state else ''})")
        for o in rows
        if o.is_community
    ]


def _form(
    request: Request,
    db: Session,
    actor: Actor,
    values: dict[str, Any],
    *,
    record: CrossBorderRequest | None = None,
    refused: forms.Refused | None = None,
) -> Response:
    kind = values.get("kind") or ""
    required = service.REQUIRED_FIELDS.get(RequestKind(kind), ()) if kind in KIND_VALUES else ()
    context = {
        "values": values,
        "record": record,
        "kind_options": KIND_OPTIONS,
        "tlp_options": TLP_OPTIONS,
        "receiver_options": _receivers(db, actor),
        "required": required,
        "is_preservation": kind == RequestKind.PRESERVATION.value,
    }
    return forms.form_page(request, "requests/form.html", context, refused)


async def _posted(request: Request) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = {name: forms.text(form, name) for name in TEXT_FIELDS}
    body = form.get("body")
    values["body"] = body.strip() if isinstance(body, str) else ""
    days = forms.text(form, "preservation_days")
    values.update(
        {
            "kind": forms.text(form, "kind"),
            "receiving_organisation_id": forms.text(form, "receiving_organisation_id"),
            "tlp": forms.text(form, "tlp") or Tlp.AMBER_STRICT.value,
            "emergency": forms.checked(form, "emergency"),
            "mla_will_follow": forms.checked(form, "mla_will_follow"),
            "preservation_days": days or None,
            "audience_user_emails": forms.text(form, "audience_user_emails")
            .replace(",", "\n")
            .split(),
        }
    )
    return values


@router.get("/requests/new")
def new_request(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    kind: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The form for a new request, started from its kind's template."""
    if not may(actor, Action.CREATE, CrossBorderRequest):
        raise Forbidden("sending requests needs the contributor or coordinator role")
    chosen = kind if kind in KIND_VALUES else ""
    values: dict[str, Any] = {
        "kind": chosen,
        "tlp": Tlp.AMBER_STRICT.value,
        "body": service.TEMPLATES[RequestKind(chosen)] if chosen else "",
        "preservation_days": 90 if chosen == RequestKind.PRESERVATION.value else None,
        "mla_will_follow": chosen == RequestKind.PRESERVATION.value,
    }
    return _form(request, db, actor, values)


@router.post("/requests/new", dependencies=[CsrfChecked])
async def create_request(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Save a draft, or send at once."""
    if not may(actor, Action.CREATE, CrossBorderRequest):
        raise Forbidden("sending requests needs the contributor or coordinator role")
    values = await _posted(request)
    form = await request.form()
    values["send"] = forms.text(form, "action") == "send"
    parsed = forms.parse(RequestCreate, values)
    if isinstance(parsed, dict):
        return _form(request, db, actor, values, refused=forms.Refused(errors=parsed))
    try:
        record = service.create(db, actor=actor, data=parsed)
        if parsed.send:
            workflow.transition(
                db, actor=actor, request_id=record.id, data=Transition(status=RequestStatus.SENT)
            )
    except Invalid as error:
        db.rollback()
        refused = forms.Refused(errors=forms.invalid_errors(error))
        return _form(request, db, actor, values, refused=refused)
    message = "The request was sent." if parsed.send else "The draft was saved."
    return templating.redirect(f"/requests/{record.id}", message, "success")


@router.get("/requests/{request_id}")
def show_request(
    request_id: str, request: Request, db: DbSession, reader: OptionalActor
) -> Response:
    """One request: its fields, timers, thread and the moves the reader may make."""
    record = service.get_or_404(db, reader=reader, request_id=request_id)
    return _detail(request, db, reader, record)


def _detail(
    request: Request,
    db: Session,
    reader: Actor | None,
    record: CrossBorderRequest,
    *,
    failed: str = "",
    errors: forms.FieldErrors | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The request's page; after a refused move or renewal (``failed`` names the form: a
    status, or "renewal"), that form keeps what was typed with each message by its field."""
    named = [u for u in record.named_user_ids.split(",") if u]
    people = db.scalars(select(User).where(User.id.in_(named))).all() if named else []
    return templating.render(
        request,
        "requests/detail.html",
        {
            "record": record,
            "thread": service.thread(db, request=record),
            "attachments": attachments.list_for(db, request=record),
            "can_attach": may(reader, Action.CONTRIBUTE, record)
            and record.status not in attachments.CLOSED,
            "moves": workflow.allowed_for(reader, record),
            "can_edit": service.is_requester(reader, record)
            and record.status is RequestStatus.DRAFT,
            "can_write": may(reader, Action.CONTRIBUTE, record)
            and record.status not in {RequestStatus.CLOSED, RequestStatus.WITHDRAWN},
            "overdue": service.is_overdue(record),
            "answer_overdue": service.is_answer_overdue(record),
            "escalations": service.escalations(db, request=record),
            "renewal_due": service.renewal_due(record),
            "can_renew": record.preserved_until is not None
            and record.status is not RequestStatus.WITHDRAWN
            and (service.is_requester(reader, record) or service.is_receiver(reader, record)),
            "named_people": people,
            "outcome_options": [
                (PreservationOutcome.PRESERVED.value, "Preserved"),
                (PreservationOutcome.PARTIAL_DISCLOSURE.value, "Partial disclosure"),
            ],
            "field_labels": service.FIELD_LABELS,
            "preservation_fields": service.REQUIRED_FIELDS[RequestKind.PRESERVATION],
            "failed": failed,
            "errors": errors or {},
            "values": values or {},
        },
        status_code=status_code,
    )


def _loaded(record: CrossBorderRequest) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(record, name) for name in TEXT_FIELDS}
    values.update(
        {
            "kind": record.kind.value,
            "receiving_organisation_id": record.receiving_organisation_id,
            "tlp": record.tlp.value,
            "emergency": record.emergency,
            "mla_will_follow": record.mla_will_follow,
            "preservation_days": record.preservation_days,
            "version": record.version,
        }
    )
    return values


@router.get("/requests/{request_id}/edit")
def edit_request(request_id: str, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The form to edit a draft."""
    record = service.get_or_404(db, reader=actor, request_id=request_id)
    if not service.is_requester(actor, record):
        raise Forbidden("only the requesting organisation edits its request")
    return _form(request, db, actor, _loaded(record), record=record)


@router.post("/requests/{request_id}/edit", dependencies=[CsrfChecked])
async def update_request(
    request_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    """Save a draft edit (or the MLA reference of a sent request)."""
    record = service.get_or_404(db, reader=actor, request_id=request_id)
    if not service.is_requester(actor, record):
        raise Forbidden("only the requesting organisation edits its request")
    posted = await _posted(request)
    form = await request.form()
    if record.status is RequestStatus.DRAFT:
        changes = {k: posted[k] for k in (*TEXT_FIELDS, "emergency", "mla_will_follow", "tlp")}
        changes["preservation_days"] = posted["preservation_days"]
    else:
        changes = {"mla_reference": posted["mla_reference"], "tlp": posted["tlp"]}
    changes["version"] = forms.text(form, "version")
    shown = {**_loaded(record), **posted}
    saved = forms.submit(
        RequestUpdate,
        changes,
        lambda data: service.update(db, actor=actor, request_id=request_id, data=data),
    )
    if isinstance(saved, forms.Refused):
        return _form(request, db, actor, shown, record=record, refused=saved)
    return templating.redirect(f"/requests/{request_id}", "The request was saved.", "success")


@router.post("/requests/{request_id}/transition", dependencies=[CsrfChecked])
async def move_request(
    request_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    """Send, acknowledge, start, answer, refuse, withdraw or close; a refused move shows the
    request again with its form filled in and the reason by the field (422)."""
    record = service.get_or_404(db, reader=actor, request_id=request_id)
    form = await request.form()
    values = {
        "status": forms.text(form, "status"),
        "note": forms.text(form, "note"),
        "answer": forms.text(form, "answer"),
        "refusal_grounds": forms.text(form, "refusal_grounds"),
        "outcome": forms.optional(form, "outcome"),
    }
    try:
        parsed = forms.parse_or_raise(Transition, values)
        with db.begin_nested():  # nothing of a refused move is kept
            record = workflow.transition(db, actor=actor, request_id=request_id, data=parsed)
    except Invalid as error:
        db.refresh(record)
        failed = values["status"] or ""
        return _detail(
            request,
            db,
            actor,
            record,
            failed=failed,
            errors=_by_field(error, MOVE_FIELDS),
            values=values,
            status_code=422,
        )
    return templating.redirect(
        f"/requests/{request_id}", f"The request is now {record.status.label}.", "success"
    )


def _by_field(error: Invalid, fields: frozenset[str]) -> forms.FieldErrors:
    """The messages of a refused move or renewal by the form's own ``fields``; a problem
    with anything else (the move itself, a field of the draft) is the form's."""
    errors: forms.FieldErrors = {}
    other: list[str] = []
    for name, message in forms.invalid_errors(error).items():
        if name in fields:
            errors[name] = message
        elif name in ("status", "form", ""):
            other.append(message)
        else:
            other.append(f"{readable(name)} {message}")
    if other:
        errors["form"] = "; ".join(other)
    return errors


@router.post("/requests/{request_id}/preservation/renewals", dependencies=[CsrfChecked])
async def renew_preservation(
    request_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    """Extend the preservation period; a refusal shows the request again with the days typed
    and the reason by the field (422)."""
    record = service.get_or_404(db, reader=actor, request_id=request_id)
    form = await request.form()
    values = {"days": forms.text(form, "days")}
    try:
        parsed = forms.parse_or_raise(PreservationRenewal, values)
        with db.begin_nested():
            record = escalation.renew_preservation(
                db, actor=actor, request_id=request_id, days=parsed.days
            )
    except Invalid as error:
        db.refresh(record)
        return _detail(
            request,
            db,
            actor,
            record,
            failed="renewal",
            errors=_by_field(error, frozenset({"days"})),
            values=values,
            status_code=422,
        )
    until = record.preserved_until
    return templating.redirect(
        f"/requests/{request_id}#preservation",
        f"Preservation renewed until {until:%Y-%m-%d}." if until else "Preservation renewed.",
        "success",
    )


@router.post("/requests/{request_id}/messages", dependencies=[CsrfChecked])
async def post_message(
    request_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    """Add a message to the thread."""
    form = await request.form()
    body = forms.text(form, "body")
    if not body:
        return templating.redirect(f"/requests/{request_id}", "Write a message first.", "error")
    try:
        service.add_message(db, actor=actor, request_id=request_id, body=body[:50_000])
    except Invalid as error:
        return templating.redirect(f"/requests/{request_id}", error.detail, "error")
    return templating.redirect(f"/requests/{request_id}#thread", "Message added.", "success")


@router.post("/requests/{request_id}/delete", dependencies=[CsrfChecked])
def delete_request(request_id: str, db: DbSession, actor: CurrentActor) -> Response:
    """Delete a draft."""
    service.delete_draft(db, actor=actor, request_id=request_id)
    return templating.redirect("/requests", "The draft was deleted.", "success")


@router.post("/requests/{request_id}/attachments", dependencies=[CsrfChecked])
async def upload_attachments(
    request_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    """Add files to the request (allowed types only, 5 MiB each)."""
    async with request.form() as form:  # closes the uploads' temporary files
        uploads = await files.uploads_from(form)
    try:
        added = attachments.upload(db, actor=actor, request_id=request_id, uploads=uploads)
    except (Invalid, TooLarge) as error:
        return templating.redirect(f"/requests/{request_id}#files", error.detail, "error")
    return templating.redirect(
        f"/requests/{request_id}#files", f"{len(added)} file(s) added.", "success"
    )


@router.get("/requests/{request_id}/attachments/{attachment_id}")
def download_attachment(
    request_id: str, attachment_id: str, db: DbSession, reader: OptionalActor
) -> Response:
    """A file of the request, if the reader may see the request (audited)."""
    found = attachments.download(
        db, reader=reader, request_id=request_id, attachment_id=attachment_id
    )
    return files.response(found)
