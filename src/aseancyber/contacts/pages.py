"""Pages for points of contact: /contacts, /contacts/new, /contacts/{id} (+ /edit, /verify,
/delete) and /contacts/export.

Read through the policy (anonymous visitors see TLP:CLEAR contacts only); a contact the
reader may not see is 404 everywhere. Only the
administrators of the owning organisation add, edit, verify or delete its contacts.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession, OptionalActor
from aseancyber.access.policy import Actor, Tlp, audience_of
from aseancyber.access.rules import Action, Proposed, may, require
from aseancyber.access.shareable import named_audience
from aseancyber.community.service import all_organisations, list_member_states
from aseancyber.contacts import exports, service
from aseancyber.contacts.models import CONTACT_KIND_LABELS, Contact
from aseancyber.contacts.schemas import ContactCreate, ContactUpdate
from aseancyber.exports import download
from aseancyber.web import forms, templating
from aseancyber.web.listing import PageCursor, PageLimit
from aseancyber.web.pagination import DEFAULT_LIMIT

router = APIRouter(tags=["pages"], include_in_schema=False)

KIND_OPTIONS = [(kind.value, label) for kind, label in CONTACT_KIND_LABELS.items()]
TLP_OPTIONS = [(label.value, label.value) for label in Tlp]
TLP_HINT = (
    "TLP:GREEN (the default) reaches every member-state body and the Secretariat, never "
    "external parties. AMBER: your organisation and the organisations you name. "
    "AMBER+STRICT: your organisation only. RED: named organisations only."
)


@router.get("/contacts")
def list_contacts(
    *,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    state: Annotated[str, Query(max_length=2)] = "",
    owner: Annotated[str, Query(max_length=36)] = "",
    stale: Annotated[str, Query(max_length=5)] = "",
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Response:
    """The directory of points of contact the reader may see."""
    filters = service.parse_filters(
        kind=kind, state=state, owner=owner, q=q, stale_only=stale in {"1", "true", "on"}
    )
    page = service.list_(db, reader=reader, filters=filters, cursor=cursor, limit=limit)
    return templating.render(
        request,
        "contacts/list.html",
        {
            "page": page,
            "values": {
                "q": q,
                "kind": kind,
                "state": state.upper(),
                "owner": owner,
                "stale": stale,
            },
            "total": service.count(db, reader=reader, filters=filters),
            "kind_options": KIND_OPTIONS,
            "states": list_member_states(db),
            "can_create": reader is not None
            and may(
                reader,
                Action.CREATE,
                Proposed(Contact, owner_organisation_id=reader.organisation_id),
            ),
            "needs_verification": service.needs_verification,
        },
    )


@router.get("/contacts/export")
def export_contacts(
    *,
    db: DbSession,
    reader: OptionalActor,
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    state: Annotated[str, Query(max_length=2)] = "",
    stale: Annotated[str, Query(max_length=5)] = "",
    format: Annotated[str, Query(max_length=4)] = "json",
) -> Response:
    """Download the visible, filtered contacts as JSON or CSV (audited)."""
    filters = service.parse_filters(
        kind=kind, state=state, q=q, stale_only=stale in {"1", "true", "on"}
    )
    exported = exports.export(db, reader=reader, filters=filters, format=format)
    return download(exported)


def _form(
    request: Request,
    db: Session,
    actor: Actor,
    values: dict[str, Any],
    *,
    contact: Contact | None = None,
    refused: forms.Refused | None = None,
) -> Response:
    context = {
        "values": values,
        "contact": contact,
        "kind_options": KIND_OPTIONS,
        "tlp_options": TLP_OPTIONS,
        "tlp_hint": TLP_HINT,
        "organisation_options": [
            (o.id, o.name) for o in all_organisations(db) if o.id != actor.organisation_id
        ],
    }
    return forms.form_page(request, "contacts/form.html", context, refused)


async def _posted(request: Request) -> dict[str, Any]:
    form = await request.form()
    languages = forms.text(form, "languages").replace(";", ",").split(",")
    return {
        "kind": forms.text(form, "kind"),
        "name": forms.text(form, "name"),
        "role": forms.text(form, "role"),
        "sector": forms.text(form, "sector"),
        "email": forms.text(form, "email"),
        "phone": forms.text(form, "phone"),
        "hours": forms.text(form, "hours"),
        "time_zone": forms.text(form, "time_zone") or "UTC",
        "languages": [part.strip() for part in languages if part.strip()],
        "pgp_fingerprint": forms.text(form, "pgp_fingerprint"),
        "notes": forms.text(form, "notes"),
        "last_verified_on": forms.optional(form, "last_verified_on"),
        "tlp": forms.text(form, "tlp"),
        "green_includes_external": forms.checked(form, "green_includes_external"),
        "focal_point": forms.checked(form, "focal_point"),
        "audience_organisation_ids": forms.texts(form, "audience_organisation_ids"),
    }


@router.get("/contacts/new")
def new_contact(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The form to add a point of contact to the reader's organisation."""
    require(actor, Action.CREATE, Proposed(Contact, owner_organisation_id=actor.organisation_id))
    values = {"tlp": Tlp.GREEN.value, "time_zone": actor.time_zone, "languages": ["English"]}
    return _form(request, db, actor, values)


