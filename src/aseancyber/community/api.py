"""REST routes for the community directory under /api/v1.

Public reference data (no sign-in): member states, pillars, and the list of sectoral
bodies. Everything else (organisations, a body's member organisations, dialogue partners)
needs a signed-in user or an API token and answers 401 otherwise. List endpoints return
``{"items": [...], "next_cursor": ...}``; only organisations are long enough to page.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from aseancyber.access.dependencies import CurrentActor, DbSession, require
from aseancyber.access.models import OrganisationKind
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor
from aseancyber.community import documents_api, service
from aseancyber.community.models import SectoralBody
from aseancyber.community.schemas import (
    DialoguePartnerRead,
    DialoguePartnerWrite,
    ItemPage,
    MemberStateRead,
    MemberStateWrite,
    OrganisationCreate,
    OrganisationRead,
    OrganisationSummary,
    OrganisationUpdate,
    PillarRead,
    SectoralBodyDetail,
    SectoralBodyRead,
    SectoralBodyWrite,
)
from aseancyber.web.listing import PageCursor, PageLimit
from aseancyber.web.pagination import DEFAULT_LIMIT

directory = APIRouter(prefix="/api/v1", tags=["community"])

StateEditor = Annotated[Actor, Depends(require(Permission.STATE_EDIT))]
BodyEditor = Annotated[Actor, Depends(require(Permission.BODY_EDIT))]
OrganisationCreator = Annotated[Actor, Depends(require(Permission.ORGANISATION_CREATE))]
OrganisationEditor = Annotated[Actor, Depends(require(Permission.ORGANISATION_EDIT))]


# --- member states and pillars (public) --------------------------------------------------------


@directory.get("/member-states")
def list_member_states(db: DbSession) -> ItemPage[MemberStateRead]:
    """Every ASEAN member state with its ISO codes and date of accession."""
    return ItemPage(
        items=[MemberStateRead.model_validate(s) for s in service.list_member_states(db)]
    )


@directory.get("/member-states/{iso2}")
def get_member_state(iso2: str, db: DbSession) -> MemberStateRead:
    """One member state by its ISO 3166 alpha-2 code."""
    return MemberStateRead.model_validate(service.get_member_state(db, iso2=iso2))


@directory.post("/member-states", status_code=201)
def create_member_state(
    body: MemberStateWrite, db: DbSession, _actor: StateEditor
) -> MemberStateRead:
    """Add a member state (platform admins)."""
    return MemberStateRead.model_validate(service.create_member_state(db, data=body))


@directory.put("/member-states/{iso2}")
def update_member_state(
    iso2: str, body: MemberStateWrite, db: DbSession, _actor: StateEditor
) -> MemberStateRead:
    """Replace a member state's details (platform admins)."""
    return MemberStateRead.model_validate(service.update_member_state(db, iso2=iso2, data=body))


@directory.get("/pillars")
def list_pillars(db: DbSession) -> ItemPage[PillarRead]:
    """The three ASEAN community pillars."""
    return ItemPage(items=[PillarRead.model_validate(p) for p in service.list_pillars(db)])


# --- sectoral bodies ---------------------------------------------------------------------------


def _body_detail(body: SectoralBody) -> SectoralBodyDetail:
    return SectoralBodyDetail(
        **SectoralBodyRead.model_validate(body).model_dump(),
        members=[
            OrganisationSummary(
                id=member.id,
                name=member.name,
                short_name=member.short_name,
                kind=member.kind,
                member_state_iso2=member.member_state.iso2 if member.member_state else None,
            )
            for member in body.members
        ],
    )


@directory.get("/sectoral-bodies")
def list_sectoral_bodies(
    db: DbSession, pillar: Annotated[str | None, Query(max_length=10)] = None
) -> ItemPage[SectoralBodyRead]:
    """Sectoral bodies (public); their member organisations are on the detail route."""
    bodies = service.list_sectoral_bodies(db, pillar_code=pillar)
    return ItemPage(items=[SectoralBodyRead.model_validate(b) for b in bodies])


@directory.get("/sectoral-bodies/{body_id}")
def get_sectoral_body(body_id: str, db: DbSession, _actor: CurrentActor) -> SectoralBodyDetail:
    """One sectoral body with the organisations that take part in it."""
    return _body_detail(service.get_sectoral_body(db, body_id=body_id))


