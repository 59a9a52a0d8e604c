"""The community directory: member states, pillars, sectoral bodies, dialogue partners and
organisations, and who may edit which of them."""

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.models import (
    DialoguePartner,
    MemberState,
    Organisation,
    OrganisationKind,
    User,
)
from aseancyber.access.permissions import PLATFORM_WIDE
from aseancyber.access.policy import Actor
from aseancyber.access.rules import Action, may
from aseancyber.community.models import Pillar, SectoralBody, body_membership
from aseancyber.community.schemas import (
    CONTACT_FIELDS,
    DialoguePartnerWrite,
    DirectoryCounts,
    MemberStateWrite,
    OrganisationCreate,
    OrganisationRead,
    OrganisationUpdate,
    SectoralBodySummary,
    SectoralBodyWrite,
    UserSummary,
)
from aseancyber.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from aseancyber.shaping import shaped
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate


def has_nul(*values: str | None) -> bool:
    """Whether any value holds a NUL character, which PostgreSQL text cannot store or compare."""
    return any(value is not None and "\x00" in value for value in values)


def like_pattern(text: str) -> str:
    """A case-insensitive LIKE pattern matching ``text`` anywhere, wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains_text(text: str, *columns: Any) -> ColumnElement[bool]:
    """Rows where any of ``columns`` contains ``text`` (case-insensitive, wildcards literal)."""
    pattern = like_pattern(text)
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


def _taken(db: Session, model: type[Any], field: str, value: str, own_id: str | None) -> bool:
    column = getattr(model, field)
    found = db.scalar(select(model.id).where(func.lower(column) == value.lower()))
    return found is not None and found != own_id


def _refuse_duplicates(
    db: Session, model: type[Any], values: dict[str, str], own_id: str | None = None
) -> None:
    problems = [
        FieldProblem(field, "is already used by another record")
        for field, value in values.items()
        if _taken(db, model, field, value, own_id)
    ]
    if problems:
        raise Invalid(problems)


# --- member states -----------------------------------------------------------------------------


def list_member_states(db: Session) -> list[MemberState]:
    """Every member state, by name (states are data: a new member is one more row)."""
    return list(db.scalars(select(MemberState).order_by(MemberState.name)))


def get_member_state(db: Session, *, iso2: str) -> MemberState:
    """The member state with ISO 3166 code ``iso2``, or NotFound."""
    if has_nul(iso2):
        raise NotFound("member state")
    state = db.scalar(select(MemberState).where(MemberState.iso2 == iso2.strip().upper()))
    if state is None:
        raise NotFound("member state")
    return state


def create_member_state(db: Session, *, data: MemberStateWrite) -> MemberState:
    """Add a member state (for example on accession)."""
    _refuse_duplicates(db, MemberState, {"name": data.name, "iso2": data.iso2, "iso3": data.iso3})
    state = MemberState(**data.model_dump())
    db.add(state)
    db.flush()
    return state


def update_member_state(db: Session, *, iso2: str, data: MemberStateWrite) -> MemberState:
    """Replace a member state's details."""
    state = get_member_state(db, iso2=iso2)
    _refuse_duplicates(
        db, MemberState, {"name": data.name, "iso2": data.iso2, "iso3": data.iso3}, state.id
    )
    for field, value in data.model_dump().items():
        setattr(state, field, value)
    db.flush()
    return state


# --- pillars and sectoral bodies ---------------------------------------------------------------


def list_pillars(db: Session) -> list[Pillar]:
    """The ASEAN community pillars, by code."""
    return list(db.scalars(select(Pillar).order_by(Pillar.code)))


def list_sectoral_bodies(db: Session, *, pillar_code: str | None = None) -> list[SectoralBody]:
    """Sectoral bodies by name, optionally those of one pillar."""
    statement = select(SectoralBody).order_by(SectoralBody.name)
    if pillar_code:
        if has_nul(pillar_code):
            return []
        statement = statement.join(Pillar).where(Pillar.code == pillar_code.strip().upper())
    return list(db.scalars(statement))


def get_sectoral_body(db: Session, *, body_id: str) -> SectoralBody:
    """One sectoral body, or NotFound."""
    body = None if has_nul(body_id) else db.get(SectoralBody, body_id)
    if body is None:
        raise NotFound("sectoral body")
    return body


def _organisations_by_id(db: Session, ids: list[str], field: str) -> list[Organisation]:
    wanted = sorted(set(ids))
    found = list(db.scalars(select(Organisation).where(Organisation.id.in_(wanted))))
    if len(found) != len(wanted):
        raise Invalid("names an organisation that does not exist", field)
    return found


