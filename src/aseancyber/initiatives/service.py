"""Initiatives: list, read, register, edit, delete, always through the visibility policy.

Every query starts from :func:`visible_statement`, which adds ``visible_to(reader,
Initiative)``; an initiative the reader may not see is NotFound on every path and is never
counted. Registering or changing one re-runs duplicate detection for it
(:mod:`aseancyber.initiatives.overlaps`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from aseancyber.access.permissions import Permission, permissions_of
from aseancyber.access.policy import (
    Actor,
    LabelChangeRefused,
    Reader,
    Tlp,
    audience_of,
    can_see,
    check_label_change,
    set_audience,
    visible_to,
)
from aseancyber.community.models import MemberState, Organisation, Pillar, SectoralBody, User
from aseancyber.community.service import contains_text, has_nul
from aseancyber.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from aseancyber.initiatives import overlaps
from aseancyber.initiatives.models import (
    NORM_LETTERS,
    AudienceKind,
    Initiative,
    InitiativeStatus,
    InitiativeTag,
    TagKind,
    Theme,
)
from aseancyber.initiatives.schemas import (
    InitiativeCreate,
    InitiativeListItem,
    InitiativeRead,
    InitiativeUpdate,
)
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate

# Facets written through the tag table: schema field -> tag kind.
TAG_FIELDS: dict[str, TagKind] = {
    "beneficiary_states": TagKind.STATE,
    "themes": TagKind.THEME,
    "target_audience": TagKind.AUDIENCE,
    "norms": TagKind.NORM,
    "statement_clauses": TagKind.CLAUSE,
    "funders": TagKind.FUNDER,
    "implementers": TagKind.IMPLEMENTER,
    "partners": TagKind.PARTNER,
}
# Changing any of these may change which initiatives it duplicates.
DETECTION_FIELDS = frozenset(
    {
        "title",
        "summary",
        "activities",
        "start_on",
        "end_on",
        "sectoral_body",
        "programme",
        "beneficiary_states",
        "themes",
        "target_audience",
    }
)
SHARING_FIELDS = frozenset({"tlp"})


@dataclass(frozen=True)
class InitiativeFilters:
    q: str | None = None
    state: str | None = None
    theme: Theme | None = None
    audience: AudienceKind | None = None
    norm: str | None = None
    body: str | None = None
    pillar: str | None = None
    programme: str | None = None
    status: InitiativeStatus | None = None
    year: int | None = None
    tlp: Tlp | None = None
    owner: str | None = None

    def any(self) -> bool:
        return any(value is not None for value in self.__dict__.values())


def _enum_or_problem(kind: Any, value: str, field: str, problems: list[FieldProblem]) -> Any:
    try:
        return kind(value.strip())
    except ValueError:
        problems.append(FieldProblem(field, "must be one of " + ", ".join(k.value for k in kind)))
        return None


def parse_filters(**raw: str | None) -> InitiativeFilters:
    """Filters from query-string text: empty means "any", unknown values are bad input."""
    problems = [
        FieldProblem(name, "may not contain NUL characters")
        for name, v in raw.items()
        if has_nul(v)
    ]
    if problems:
        raise Invalid(problems)
    values = {name: (value or "").strip() for name, value in raw.items()}
    parsed: dict[str, Any] = {}
    for name, kind in (
        ("theme", Theme),
        ("audience", AudienceKind),
        ("status", InitiativeStatus),
    ):
        if values.get(name):
            parsed[name] = _enum_or_problem(kind, values[name], name, problems)
    if values.get("tlp"):
        text = values["tlp"].upper().replace(" ", "+")
        text = text if text.startswith("TLP:") else "TLP:" + text
        parsed["tlp"] = _enum_or_problem(Tlp, text, "tlp", problems)
    if values.get("norm"):
        norm = values["norm"].lower().strip("()")
        if norm not in NORM_LETTERS:
            problems.append(FieldProblem("norm", "must be a norm letter from a to k"))
        parsed["norm"] = norm
    if values.get("year"):
        if not values["year"].isdigit() or not 1990 <= int(values["year"]) <= 2100:
            problems.append(FieldProblem("year", "must be a year such as 2025"))
        else:
            parsed["year"] = int(values["year"])
    if problems:
        raise Invalid(problems)
    return InitiativeFilters(
        q=values.get("q", "")[:200] or None,
        state=values.get("state", "").upper() or None,
        body=values.get("body", "").upper() or None,
        pillar=values.get("pillar", "").upper() or None,
        programme=values.get("programme") or None,
        owner=values.get("owner") or None,
        **parsed,
    )


def _has_tag(kind: TagKind, value: str) -> Any:
    return exists(
        select(InitiativeTag.id).where(
            InitiativeTag.initiative_id == Initiative.id,
            InitiativeTag.kind == kind,
            InitiativeTag.value == value,
        )
    )


def visible_statement(
    reader: Reader, filters: InitiativeFilters = InitiativeFilters()
) -> Select[tuple[Initiative]]:
    """The initiatives ``reader`` may see that match ``filters`` (the one entry point)."""
    statement = select(Initiative).where(visible_to(reader, Initiative))
    if filters.q:
        statement = statement.where(
            contains_text(
                filters.q,
                Initiative.title,
                Initiative.summary,
                Initiative.activities,
                Initiative.programme,
            )
        )
    if filters.state:
        statement = statement.where(_has_tag(TagKind.STATE, filters.state))
    if filters.theme:
        statement = statement.where(_has_tag(TagKind.THEME, filters.theme.value))
    if filters.audience:
        statement = statement.where(_has_tag(TagKind.AUDIENCE, filters.audience.value))
    if filters.norm:
        statement = statement.where(_has_tag(TagKind.NORM, filters.norm))
    if filters.body:
        statement = statement.where(
            Initiative.sectoral_body_id.in_(
                select(SectoralBody.id).where(func.upper(SectoralBody.code) == filters.body)
            )
        )
    if filters.pillar:
        statement = statement.where(
            Initiative.pillar_id.in_(select(Pillar.id).where(Pillar.code == filters.pillar))
        )
    if filters.programme:
        statement = statement.where(func.lower(Initiative.programme) == filters.programme.lower())
    if filters.status:
        statement = statement.where(Initiative.status == filters.status)
    if filters.year:
        first, last = date(filters.year, 1, 1), date(filters.year, 12, 31)
        statement = statement.where(
            Initiative.start_on.is_not(None),
            Initiative.start_on <= last,
            func.coalesce(Initiative.end_on, Initiative.start_on) >= first,
        )
    if filters.tlp:
        statement = statement.where(Initiative.tlp == filters.tlp)
    if filters.owner:
        statement = statement.where(Initiative.owner_organisation_id == filters.owner)
    return statement


def list_(
    db: Session,
    *,
    reader: Reader,
    filters: InitiativeFilters = InitiativeFilters(),
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Initiative]:
    """One page of the initiatives ``reader`` may see, newest first."""
    return paginate(
        db,
        visible_statement(reader, filters),
        keys=[Initiative.created_at, Initiative.id],
        cursor=cursor,
        limit=limit,
        descending=True,
    )


def count(db: Session, *, reader: Reader, filters: InitiativeFilters = InitiativeFilters()) -> int:
    """How many initiatives ``reader`` may see that match ``filters``."""
    subquery = visible_statement(reader, filters).subquery()
    return db.scalar(select(func.count()).select_from(subquery)) or 0


def all_visible(
    db: Session, *, reader: Reader, filters: InitiativeFilters = InitiativeFilters()
) -> list[Initiative]:
    """Every visible initiative matching ``filters`` (for exports, gaps and the report)."""
    statement = visible_statement(reader, filters).order_by(Initiative.start_on, Initiative.id)
    return list(db.scalars(statement).unique())


def get_or_404(db: Session, *, reader: Reader, initiative_id: str) -> Initiative:
    """The initiative, if ``reader`` may see it; NotFound otherwise (never told apart)."""
    initiative = None
    if not has_nul(initiative_id) and len(initiative_id) <= 36:
        initiative = db.scalar(
            select(Initiative).where(Initiative.id == initiative_id, visible_to(reader, Initiative))
        )
    if initiative is None:
        raise NotFound("initiative")
    return initiative


# --- writing -----------------------------------------------------------------------------------


def may_create(actor: Reader) -> bool:
    return actor is not None and Permission.RECORD_CREATE in permissions_of(actor.roles)


def may_edit(actor: Reader, initiative: Initiative) -> bool:
    """Contributors and coordinators of the owner organisation edit an initiative."""
    return (
        actor is not None
        and actor.organisation_id == initiative.owner_organisation_id
        and Permission.RECORD_CREATE in permissions_of(actor.roles)
    )


def _resolve_codes(db: Session, data: dict[str, Any]) -> dict[str, Any]:  # noqa: PLR0912
    """Check states, pillar and body codes; returns the ids to store."""
    problems: list[FieldProblem] = []
    resolved: dict[str, Any] = {}
    states = data.get("beneficiary_states")
    if states:
        known = set(db.scalars(select(MemberState.iso2).where(MemberState.iso2.in_(states))))
        unknown = sorted(set(states) - known)
        if unknown:
            problems.append(
                FieldProblem("beneficiary_states", f"unknown member state {', '.join(unknown)}")
            )
    body_id = None
    if "sectoral_body" in data:
        code = data["sectoral_body"]
        if code:
            body = db.scalar(
                select(SectoralBody).where(func.upper(SectoralBody.code) == code.upper())
            )
            if body is None:
                problems.append(
                    FieldProblem("sectoral_body", f"no sectoral body has the code {code}")
                )
            else:
                body_id = body.id
                resolved["sectoral_body_id"] = body.id
                if body.pillar_id and not data.get("pillar"):
                    resolved["pillar_id"] = body.pillar_id
        else:
            resolved["sectoral_body_id"] = None
    if "pillar" in data:
        code = data["pillar"]
        if code:
            pillar = db.scalar(select(Pillar).where(Pillar.code == code.upper()))
            if pillar is None:
                problems.append(FieldProblem("pillar", "must be APSC, AEC or ASCC"))
            else:
                resolved["pillar_id"] = pillar.id
        elif body_id is None:
            resolved["pillar_id"] = None
    if problems:
        raise Invalid(problems)
    return resolved


def _check_consistency(
    start: date | None, end: date | None, amount: Decimal | None, currency: str
) -> None:
    problems = []
    if start is not None and end is not None and end < start:
        problems.append(FieldProblem("end_on", "must not be before the start date"))
    if amount is not None and not currency:
        problems.append(
            FieldProblem("budget_currency", "is needed with a budget amount (e.g. USD)")
        )
    if problems:
        raise Invalid(problems)


def _check_audience(
    db: Session, organisation_ids: list[str], user_ids: list[str], label: Tlp
) -> None:
    problems = []
    if organisation_ids:
        found = set(
            db.scalars(select(Organisation.id).where(Organisation.id.in_(organisation_ids)))
        )
        if found != set(organisation_ids):
            problems.append(
                FieldProblem("audience_organisation_ids", "names an unknown organisation")
            )
    if user_ids:
        found = set(db.scalars(select(User.id).where(User.id.in_(user_ids))))
        if found != set(user_ids):
            problems.append(FieldProblem("audience_user_ids", "names an unknown user"))
    if label.needs_audience and not organisation_ids and not user_ids:
        problems.append(
            FieldProblem("audience_organisation_ids", "TLP:RED needs at least one named recipient")
        )
    if problems:
        raise Invalid(problems)


def _set_tags(initiative: Initiative, field: str, values: Sequence[Any]) -> None:
    kind = TAG_FIELDS[field]
    initiative.tags = [tag for tag in initiative.tags if tag.kind is not kind]
    seen: set[str] = set()
    for position, value in enumerate(values):
        text = value.value if hasattr(value, "value") else str(value)
        if text in seen:
            continue
        seen.add(text)
        initiative.tags.append(InitiativeTag(kind=kind, value=text, position=position))


def check_row(db: Session, data: InitiativeCreate) -> list[FieldProblem]:
    """Every problem :func:`create` would find in ``data``, without writing anything."""
    problems: list[FieldProblem] = []
    checks = (
        lambda: _check_consistency(
            data.start_on, data.end_on, data.budget_amount, data.budget_currency
        ),
        lambda: _resolve_codes(db, data.model_dump()),
        lambda: _check_audience(
            db, data.audience_organisation_ids, data.audience_user_ids, data.tlp
        ),
    )
    for check in checks:
        try:
            check()
        except Invalid as error:
            problems.extend(error.problems)
    return problems


def create(db: Session, *, actor: Actor, data: InitiativeCreate, detect: bool = True) -> Initiative:
    """Register an initiative owned by the actor's organisation, then look for duplicates."""
    if not may_create(actor):
        raise Forbidden("registering initiatives needs the contributor or coordinator role")
    _check_consistency(data.start_on, data.end_on, data.budget_amount, data.budget_currency)
    fields = data.model_dump()
    resolved = _resolve_codes(db, fields)
    _check_audience(db, data.audience_organisation_ids, data.audience_user_ids, data.tlp)
    initiative = Initiative(
        title=data.title,
        summary=data.summary,
        aims=data.aims,
        activities=data.activities,
        status=data.status,
        start_on=data.start_on,
        end_on=data.end_on,
        programme=data.programme,
        budget_amount=data.budget_amount,
        budget_currency=data.budget_currency,
        source_link=data.source_link,
        tlp=data.tlp,
        green_includes_external=data.green_includes_external,
        owner_organisation_id=actor.organisation_id,
        created_by_id=actor.user_id,
        sectoral_body_id=resolved.get("sectoral_body_id"),
        pillar_id=resolved.get("pillar_id"),
        tags=[],
    )
    for field in TAG_FIELDS:
        _set_tags(initiative, field, fields[field])
    db.add(initiative)
    db.flush()
    set_audience(
        db,
        initiative,
        organisation_ids=data.audience_organisation_ids,
        user_ids=data.audience_user_ids,
    )
    if detect:
        overlaps.detect_for(db, initiative_ids=[initiative.id])
    return initiative


