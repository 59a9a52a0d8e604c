"""Initiatives: list, read, register, edit, delete, always through the visibility policy.

Every query starts from :func:`visible_statement`, which adds ``visible_to(reader,
Initiative)``; an initiative the reader may not see is NotFound on every path and is never
counted. Registering or changing one re-runs duplicate detection for it
(:mod:`aseancyber.initiatives.overlaps.service`).
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import (
    Actor,
    Audience,
    Reader,
    audience_of,
    visible_to,
)
from aseancyber.access.rules import Action, may
from aseancyber.access.shareable import (
    audience_for_create,
    audience_for_update,
    check_relabel,
    count_rows,
    get_visible,
    require_version,
    share_with,
)
from aseancyber.community.models import Pillar, SectoralBody
from aseancyber.community.service import contains_text
from aseancyber.errors import Forbidden, Invalid, NotFound
from aseancyber.initiatives.checks import check_consistency, check_row, resolve_codes
from aseancyber.initiatives.detection import live_index
from aseancyber.initiatives.filters import InitiativeFilters, parse_filters
from aseancyber.initiatives.models import Initiative, InitiativeTag, TagKind
from aseancyber.initiatives.norm_links import service as norm_links
from aseancyber.initiatives.overlaps import notices as overlap_notices
from aseancyber.initiatives.overlaps import service as overlaps
from aseancyber.initiatives.overlaps.models import Overlap
from aseancyber.initiatives.schemas import (
    InitiativeCreate,
    InitiativeListItem,
    InitiativeRead,
    InitiativeUpdate,
)
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate

__all__ = ["InitiativeFilters", "check_row", "parse_filters"]

# Facets written through the tag table: schema field -> tag kind.
TAG_FIELDS: dict[str, TagKind] = {
    "beneficiary_states": TagKind.STATE,
    "other_beneficiaries": TagKind.OTHER_BENEFICIARY,
    "themes": TagKind.THEME,
    "target_audience": TagKind.AUDIENCE,
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
    """The initiatives ``reader`` may see that match ``filters`` (the one entry point); one
    merged into another has left the registry's lists (its page still says where it went)."""
    statement = select(Initiative).where(
        visible_to(reader, Initiative), Initiative.merged_into_id.is_(None)
    )
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
        statement = statement.where(norm_links.addresses(filters.norm))
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
    return count_rows(db, visible_statement(reader, filters))


def all_visible(
    db: Session, *, reader: Reader, filters: InitiativeFilters = InitiativeFilters()
) -> list[Initiative]:
    """Every visible initiative matching ``filters`` (for exports, gaps and the report)."""
    statement = visible_statement(reader, filters).order_by(Initiative.start_on, Initiative.id)
    return list(db.scalars(statement).unique())


def get_or_404(db: Session, *, reader: Reader, initiative_id: str) -> Initiative:
    """The initiative, if ``reader`` may see it; NotFound otherwise (never told apart)."""
    return get_visible(db, reader, Initiative, initiative_id, what="initiative")


# --- writing -----------------------------------------------------------------------------------


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


def create(db: Session, *, actor: Actor, data: InitiativeCreate, detect: bool = True) -> Initiative:
    """Register an initiative owned by the actor's organisation, then look for duplicates."""
    if not may(actor, Action.CREATE, Initiative):
        raise Forbidden("registering initiatives needs the contributor or coordinator role")
    check_consistency(data.start_on, data.end_on, data.budget_amount, data.budget_currency)
    fields = data.model_dump()
    resolved = resolve_codes(db, fields)
    audience = audience_for_create(db, data)
    norms = norm_links.resolve(db, data.norms)
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
    norm_links.set_links(initiative, norms)
    db.add(initiative)
    db.flush()
    share_with(db, initiative, audience)
    if detect:
        _detect_and_notify(db, initiative.id)
    live_index.record_change(db, initiative_ids=[initiative.id])
    return initiative


def _detect_and_notify(db: Session, initiative_id: str) -> None:
    flagged: list[Overlap] = []
    overlaps.detect_for(db, initiative_ids=[initiative_id], flagged=flagged)
    overlap_notices.notify_owners(db, flagged=flagged, changed_ids={initiative_id})


def update(  # noqa: PLR0912 - each rule of an edit is one branch
    db: Session, *, actor: Actor, initiative_id: str, data: InitiativeUpdate
) -> Initiative:
    """Edit an initiative: content by its owner, a raised label by anyone who can see it."""
    initiative = get_or_404(db, reader=actor, initiative_id=initiative_id)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if set(changes) - SHARING_FIELDS and not may(actor, Action.EDIT, initiative):
        raise Forbidden(
            "only contributors and coordinators of the owner organisation may edit this "
            "initiative; others may only raise its label"
        )
    if "tlp" in changes:
        if changes["tlp"] is not None and not may(actor, Action.RELABEL, initiative):
            raise Forbidden("changing a label needs the contributor or coordinator role")
        check_relabel(actor, initiative, changes["tlp"])
    for field in ("title", "status"):
        if field in changes and changes[field] is None:
            raise Invalid("may not be empty", field)
    require_version(initiative, data.version, what="initiative")
    check_consistency(
        changes.get("start_on", initiative.start_on),
        changes.get("end_on", initiative.end_on),
        changes.get("budget_amount", initiative.budget_amount),
        changes.get("budget_currency", initiative.budget_currency) or "",
    )
    resolved = resolve_codes(db, changes)
    audience, audience_given = audience_for_update(db, initiative, changes)
    norms = norm_links.resolve(db, changes.get("norms") or [])
    for field, value in changes.items():
        if field in TAG_FIELDS:
            _set_tags(initiative, field, value or [])
        elif field == "norms":
            norm_links.set_links(initiative, norms)
        elif field in {"sectoral_body", "pillar"}:
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
        share_with(db, initiative, audience)
    if set(changes) & DETECTION_FIELDS:
        _detect_and_notify(db, initiative.id)
        live_index.record_change(db, initiative_ids=[initiative.id])
    return initiative


def delete(db: Session, *, actor: Actor, initiative_id: str) -> None:
    """Remove an initiative, its facets, audience and overlaps (owner organisation only)."""
    initiative = get_or_404(db, reader=actor, initiative_id=initiative_id)
    if not may(actor, Action.DELETE, initiative):
        raise Forbidden(
            "only contributors and coordinators of the owner organisation may delete it"
        )
    overlaps.forget(db, initiative_id=initiative.id)
    share_with(db, initiative, Audience())
    db.delete(initiative)
    db.flush()
    live_index.record_change(db, initiative_ids=[initiative_id])


def still_visible(db: Session, *, reader: Reader, initiative: Initiative) -> bool:
    """Whether ``reader`` still sees ``initiative`` (a raised label can take it out of reach)."""
    try:
        get_visible(db, reader, Initiative, initiative.id, what="initiative")
    except NotFound:
        return False
    return True


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
        norms=initiative.norm_references,
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
        other_beneficiaries=initiative.other_beneficiaries,
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