def _apply_body(db: Session, body: SectoralBody, data: SectoralBodyWrite) -> None:
    if data.pillar_id is not None and db.get(Pillar, data.pillar_id) is None:
        raise Invalid("is not a known pillar", "pillar_id")
    members = _organisations_by_id(db, data.member_ids, "member_ids")
    before = sorted(member.id for member in body.members)
    body.code = data.code
    body.name = data.name
    body.pillar_id = data.pillar_id
    body.remit = data.remit
    body.members = sorted(members, key=lambda organisation: organisation.name)
    db.flush()
    after = sorted(member.id for member in members)
    if before != after:
        # Membership lives in an association table the row-change hook does not see.
        audit.record(
            db,
            action="sectoral_body.members_changed",
            record_kind="sectoral_body",
            record_id=body.id,
            changed_fields=["members"],
            before={"members": before},
            after={"members": after},
        )


def create_sectoral_body(db: Session, *, data: SectoralBodyWrite) -> SectoralBody:
    """Add a sectoral body with its member organisations."""
    _refuse_duplicates(db, SectoralBody, {"code": data.code, "name": data.name})
    body = SectoralBody(code=data.code, name=data.name)
    db.add(body)
    _apply_body(db, body, data)
    return body


def update_sectoral_body(db: Session, *, body_id: str, data: SectoralBodyWrite) -> SectoralBody:
    """Replace a sectoral body's details and its member organisations."""
    body = get_sectoral_body(db, body_id=body_id)
    _refuse_duplicates(db, SectoralBody, {"code": data.code, "name": data.name}, body.id)
    _apply_body(db, body, data)
    return body


# --- dialogue partners -------------------------------------------------------------------------


def list_dialogue_partners(db: Session) -> list[DialoguePartner]:
    """ASEAN's dialogue partners, by name."""
    return list(db.scalars(select(DialoguePartner).order_by(DialoguePartner.name)))


def get_dialogue_partner(db: Session, *, partner_id: str) -> DialoguePartner:
    """One dialogue partner, or NotFound."""
    partner = None if has_nul(partner_id) else db.get(DialoguePartner, partner_id)
    if partner is None:
        raise NotFound("dialogue partner")
    return partner


def create_dialogue_partner(db: Session, *, data: DialoguePartnerWrite) -> DialoguePartner:
    """Add a dialogue partner."""
    _refuse_duplicates(db, DialoguePartner, {"name": data.name, "code": data.code})
    partner = DialoguePartner(name=data.name, code=data.code)
    db.add(partner)
    db.flush()
    return partner


def update_dialogue_partner(
    db: Session, *, partner_id: str, data: DialoguePartnerWrite
) -> DialoguePartner:
    """Rename or recode a dialogue partner."""
    partner = get_dialogue_partner(db, partner_id=partner_id)
    _refuse_duplicates(db, DialoguePartner, {"name": data.name, "code": data.code}, partner.id)
    partner.name = data.name
    partner.code = data.code
    db.flush()
    return partner


# --- organisations -----------------------------------------------------------------------------


def list_organisations(
    db: Session,
    *,
    kind: OrganisationKind | None = None,
    state_iso2: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Organisation]:
    """One page of organisations by name, filtered by kind, member state and a name search."""
    if has_nul(q):
        raise Invalid("may not contain NUL characters", "q")
    statement = select(Organisation)
    if kind is not None:
        statement = statement.where(Organisation.kind == kind)
    if state_iso2:
        state = get_member_state_or_invalid(db, iso2=state_iso2)
        statement = statement.where(Organisation.member_state_id == state.id)
    if q and q.strip():
        statement = statement.where(
            contains_text(q.strip(), Organisation.name, Organisation.short_name)
        )
    return paginate(
        db, statement, keys=[Organisation.name, Organisation.id], cursor=cursor, limit=limit
    )


def get_member_state_or_invalid(db: Session, *, iso2: str) -> MemberState:
    """The member state a filter names; an unknown code is bad input, not a missing page."""
    try:
        return get_member_state(db, iso2=iso2)
    except NotFound as error:
        raise Invalid("is not the ISO code of a member state", "state") from error


def all_organisations(db: Session) -> list[Organisation]:
    """Every organisation by name (for choosing members and audiences)."""
    return list(db.scalars(select(Organisation).order_by(Organisation.name)))


def get_organisation(db: Session, *, organisation_id: str) -> Organisation:
    """One organisation, or NotFound."""
    organisation = None if has_nul(organisation_id) else db.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("organisation")
    return organisation


