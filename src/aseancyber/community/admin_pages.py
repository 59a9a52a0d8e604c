"""Directory admin forms: organisations, member states, sectoral bodies, dialogue partners.

Platform admins edit everything; organisation admins edit their own organisation's
contact fields (another organisation's form is 403: the directory is visible to them,
so hiding it behind a 404 would protect nothing); regional coordinators edit sectoral
bodies. Organisation forms carry the version the editor loaded; a stale one is a 409.

Form pages depend on ``CurrentActor`` (the app sends a signed-out GET to sign in); the
form posts keep their own ``login_redirect``, because the app answers a signed-out POST
with a 401 page and these posts have always redirected.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession, OptionalActor
from aseancyber.access.guards import check_permission, login_redirect
from aseancyber.access.models import Organisation
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor
from aseancyber.access.rules import Action, may
from aseancyber.community import service
from aseancyber.community.schemas import (
    KIND_OPTIONS,
    DialoguePartnerWrite,
    MemberStateWrite,
    OrganisationCreate,
    OrganisationUpdate,
    SectoralBodyWrite,
)
from aseancyber.errors import Forbidden
from aseancyber.web import forms, templating

router = APIRouter(tags=["pages"], include_in_schema=False)


def _choices(db: DbSession) -> dict[str, Any]:
    return {
        "kind_options": KIND_OPTIONS,
        "state_options": [(s.id, s.name) for s in service.list_member_states(db)],
        "partner_options": [(p.id, p.name) for p in service.list_dialogue_partners(db)],
        "pillar_options": [(p.id, f"{p.code}: {p.name}") for p in service.list_pillars(db)],
        "organisation_options": [(o.id, o.name) for o in service.all_organisations(db)],
    }


def _form_page(
    request: Request,
    db: DbSession,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> Response:
    return templating.render(
        request, template, {**_choices(db), "errors": {}, **context}, status_code=status_code
    )


def _refused_page(
    request: Request, db: DbSession, template: str, context: dict[str, Any], refused: forms.Refused
) -> Response:
    """The form again, with why it was not saved."""
    return _form_page(request, db, template, {**context, **refused.context}, refused.status_code)


# --- organisations -----------------------------------------------------------------------------


def _organisation_values(organisation: Organisation) -> dict[str, Any]:
    return {
        "name": organisation.name,
        "short_name": organisation.short_name,
        "kind": organisation.kind.value,
        "member_state_id": organisation.member_state_id or "",
        "dialogue_partner_id": organisation.dialogue_partner_id or "",
        "email": organisation.email,
        "website": organisation.website,
        "version": organisation.version,
    }


async def _organisation_form(request: Request, fields: frozenset[str] | None) -> dict[str, Any]:
    form = await request.form()
    names = fields or {
        "name",
        "short_name",
        "kind",
        "member_state_id",
        "dialogue_partner_id",
        "email",
        "website",
    }
    values: dict[str, Any] = {}
    for name in names:
        values[name] = forms.text(form, name)
        if name in {"member_state_id", "dialogue_partner_id"}:
            values[name] = values[name] or None
    if "version" in form:
        values["version"] = forms.text(form, "version")
    return values


@router.get("/directory/organisations/new")
def new_organisation(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The form to add an organisation (platform admins)."""
    check_permission(actor, Permission.ORGANISATION_CREATE)
    return _form_page(
        request, db, "community/directory/organisation_form.html", {"values": {}, "fields": None}
    )