def update(  # noqa: PLR0912 - each rule of an edit is one branch
    db: Session, *, actor: Actor, initiative_id: str, data: InitiativeUpdate
) -> Initiative:
    """Edit an initiative: content by its owner, a raised label by anyone who can see it."""
    initiative = get_or_404(db, reader=actor, initiative_id=initiative_id)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if set(changes) - SHARING_FIELDS and not may_edit(actor, initiative):
        raise Forbidden(
            "only contributors and coordinators of the owner organisation may edit this "
            "initiative; others may only raise its label"
        )
    if "tlp" in changes:
        if changes["tlp"] is None:
            raise Invalid("may not be empty", "tlp")
        if not may_create(actor):
            raise Forbidden("changing a label needs the contributor or coordinator role")
        try:
            check_label_change(actor, initiative, changes["tlp"])
        except LabelChangeRefused as error:
            raise Invalid(str(error), "tlp") from error
    for field in ("title", "status"):
        if field in changes and changes[field] is None:
            raise Invalid("may not be empty", field)
    if data.version != initiative.version:
        raise Conflict(
            f"someone else changed this initiative since you loaded it (you loaded version "
            f"{data.version}, it is now version {initiative.version}); reload and apply "
            "your change again"
        )
    _check_consistency(
        changes.get("start_on", initiative.start_on),
        changes.get("end_on", initiative.end_on),
        changes.get("budget_amount", initiative.budget_amount),
        changes.get("budget_currency", initiative.budget_currency) or "",
    )
    resolved = _resolve_codes(db, changes)
    audience = audience_of(db, initiative)
    organisations = changes.get("audience_organisation_ids")
    users = changes.get("audience_user_ids")
    audience_given = organisations is not None or users is not None
    organisations = list(audience.organisation_ids) if organisations is None else organisations
    users = list(audience.user_ids) if users is None else users
    _check_audience(db, organisations, users, changes.get("tlp") or initiative.tlp)
    for field, value in changes.items():
        if field in TAG_FIELDS:
            _set_tags(initiative, field, value or [])
        elif field in {"sectoral_body", "pillar"} or field.startswith("audience_"):
            continue
        elif field in {
            "summary",
            "aims",
            "activities",
            "programme",
            "source_link",
            "budget_currency",
        }:
            setattr(initiative, field, value or "")
        else:
            setattr(initiative, field, value)
    for field, value in resolved.items():
        setattr(initiative, field, value)
    db.flush()
    if audience_given:
        set_audience(db, initiative, organisation_ids=organisations, user_ids=users)
    if set(changes) & DETECTION_FIELDS:
        overlaps.detect_for(db, initiative_ids=[initiative.id])
    return initiative


