"""Pages for national documents: /documents, /documents/new, /documents/{id} (+ /edit,
/delete), /documents/export.

Reading is open to anonymous visitors, who see TLP:CLEAR documents only; writing needs a
signed-in contributor or coordinator. A document the reader may not see is 404 everywhere.

Form pages depend on ``CurrentActor`` (the app sends a signed-out GET to sign in); the
form posts keep their own ``login_redirect``, because the app answers a signed-out POST
with a 401 page and these posts have always redirected.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from aseancyber.access.dependencies import (
    CsrfChecked,
    CurrentActor,
    DbSession,
    OptionalActor,
)
from aseancyber.access.guards import check_permission, login_redirect
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor, Tlp
from aseancyber.access.rules import Action, may
from aseancyber.access.shareable import named_audience
from aseancyber.community import documents_service as service
from aseancyber.community.documents import DOCUMENT_KIND_LABELS, Document
from aseancyber.community.documents_schemas import DocumentCreate, DocumentUpdate
from aseancyber.community.service import all_organisations, list_member_states
from aseancyber.exports import download
from aseancyber.web import forms, templating
from aseancyber.web.listing import PageCursor, PageLimit
from aseancyber.web.pagination import DEFAULT_LIMIT

router = APIRouter(tags=["pages"], include_in_schema=False)

KIND_OPTIONS = [(kind.value, label) for kind, label in DOCUMENT_KIND_LABELS.items()]
TLP_OPTIONS = [(label.value, label.value) for label in Tlp]
TLP_HINT = (
    "RED: named recipients only. AMBER+STRICT: your organisation (and named recipients). "
    "AMBER: your organisation and the organisations you name. GREEN: the member-state "
    "community. CLEAR: anyone, including the public pages."
)


@router.get("/documents")
def list_documents(
    *,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    state: Annotated[str, Query(max_length=2)] = "",
    tlp: Annotated[str, Query(max_length=20)] = "",
    owner: Annotated[str, Query(max_length=36)] = "",
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Response:
    """The documents the reader may see, with filters, search and per-label counts."""
    filters = service.parse_filters(kind=kind, state=state, tlp=tlp, owner=owner, q=q)
    page = service.list_(db, reader=reader, filters=filters, cursor=cursor, limit=limit)
    return templating.render(
        request,
        "community/documents/list.html",
        {
            "page": page,
            "values": {"q": q, "kind": kind, "state": state.upper(), "tlp": tlp, "owner": owner},
            "filters": filters,
            "total": service.count(db, reader=reader, filters=filters),
            "kind_options": KIND_OPTIONS,
            "tlp_options": TLP_OPTIONS,
            "states": list_member_states(db),
            "export_query": request.url.remove_query_params(["cursor", "back", "limit"]).query,
            "can_create": may(reader, Action.CREATE, Document),
        },
    )


@router.get("/documents/export")
def export_documents(
    *,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    format: Annotated[str, Query(max_length=10)] = "json",
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    state: Annotated[str, Query(max_length=2)] = "",
    tlp: Annotated[str, Query(max_length=20)] = "",
    owner: Annotated[str, Query(max_length=36)] = "",
) -> Response:
    """Download the visible, filtered documents as JSON or CSV."""
    filters = service.parse_filters(kind=kind, state=state, tlp=tlp, owner=owner, q=q)
    exported = service.export(db, reader=reader, filters=filters, format=format)
    return download(exported)


def _form_context(db: Session, actor: Actor) -> dict[str, Any]:
    return {
        "kind_options": KIND_OPTIONS,
        "tlp_options": TLP_OPTIONS,
        "tlp_hint": TLP_HINT,
        "state_options": [(s.id, s.name) for s in list_member_states(db)],
        "organisation_options": [
            (o.id, o.name) for o in all_organisations(db) if o.id != actor.organisation_id
        ],
    }


async def _posted(request: Request) -> dict[str, Any]:
    form = await request.form()
    emails = forms.text(form, "audience_user_emails").replace(",", "\n").split()
    return {
        "title": forms.text(form, "title"),
        "kind": forms.text(form, "kind"),
        "tlp": forms.text(form, "tlp"),
        "summary": forms.text(form, "summary"),
        "body": form.get("body") if isinstance(form.get("body"), str) else "",
        "member_state_id": forms.optional(form, "member_state_id"),
        "published_on": forms.optional(form, "published_on"),
        "link": forms.text(form, "link"),
        "green_includes_external": forms.checked(form, "green_includes_external"),
        "audience_organisation_ids": forms.texts(form, "audience_organisation_ids"),
        "audience_user_emails": [email.strip() for email in emails if email.strip()],
    }


def _form(
    request: Request,
    db: Session,
    actor: Actor,
    values: dict[str, Any],
    *,
    document: Document | None = None,
    refused: forms.Refused | None = None,
) -> Response:
    context = {
        **_form_context(db, actor),
        "values": values,
        "document": document,
        "can_edit": document is None or may(actor, Action.EDIT, document),
    }
    return forms.form_page(request, "community/documents/form.html", context, refused)


@router.get("/documents/new")
def new_document(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The form to share a new document."""
    check_permission(actor, Permission.RECORD_CREATE)
    values = {"tlp": Tlp.AMBER.value, "kind": "", "audience_organisation_ids": []}
    return _form(request, db, actor, values)