@router.post("/directory/organisations/new", dependencies=[CsrfChecked])
async def create_organisation(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """Add an organisation from the form."""
    if actor is None:
        return login_redirect(request)
    check_permission(actor, Permission.ORGANISATION_CREATE)
    values = await _organisation_form(request, None)
    organisation = forms.submit(
        OrganisationCreate, values, lambda data: service.create_organisation(db, data=data)
    )
    if isinstance(organisation, forms.Refused):
        template = "community/directory/organisation_form.html"
        context = {"values": values, "fields": None}
        return _refused_page(request, db, template, context, organisation)
    return templating.redirect(
        f"/directory/organisations/{organisation.id}", f"{organisation.name} was added.", "success"
    )


def _editable(actor: Actor, organisation: Organisation) -> frozenset[str] | None:
    if not may(actor, Action.EDIT, organisation):
        raise Forbidden("only a platform admin or this organisation's admins may edit it")
    return service.editable_fields(actor)


@router.get("/directory/organisations/{organisation_id}/edit")
def edit_organisation(
    organisation_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    """The form to edit an organisation (all fields, or the contact fields of one's own)."""
    check_permission(actor, Permission.ORGANISATION_EDIT)
    organisation = service.get_organisation(db, organisation_id=organisation_id)
    fields = _editable(actor, organisation)
    return _form_page(
        request,
        db,
        "community/directory/organisation_form.html",
        {
            "organisation": organisation,
            "values": _organisation_values(organisation),
            "fields": fields,
        },
    )


@router.post("/directory/organisations/{organisation_id}/edit", dependencies=[CsrfChecked])
async def update_organisation(
    organisation_id: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """Save an organisation edit, refusing a stale version with a clear conflict message."""
    if actor is None:
        return login_redirect(request)
    check_permission(actor, Permission.ORGANISATION_EDIT)
    organisation = service.get_organisation(db, organisation_id=organisation_id)
    fields = _editable(actor, organisation)
    values = await _organisation_form(request, fields)
    context = {"organisation": organisation, "values": values, "fields": fields}
    template = "community/directory/organisation_form.html"
    saved = forms.submit(
        OrganisationUpdate,
        values,
        lambda data: service.update_organisation(
            db, actor=actor, organisation_id=organisation_id, data=data
        ),
    )
    if isinstance(saved, forms.Refused):
        return _refused_page(request, db, template, context, saved)
    return templating.redirect(
        f"/directory/organisations/{organisation_id}", "The organisation was saved.", "success"
    )


# --- member states -----------------------------------------------------------------------------


async def _simple_form(request: Request, names: tuple[str, ...]) -> dict[str, Any]:
    form = await request.form()
    return {name: forms.text(form, name) for name in names}


STATE_FIELDS = ("name", "iso2", "iso3", "accession_date", "time_zone")


@router.get("/directory/states/new")
def new_state(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The form to add a member state (platform admins)."""
    check_permission(actor, Permission.STATE_EDIT)
    return _form_page(request, db, "community/directory/state_form.html", {"values": {}})


@router.get("/directory/states/{iso2}/edit")
def edit_state(iso2: str, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The form to edit a member state (platform admins)."""
    check_permission(actor, Permission.STATE_EDIT)
    state = service.get_member_state(db, iso2=iso2)
    values = {name: getattr(state, name) for name in STATE_FIELDS}
    return _form_page(
        request, db, "community/directory/state_form.html", {"state": state, "values": values}
    )


@router.post("/directory/states/new", dependencies=[CsrfChecked])
async def create_state(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """Add a member state from the form."""
    return await _save_state(request, db, actor, None)


@router.post("/directory/states/{iso2}/edit", dependencies=[CsrfChecked])
async def update_state(
    iso2: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """Save a member state edit."""
    return await _save_state(request, db, actor, iso2)


async def _save_state(
    request: Request, db: DbSession, actor: Actor | None, iso2: str | None
) -> Response:
    if actor is None:
        return login_redirect(request)
    check_permission(actor, Permission.STATE_EDIT)
    state = service.get_member_state(db, iso2=iso2) if iso2 else None
    values = await _simple_form(request, STATE_FIELDS)
    context = {"state": state, "values": values}
    template = "community/directory/state_form.html"
    saved = forms.submit(
        MemberStateWrite,
        values,
        lambda data: (
            service.update_member_state(db, iso2=iso2, data=data)
            if iso2
            else service.create_member_state(db, data=data)
        ),
    )
    if isinstance(saved, forms.Refused):
        return _refused_page(request, db, template, context, saved)
    return templating.redirect(
        f"/directory/states/{saved.iso2}", f"{saved.name} was saved.", "success"
    )


# --- sectoral bodies ---------------------------------------------------------------------------


@router.get("/directory/bodies/new")
def new_body(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The form to add a sectoral body (platform admins, regional coordinators)."""
    check_permission(actor, Permission.BODY_EDIT)
    return _form_page(
        request, db, "community/directory/body_form.html", {"values": {"member_ids": []}}
    )


@router.get("/directory/bodies/{body_id}/edit")
def edit_body(body_id: str, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The form to edit a sectoral body and its members."""
    check_permission(actor, Permission.BODY_EDIT)
    body = service.get_sectoral_body(db, body_id=body_id)
    values = {
        "code": body.code,
        "name": body.name,
        "pillar_id": body.pillar_id or "",
        "remit": body.remit,
        "member_ids": [member.id for member in body.members],
    }
    return _form_page(
        request, db, "community/directory/body_form.html", {"body": body, "values": values}
    )


@router.post("/directory/bodies/new", dependencies=[CsrfChecked])
async def create_body(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """Add a sectoral body from the form."""
    return await _save_body(request, db, actor, None)


@router.post("/directory/bodies/{body_id}/edit", dependencies=[CsrfChecked])
async def update_body(
    body_id: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """Save a sectoral body edit, members included."""
    return await _save_body(request, db, actor, body_id)


async def _save_body(
    request: Request, db: DbSession, actor: Actor | None, body_id: str | None
) -> Response:
    if actor is None:
        return login_redirect(request)
    check_permission(actor, Permission.BODY_EDIT)
    body = service.get_sectoral_body(db, body_id=body_id) if body_id else None
    form = await request.form()
    values: dict[str, Any] = {
        "code": forms.text(form, "code"),
        "name": forms.text(form, "name"),
        "pillar_id": forms.optional(form, "pillar_id"),
        "remit": forms.text(form, "remit"),
        "member_ids": forms.texts(form, "member_ids"),
    }
    context = {"body": body, "values": values}
    template = "community/directory/body_form.html"
    saved = forms.submit(
        SectoralBodyWrite,
        values,
        lambda data: (
            service.update_sectoral_body(db, body_id=body_id, data=data)
            if body_id
            else service.create_sectoral_body(db, data=data)
        ),
    )
    if isinstance(saved, forms.Refused):
        return _refused_page(request, db, template, context, saved)
    return templating.redirect(
        f"/directory/bodies/{saved.id}", f"{saved.name} was saved.", "success"
    )


# --- dialogue partners -------------------------------------------------------------------------


@router.get("/directory/partners/new")
def new_partner(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The form to add a dialogue partner (platform admins)."""
    check_permission(actor, Permission.STATE_EDIT)
    return _form_page(request, db, "community/directory/partner_form.html", {"values": {}})


@router.get("/directory/partners/{partner_id}/edit")
def edit_partner(partner_id: str, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The form to rename a dialogue partner (platform admins)."""
    check_permission(actor, Permission.STATE_EDIT)
    partner = service.get_dialogue_partner(db, partner_id=partner_id)
    values = {"name": partner.name, "code": partner.code}
    return _form_page(
        request, db, "community/directory/partner_form.html", {"partner": partner, "values": values}
    )


@router.post("/directory/partners/new", dependencies=[CsrfChecked])
async def create_partner(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """Add a dialogue partner from the form."""
    return await _save_partner(request, db, actor, None)


@router.post("/directory/partners/{partner_id}/edit", dependencies=[CsrfChecked])
async def update_partner(
    partner_id: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """Save a dialogue partner edit."""
    return await _save_partner(request, db, actor, partner_id)


async def _save_partner(
    request: Request, db: DbSession, actor: Actor | None, partner_id: str | None
) -> Response:
    if actor is None:
        return login_redirect(request)
    check_permission(actor, Permission.STATE_EDIT)
    partner = service.get_dialogue_partner(db, partner_id=partner_id) if partner_id else None
    values = await _simple_form(request, ("name", "code"))
    context = {"partner": partner, "values": values}
    template = "community/directory/partner_form.html"
    saved = forms.submit(
        DialoguePartnerWrite,
        values,
        lambda data: (
            service.update_dialogue_partner(db, partner_id=partner_id, data=data)
            if partner_id
            else service.create_dialogue_partner(db, data=data)
        ),
    )
    if isinstance(saved, forms.Refused):
        return _refused_page(request, db, template, context, saved)
    return templating.redirect("/directory/partners", f"{saved.name} was saved.", "success")
