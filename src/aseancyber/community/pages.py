"""Community directory pages: member states, organisations, sectoral bodies, dialogue partners.

Who sees what: the member states list (/directory) and the sectoral bodies list
(/directory/bodies) are public reference data. Every other directory page needs a
signed-in user; an anonymous visitor is redirected to the sign-in page and comes back
afterwards. The REST API follows the same split (401 instead of the redirect). Within
the directory, the names of an organisation's users are shown to signed-in members of
the TLP:GREEN community only, never to external parties.

Admin forms live in :mod:`aseancyber.community.admin_pages`; national documents in
:mod:`aseancyber.community.documents_pages`.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from aseancyber.access.dependencies import (
    CurrentActor,
    DbSession,
    OptionalActor,
)
from aseancyber.access.models import OrganisationKind
from aseancyber.access.permissions import Permission, has_permission
from aseancyber.access.rules import Action, may
from aseancyber.community import admin_pages, documents_pages, service
from aseancyber.community.schemas import KIND_LABELS, KIND_OPTIONS
from aseancyber.errors import Invalid
from aseancyber.web import templating
from aseancyber.web.listing import PageCursor, PageLimit
from aseancyber.web.pagination import DEFAULT_LIMIT, MAX_LIMIT

browse = APIRouter(tags=["pages"], include_in_schema=False)

templating.templates.env.globals["organisation_kind_label"] = lambda kind: KIND_LABELS.get(
    kind, str(kind)
)


def parse_kind(value: str) -> OrganisationKind | None:
    """An organisation kind from a filter; empty means any, unknown is bad input."""
    if not value:
        return None
    try:
        return OrganisationKind(value)
    except ValueError as error:
        raise Invalid("is not a kind of organisation", "kind") from error


@browse.get("/directory")
def member_states(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """The member states (public), with the directory's other sections for signed-in users."""
    return templating.render(
        request,
        "community/directory/states.html",
        {
            "states": service.list_member_states(db),
            "organisation_counts": service.organisations_by_state(db) if actor else {},
            "counts": service.counts(db),
            "can_edit": has_permission(actor, Permission.STATE_EDIT),
        },
    )


@browse.get("/directory/states/{iso2}")
def member_state(iso2: str, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """One member state and its organisations."""
    state = service.get_member_state(db, iso2=iso2)
    page = service.list_organisations(db, state_iso2=state.iso2, limit=MAX_LIMIT)
    return templating.render(
        request,
        "community/directory/state.html",
        {
            "state": state,
            "organisations": page.items,
            "more": page.next_cursor is not None,
            "can_edit": has_permission(actor, Permission.STATE_EDIT),
        },
    )


@browse.get("/directory/organisations")
def organisations(
    *,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    state: Annotated[str, Query(max_length=2)] = "",
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Response:
    """Organisations by name, searchable by name and filtered by kind and state."""
    page = service.list_organisations(
        db, kind=parse_kind(kind), state_iso2=state or None, q=q, cursor=cursor, limit=limit
    )
    return templating.render(
        request,
        "community/directory/organisations.html",
        {
            "page": page,
            "q": q,
            "kind": kind,
            "state": state.upper(),
            "kind_options": KIND_OPTIONS,
            "states": service.list_member_states(db),
            "can_create": has_permission(actor, Permission.ORGANISATION_CREATE),
        },
    )


@browse.get("/directory/organisations/{organisation_id}")
def organisation(
    organisation_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    """One organisation: kind, state, sectoral bodies and (for the community) its people."""
    found = service.get_organisation(db, organisation_id=organisation_id)
    return templating.render(
        request,
        "community/directory/organisation.html",
        {
            "organisation": found,
            "bodies": service.bodies_of(db, organisation=found),
            "users": service.users_of(db, reader=actor, organisation=found),
            "can_edit": may(actor, Action.EDIT, found),
        },
    )


@browse.get("/directory/bodies")
def sectoral_bodies(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """The pillars and their sectoral bodies (public)."""
    bodies = service.list_sectoral_bodies(db)
    pillars = service.list_pillars(db)
    by_pillar = {pillar.id: [b for b in bodies if b.pillar_id == pillar.id] for pillar in pillars}
    return templating.render(
        request,
        "community/directory/bodies.html",
        {
            "pillars": pillars,
            "by_pillar": by_pillar,
            "cross_pillar": [b for b in bodies if b.pillar_id is None],
            "can_edit": has_permission(actor, Permission.BODY_EDIT),
        },
    )


@browse.get("/directory/bodies/{body_id}")
def sectoral_body(body_id: str, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """One sectoral body and the organisations that take part in it."""
    return templating.render(
        request,
        "community/directory/body.html",
        {
            "body": service.get_sectoral_body(db, body_id=body_id),
            "can_edit": has_permission(actor, Permission.BODY_EDIT),
        },
    )


@browse.get("/directory/partners")
def dialogue_partners(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """ASEAN's dialogue partners."""
    return templating.render(
        request,
        "community/directory/partners.html",
        {
            "partners": service.list_dialogue_partners(db),
            "can_edit": has_permission(actor, Permission.STATE_EDIT),
        },
    )


router = APIRouter()
# Admin forms first, so /directory/organisations/new is not read as an organisation id.
router.include_router(admin_pages.router)
router.include_router(browse)
router.include_router(documents_pages.router)