@router.post("/documents/new", dependencies=[CsrfChecked])
async def create_document(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """Share a new document from the form."""
    if actor is None:
        return login_redirect(request)
    check_permission(actor, Permission.RECORD_CREATE)
    values = await _posted(request)
    document = forms.submit(
        DocumentCreate, values, lambda data: service.create(db, actor=actor, data=data)
    )
    if isinstance(document, forms.Refused):
        return _form(request, db, actor, values, refused=document)
    return templating.redirect(f"/documents/{document.id}", "The document was shared.", "success")


@router.get("/documents/{document_id}")
def show_document(
    document_id: str, request: Request, db: DbSession, reader: OptionalActor
) -> Response:
    """One document, if the reader may see it."""
    document = service.get_or_404(db, reader=reader, document_id=document_id)
    audience = named_audience(db, document)
    return templating.render(
        request,
        "community/documents/detail.html",
        {
            "document": document,
            "audience_organisations": audience.organisations,
            "audience_users": audience.users,
            "kind_label": DOCUMENT_KIND_LABELS[document.kind],
            "can_edit": may(reader, Action.EDIT, document),
            "can_relabel": may(reader, Action.RELABEL, document),
        },
    )


def _loaded_values(db: Session, document: Document) -> dict[str, Any]:
    audience = named_audience(db, document)
    return {
        "title": document.title,
        "kind": document.kind.value,
        "tlp": document.tlp.value,
        "summary": document.summary,
        "body": document.body,
        "member_state_id": document.member_state_id or "",
        "published_on": document.published_on.isoformat() if document.published_on else "",
        "link": document.link,
        "green_includes_external": document.green_includes_external,
        "audience_organisation_ids": [o.id for o in audience.organisations],
        "audience_user_emails": [user.email for user in audience.users],
        "version": document.version,
    }


@router.get("/documents/{document_id}/edit")
def edit_document(
    document_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    """The form to edit a document (content: owner organisation; label: anyone who sees it)."""
    document = service.get_or_404(db, reader=actor, document_id=document_id)
    check_permission(actor, Permission.RECORD_CREATE)
    values = _loaded_values(db, document)
    return _form(request, db, actor, values, document=document)


@router.post("/documents/{document_id}/edit", dependencies=[CsrfChecked])
async def update_document(
    document_id: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """Save a document edit; a stale version shows a conflict message (409)."""
    if actor is None:
        return login_redirect(request)
    document = service.get_or_404(db, reader=actor, document_id=document_id)
    check_permission(actor, Permission.RECORD_CREATE)
    form = await request.form()
    if may(actor, Action.EDIT, document):
        values = await _posted(request)
    else:  # others may only raise the label
        values = {"tlp": forms.text(form, "tlp")}
    values["version"] = forms.text(form, "version")
    shown = {**_loaded_values(db, document), **values}
    saved = forms.submit(
        DocumentUpdate,
        values,
        lambda data: service.update(db, actor=actor, document_id=document_id, data=data),
    )
    if isinstance(saved, forms.Refused):
        return _form(request, db, actor, shown, document=document, refused=saved)
    if not service.still_visible(db, reader=actor, document=document):
        return templating.redirect(
            "/documents", "The label was raised; the document is now out of your reach.", "success"
        )
    return templating.redirect(f"/documents/{document_id}", "The document was saved.", "success")


@router.post("/documents/{document_id}/delete", dependencies=[CsrfChecked])
def delete_document(
    document_id: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """Delete a document (its owner organisation's contributors and coordinators)."""
    if actor is None:
        return login_redirect(request)
    service.delete(db, actor=actor, document_id=document_id)
    return templating.redirect("/documents", "The document was deleted.", "success")
