"""Common positions: draft, share, revise in immutable versions, and start a new position
from an adopted one; always through the visibility policy.

Comments and proposed edits live in :mod:`aseancyber.positions.comments_service`; member
states' answers and consensus in :mod:`aseancyber.positions.consensus`.
"""

import secrets
from dataclasses import dataclass
from difflib import SequenceMatcher

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor, Reader, audience_of, visible_to
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
from aseancyber.community.service import contains_text, has_nul
from aseancyber.errors import Conflict, Forbidden, Invalid, NotFound
from aseancyber.notify.models import NotificationKind
from aseancyber.positions import adoption, readers
from aseancyber.positions.diff import Diff, diff_paragraphs
from aseancyber.positions.models import (
    Position,
    PositionParagraph,
    PositionStatus,
    PositionVersion,
)
from aseancyber.positions.schemas import (
    PositionCreate,
    PositionUpdate,
    TextRevision,
)
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate


@dataclass(frozen=True)
class PositionFilters:
    status: PositionStatus | None = None
    q: str | None = None


def parse_filters(*, status: str | None = None, q: str | None = None) -> PositionFilters:
    """Filters from query-string text: empty means "any", unknown values are bad input."""
    if has_nul(status, q):
        raise Invalid("may not contain NUL characters", "q")
    parsed = None
    if status:
        try:
            parsed = PositionStatus(status.strip())
        except ValueError as error:
            names = ", ".join(s.value for s in PositionStatus)
            raise Invalid(f"must be one of {names}", "status") from error
    return PositionFilters(status=parsed, q=(q or "").strip()[:200] or None)


def _visible(reader: Reader, filters: PositionFilters) -> Select[tuple[Position]]:
    statement = select(Position).where(visible_to(reader, Position))
    if filters.status is not None:
        statement = statement.where(Position.status == filters.status)
    if filters.q:
        statement = statement.where(
            contains_text(filters.q, Position.title, Position.summary, Position.occasion)
        )
    return statement


def list_(
    db: Session,
    *,
    reader: Reader,
    filters: PositionFilters = PositionFilters(),
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Position]:
    """One page of the positions ``reader`` may see, newest first."""
    return paginate(
        db,
        _visible(reader, filters),
        keys=[Position.created_at, Position.id],
        cursor=cursor,
        limit=limit,
        descending=True,
    )


def all_visible(
    db: Session, *, reader: Reader, filters: PositionFilters, limit: int
) -> list[Position]:
    """Every visible position matching ``filters`` (for exports), newest first."""
    statement = _visible(reader, filters).order_by(Position.created_at.desc(), Position.id)
    return list(db.scalars(statement.limit(limit)))


def count(db: Session, *, reader: Reader, filters: PositionFilters = PositionFilters()) -> int:
    """How many positions ``reader`` may see that match ``filters``."""
    return count_rows(db, _visible(reader, filters))


def get_or_404(db: Session, *, reader: Reader, position_id: str) -> Position:
    """The position, if ``reader`` may see it; NotFound otherwise (never told apart)."""
    return get_visible(db, reader, Position, position_id, what="position")


# --- who may do what ---------------------------------------------------------------------------


def require_drafting(position: Position) -> None:
    """Refuse a change to a position that is no longer being drafted."""
    if position.status is PositionStatus.ADOPTED:
        raise Conflict(
            f"this position was adopted by consensus (version {position.adopted_version}); its "
            "text can no longer change. Start a new position from it instead."
        )
    if position.status is not PositionStatus.DRAFTING:
        raise Conflict(f"this position is {position.status.value}; it can no longer change")


# --- creating and sharing ----------------------------------------------------------------------


def new_key() -> str:
    """A fresh key for a paragraph (kept by the paragraph across versions)."""
    return secrets.token_hex(4)


def _add_version(
    db: Session,
    *,
    position: Position,
    number: int,
    paragraphs: list[tuple[str, str]],
    actor: Actor,
    note: str,
) -> PositionVersion:
    version = PositionVersion(
        position_id=position.id, number=number, note=note, created_by_id=actor.user_id
    )
    version.paragraphs = [
        PositionParagraph(ordinal=index, key=key, text=text)
        for index, (key, text) in enumerate(paragraphs, start=1)
    ]
    db.add(version)
    db.flush()
    return version


def create(
    db: Session, *, actor: Actor, data: PositionCreate, derived_from_id: str | None = None
) -> Position:
    """Start drafting a position (version 1), owned by the actor's organisation."""
    if not may(actor, Action.CREATE, Position):
        raise Forbidden(
            "drafting a common position needs a contributor role in a member-state body or "
            "the ASEAN Secretariat"
        )
    audience = audience_for_create(db, data)
    position = Position(
        title=data.title,
        occasion=data.occasion,
        summary=data.summary,
        tlp=data.tlp,
        green_includes_external=data.green_includes_external,
        deadline=data.deadline,
        consensus_mode=data.consensus_mode,
        derived_from_id=derived_from_id,
        owner_organisation_id=actor.organisation_id,
        created_by_id=actor.user_id,
    )
    db.add(position)
    db.flush()
    share_with(db, position, audience)
    _add_version(
        db,
        position=position,
        number=1,
        paragraphs=[(new_key(), text) for text in data.paragraphs],
        actor=actor,
        note="First draft",
    )
    readers.tell(
        db,
        record=position,
        user_ids=readers.endorser_ids(db),
        kind=NotificationKind.POSITION,
        title=f"Common position open for comment: {position.title}",
        body="Member states are invited to comment, propose edits and answer for their state.",
        link=f"/positions/{position.id}",
        skip=actor.user_id,
    )
    return position