@router.post("/contacts/new", dependencies=[CsrfChecked])
async def create_contact(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Add a point of contact from the form."""
    require(actor, Action.CREATE, Proposed(Contact, owner_organisation_id=actor.organisation_id))
    values = await _posted(request)
    contact = forms.submit(
        ContactCreate, values, lambda data: service.create(db, actor=actor, data=data)
    )
    if isinstance(contact, forms.Refused):
        return _form(request, db, actor, values, refused=contact)
    return templating.redirect(f"/contacts/{contact.id}", "The contact was added.", "success")


@router.get("/contacts/{contact_id}")
def show_contact(
    contact_id: str, request: Request, db: DbSession, reader: OptionalActor
) -> Response:
    """One point of contact, if the reader may see it."""
    contact = service.get_or_404(db, reader=reader, contact_id=contact_id)
    return templating.render(
        request,
        "contacts/detail.html",
        {
            "contact": contact,
            "audience_organisations": named_audience(db, contact).organisations,
            "can_edit": may(reader, Action.EDIT, contact),
            "needs_verification": service.needs_verification(contact),
        },
    )


def _loaded_values(db: Session, contact: Contact) -> dict[str, Any]:
    return {
        "kind": contact.kind.value,
        "name": contact.name,
        "role": contact.role,
        "sector": contact.sector,
        "email": contact.email,
        "phone": contact.phone,
        "hours": contact.hours,
        "time_zone": contact.time_zone,
        "languages": contact.language_list,
        "pgp_fingerprint": contact.fingerprint_groups,
        "notes": contact.notes,
        "last_verified_on": contact.last_verified_on.isoformat()
        if contact.last_verified_on
        else "",
        "tlp": contact.tlp.value,
        "green_includes_external": contact.green_includes_external,
        "focal_point": contact.focal_point,
        "audience_organisation_ids": sorted(audience_of(db, contact).organisation_ids),
        "version": contact.version,
    }


@router.get("/contacts/{contact_id}/edit")
def edit_contact(contact_id: str, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The form to edit a contact (its organisation's administrators)."""
    contact = service.get_or_404(db, reader=actor, contact_id=contact_id)
    require(actor, Action.EDIT, contact, what="contact")
    return _form(request, db, actor, _loaded_values(db, contact), contact=contact)


@router.post("/contacts/{contact_id}/edit", dependencies=[CsrfChecked])
async def update_contact(
    contact_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    """Save a contact edit; a stale version shows a conflict message (409)."""
    contact = service.get_or_404(db, reader=actor, contact_id=contact_id)
    require(actor, Action.EDIT, contact, what="contact")
    form = await request.form()
    values = await _posted(request)
    values["version"] = forms.text(form, "version")
    saved = forms.submit(
        ContactUpdate,
        values,
        lambda data: service.update(db, actor=actor, contact_id=contact_id, data=data),
    )
    if isinstance(saved, forms.Refused):
        return _form(request, db, actor, values, contact=contact, refused=saved)
    return templating.redirect(f"/contacts/{contact_id}", "The contact was saved.", "success")


@router.post("/contacts/{contact_id}/verify", dependencies=[CsrfChecked])
def verify_contact(contact_id: str, db: DbSession, actor: CurrentActor) -> Response:
    """Mark a contact verified today."""
    service.verify(db, actor=actor, contact_id=contact_id)
    return templating.redirect(
        f"/contacts/{contact_id}", "The contact was marked verified today.", "success"
    )


@router.post("/contacts/{contact_id}/delete", dependencies=[CsrfChecked])
def delete_contact(contact_id: str, db: DbSession, actor: CurrentActor) -> Response:
    """Delete a contact (its organisation's administrators)."""
    service.delete(db, actor=actor, contact_id=contact_id)
    return templating.redirect("/contacts", "The contact was deleted.", "success")