def delete(db: Session, *, actor: Actor, initiative_id: str) -> None:
    """Remove an initiative, its facets, audience and overlaps (owner organisation only)."""
    initiative = get_or_404(db, reader=actor, initiative_id=initiative_id)
    if not may_edit(actor, initiative):
        raise Forbidden(
            "only contributors and coordinators of the owner organisation may delete it"
        )
    overlaps.forget(db, initiative_id=initiative.id)
    set_audience(db, initiative)
    db.delete(initiative)
    db.flush()


def still_visible(db: Session, *, reader: Reader, initiative: Initiative) -> bool:
    """Whether ``reader`` still sees ``initiative`` (a raised label can take it out of reach)."""
    return can_see(reader, initiative, audience_of(db, initiative))


# --- reading shapes ----------------------------------------------------------------------------


def list_item(initiative: Initiative) -> InitiativeListItem:
    """The list view of one (visible) initiative."""
    return InitiativeListItem(
        id=initiative.id,
        title=initiative.title,
        summary=initiative.summary,
        status=initiative.status,
        start_on=initiative.start_on,
        end_on=initiative.end_on,
        pillar=initiative.pillar.code if initiative.pillar else None,
        sectoral_body=initiative.sectoral_body.code if initiative.sectoral_body else None,
        programme=initiative.programme,
        beneficiary_states=initiative.states,
        themes=initiative.themes,
        target_audience=initiative.audience,
        norms=initiative.norms,
        tlp=initiative.tlp,
        owner_organisation_id=initiative.owner_organisation_id,
        owner_organisation_name=initiative.owner_organisation.name,
        created_at=initiative.created_at,
        updated_at=initiative.updated_at,
        version=initiative.version,
    )


def read(db: Session, *, initiative: Initiative) -> InitiativeRead:
    """The full view of one (visible) initiative."""
    audience = audience_of(db, initiative)
    return InitiativeRead(
        **list_item(initiative).model_dump(),
        aims=initiative.aims,
        activities=initiative.activities,
        statement_clauses=initiative.clauses,
        funders=initiative.funders,
        implementers=initiative.implementers,
        partners=initiative.partners,
        budget_amount=initiative.budget_amount,
        budget_currency=initiative.budget_currency,
        source_link=initiative.source_link,
        green_includes_external=initiative.green_includes_external,
        created_by_id=initiative.created_by_id,
        audience_organisation_ids=sorted(audience.organisation_ids),
        audience_user_ids=sorted(audience.user_ids),
    )