def update(db: Session, *, actor: Actor, position_id: str, data: PositionUpdate) -> Position:
    """Change a position's title, occasion, summary, deadline, label or audience (drafter)."""
    position = get_or_404(db, reader=actor, position_id=position_id)
    if not may(actor, Action.EDIT, position):
        raise Forbidden("only the drafting organisation may change this position")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    require_version(position, data.version, what="position")
    sharing = {"tlp", "green_includes_external", "audience_organisation_ids", "audience_user_ids"}
    if set(changes) - sharing:
        require_drafting(position)
    if "consensus_mode" in changes:
        if changes["consensus_mode"] is None:
            raise Invalid("may not be empty", "consensus_mode")
        adoption.require_no_open_silence(db, position=position)
    if "title" in changes and changes["title"] is None:
        raise Invalid("may not be empty", "title")
    if "tlp" in changes:
        check_relabel(actor, position, changes["tlp"])
    audience, _ = audience_for_update(db, position, changes)
    for field, value in changes.items():
        setattr(
            position, field, "" if value is None and field in {"occasion", "summary"} else value
        )
    db.flush()
    share_with(db, position, audience)
    return position


# --- versions ----------------------------------------------------------------------------------


def get_version(db: Session, *, position: Position, number: int) -> PositionVersion:
    """One version of a (visible) position's text."""
    version = db.scalar(
        select(PositionVersion).where(
            PositionVersion.position_id == position.id, PositionVersion.number == number
        )
    )
    if version is None:
        raise NotFound("version")
    return version


def current_text(db: Session, *, position: Position) -> PositionVersion:
    return get_version(db, position=position, number=position.current_version)


def versions(db: Session, *, position: Position) -> list[PositionVersion]:
    """Every version of a position, oldest first."""
    return list(
        db.scalars(
            select(PositionVersion)
            .where(PositionVersion.position_id == position.id)
            .order_by(PositionVersion.number)
        )
    )


def _carry_keys(old: list[PositionParagraph], new_texts: list[str]) -> list[tuple[str, str]]:
    """Keys for a revised text: a kept or edited-in-place paragraph keeps its key."""
    keys = [p.key for p in old]
    matcher = SequenceMatcher(None, [p.text for p in old], new_texts, autojunk=False)
    result: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for offset, text in enumerate(new_texts[j1:j2]):
            reuse = tag in {"equal", "replace"} and i1 + offset < i2
            result.append((keys[i1 + offset] if reuse else new_key(), text))
    return result


def next_version(
    db: Session, *, position: Position, actor: Actor, paragraphs: list[tuple[str, str]], note: str
) -> PositionVersion:
    """Save ``paragraphs`` as the position's next version and tell its readers."""
    adoption.require_no_open_silence(db, position=position)
    number = position.current_version + 1
    version = _add_version(
        db, position=position, number=number, paragraphs=paragraphs, actor=actor, note=note
    )
    position.current_version = number
    db.flush()
    readers.tell_everyone(
        db,
        position=position,
        title=f"Version {number} of {position.title}",
        body=(
            f"The text changed ({note or 'revised by the drafter'}). Answers given on earlier "
            f"versions apply to those versions only: only endorsements of version {number} "
            "count toward consensus."
        ),
        skip=actor.user_id,
    )
    return version


def revise(db: Session, *, actor: Actor, position_id: str, data: TextRevision) -> PositionVersion:
    """Save the drafter's revised text as the next version (409 if ``based_on`` is stale)."""
    position = get_or_404(db, reader=actor, position_id=position_id)
    if not may(actor, Action.EDIT, position):
        raise Forbidden("only the drafting organisation may revise the text")
    require_drafting(position)
    if data.based_on != position.current_version:
        raise Conflict(
            f"you edited version {data.based_on}, but version {position.current_version} is now "
            "current; reload, compare and apply your change again"
        )
    old = current_text(db, position=position)
    if [p.text for p in old.paragraphs] == data.paragraphs:
        raise Invalid("is the same as the current version: nothing changed", "paragraphs")
    paragraphs = _carry_keys(old.paragraphs, data.paragraphs)
    return next_version(db, position=position, actor=actor, paragraphs=paragraphs, note=data.note)


def diff(db: Session, *, position: Position, from_version: int, to_version: int) -> Diff:
    """The readable difference between two versions of a (visible) position."""
    before = get_version(db, position=position, number=from_version)
    after = get_version(db, position=position, number=to_version)
    return diff_paragraphs([p.text for p in before.paragraphs], [p.text for p in after.paragraphs])


def derive(db: Session, *, actor: Actor, position_id: str, title: str | None = None) -> Position:
    """Start a new draft from an adopted position's text (the adopted one never changes)."""
    source = get_or_404(db, reader=actor, position_id=position_id)
    if source.status is not PositionStatus.ADOPTED or source.adopted_version is None:
        raise Conflict("only an adopted position can be the start of a new one; edit this one")
    text = get_version(db, position=source, number=source.adopted_version)
    audience = audience_of(db, source)
    data = PositionCreate(
        title=title or f"{source.title} (revision)"[:300],
        occasion=source.occasion,
        summary=source.summary,
        paragraphs=[p.text for p in text.paragraphs],
        tlp=source.tlp,
        green_includes_external=source.green_includes_external,
        consensus_mode=source.consensus_mode,
        audience_organisation_ids=sorted(audience.organisation_ids),
        audience_user_ids=sorted(audience.user_ids),
    )
    return create(db, actor=actor, data=data, derived_from_id=source.id)