def bodies_of(db: Session, *, organisation: Organisation) -> list[SectoralBody]:
    """The sectoral bodies ``organisation`` takes part in."""
    return list(
        db.scalars(
            select(SectoralBody)
            .join(body_membership, body_membership.c.sectoral_body_id == SectoralBody.id)
            .where(body_membership.c.organisation_id == organisation.id)
            .order_by(SectoralBody.name)
        )
    )


def users_of(db: Session, *, reader: Actor, organisation: Organisation) -> list[User] | None:
    """The organisation's active users, for community members only (``None`` for others)."""
    if not reader.is_community:
        return None
    return list(
        db.scalars(
            select(User)
            .where(User.organisation_id == organisation.id, User.is_active.is_(True))
            .order_by(User.display_name)
        )
    )


def organisation_read(
    db: Session, *, reader: Actor, organisation: Organisation
) -> OrganisationRead:
    """The REST view of one organisation as ``reader`` may see it."""
    users = users_of(db, reader=reader, organisation=organisation)
    return shaped(
        OrganisationRead,
        organisation,
        member_state_iso2=organisation.member_state.iso2 if organisation.member_state else None,
        sectoral_bodies=[
            SectoralBodySummary.model_validate(body)
            for body in bodies_of(db, organisation=organisation)
        ],
        users=None if users is None else [UserSummary.model_validate(u) for u in users],
    )


def _check_references(
    db: Session, *, member_state_id: str | None, dialogue_partner_id: str | None
) -> None:
    problems = []
    if member_state_id is not None and db.get(MemberState, member_state_id) is None:
        problems.append(FieldProblem("member_state_id", "is not a known member state"))
    if dialogue_partner_id is not None and db.get(DialoguePartner, dialogue_partner_id) is None:
        problems.append(FieldProblem("dialogue_partner_id", "is not a known dialogue partner"))
    if problems:
        raise Invalid(problems)


def create_organisation(db: Session, *, data: OrganisationCreate) -> Organisation:
    """Add an organisation to the directory."""
    _refuse_duplicates(db, Organisation, {"name": data.name})
    _check_references(
        db, member_state_id=data.member_state_id, dialogue_partner_id=data.dialogue_partner_id
    )
    organisation = Organisation(**data.model_dump())
    db.add(organisation)
    db.flush()
    return organisation


def editable_fields(actor: Actor) -> frozenset[str] | None:
    """The organisation fields ``actor`` may change; ``None`` means every field."""
    return None if actor.roles & PLATFORM_WIDE else CONTACT_FIELDS


def update_organisation(
    db: Session, *, actor: Actor, organisation_id: str, data: OrganisationUpdate
) -> Organisation:
    """Change an organisation, refusing a stale version and fields the actor may not touch."""
    organisation = get_organisation(db, organisation_id=organisation_id)
    if not may(actor, Action.EDIT, organisation):
        raise Forbidden("only a platform admin or this organisation's admins may edit it")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    allowed = editable_fields(actor)
    if allowed is not None and not set(changes) <= allowed:
        refused = ", ".join(sorted(set(changes) - allowed))
        raise Forbidden(f"organisation admins may change only email and website, not {refused}")
    if data.version != organisation.version:
        raise Conflict(
            f"someone else changed this organisation since you loaded it (you loaded version "
            f"{data.version}, it is now version {organisation.version}); reload and apply "
            "your change again"
        )
    for field in ("name", "short_name", "kind"):
        if field in changes and changes[field] is None:
            raise Invalid("may not be empty", field)
    if "name" in changes:
        _refuse_duplicates(db, Organisation, {"name": changes["name"]}, organisation.id)
    _check_references(
        db,
        member_state_id=changes.get("member_state_id"),
        dialogue_partner_id=changes.get("dialogue_partner_id"),
    )
    for field, value in changes.items():
        setattr(organisation, field, value)
    db.flush()
    return organisation


def counts(db: Session) -> DirectoryCounts:
    """How many states, organisations, bodies and partners the directory holds."""

    def count(model: type[Any]) -> int:
        return db.scalar(select(func.count()).select_from(model)) or 0

    return DirectoryCounts(
        member_states=count(MemberState),
        organisations=count(Organisation),
        sectoral_bodies=count(SectoralBody),
        dialogue_partners=count(DialoguePartner),
    )


def organisations_by_state(db: Session) -> dict[str, int]:
    """How many organisations each member state has, by state id."""
    rows = db.execute(
        select(Organisation.member_state_id, func.count())
        .where(Organisation.member_state_id.is_not(None))
        .group_by(Organisation.member_state_id)
    ).all()
    return {state_id: number for state_id, number in rows if state_id is not None}