@directory.post("/sectoral-bodies", status_code=201)
def create_sectoral_body(
    body: SectoralBodyWrite, db: DbSession, _actor: BodyEditor
) -> SectoralBodyDetail:
    """Add a sectoral body (platform admins and regional coordinators)."""
    return _body_detail(service.create_sectoral_body(db, data=body))


@directory.put("/sectoral-bodies/{body_id}")
def update_sectoral_body(
    body_id: str, body: SectoralBodyWrite, db: DbSession, _actor: BodyEditor
) -> SectoralBodyDetail:
    """Replace a sectoral body's details and members (platform admins, regional coordinators)."""
    return _body_detail(service.update_sectoral_body(db, body_id=body_id, data=body))


# --- dialogue partners -------------------------------------------------------------------------


@directory.get("/dialogue-partners")
def list_dialogue_partners(db: DbSession, _actor: CurrentActor) -> ItemPage[DialoguePartnerRead]:
    """ASEAN's dialogue partners."""
    partners = service.list_dialogue_partners(db)
    return ItemPage(items=[DialoguePartnerRead.model_validate(p) for p in partners])


@directory.post("/dialogue-partners", status_code=201)
def create_dialogue_partner(
    body: DialoguePartnerWrite, db: DbSession, _actor: StateEditor
) -> DialoguePartnerRead:
    """Add a dialogue partner (platform admins)."""
    return DialoguePartnerRead.model_validate(service.create_dialogue_partner(db, data=body))


@directory.put("/dialogue-partners/{partner_id}")
def update_dialogue_partner(
    partner_id: str, body: DialoguePartnerWrite, db: DbSession, _actor: StateEditor
) -> DialoguePartnerRead:
    """Rename or recode a dialogue partner (platform admins)."""
    partner = service.update_dialogue_partner(db, partner_id=partner_id, data=body)
    return DialoguePartnerRead.model_validate(partner)


# --- organisations -----------------------------------------------------------------------------


@directory.get("/organisations")
def list_organisations(
    *,
    db: DbSession,
    _actor: CurrentActor,
    kind: OrganisationKind | None = None,
    state: Annotated[str | None, Query(max_length=2, description="ISO alpha-2 code")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Name or short name")] = None,
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> ItemPage[OrganisationSummary]:
    """Organisations by name, filtered by kind and member state, searched by name."""
    page = service.list_organisations(
        db, kind=kind, state_iso2=state, q=q, cursor=cursor, limit=limit
    )
    return ItemPage(
        items=[
            OrganisationSummary(
                id=o.id,
                name=o.name,
                short_name=o.short_name,
                kind=o.kind,
                member_state_iso2=o.member_state.iso2 if o.member_state else None,
            )
            for o in page.items
        ],
        next_cursor=page.next_cursor,
    )


@directory.get("/organisations/{organisation_id}")
def get_organisation(organisation_id: str, db: DbSession, actor: CurrentActor) -> OrganisationRead:
    """One organisation; its users are listed for community members only."""
    organisation = service.get_organisation(db, organisation_id=organisation_id)
    return service.organisation_read(db, reader=actor, organisation=organisation)


@directory.post("/organisations", status_code=201)
def create_organisation(
    body: OrganisationCreate, db: DbSession, actor: OrganisationCreator
) -> OrganisationRead:
    """Add an organisation (platform admins)."""
    organisation = service.create_organisation(db, data=body)
    return service.organisation_read(db, reader=actor, organisation=organisation)


@directory.patch("/organisations/{organisation_id}")
def update_organisation(
    organisation_id: str, body: OrganisationUpdate, db: DbSession, actor: OrganisationEditor
) -> OrganisationRead:
    """Change an organisation; send the ``version`` you loaded (409 if it changed since).

    Platform admins may change every field; organisation admins only their own
    organisation's ``email`` and ``website`` (403 otherwise).
    """
    organisation = service.update_organisation(
        db, actor=actor, organisation_id=organisation_id, data=body
    )
    return service.organisation_read(db, reader=actor, organisation=organisation)


router = APIRouter()
router.include_router(directory)
router.include_router(documents_api.router)
