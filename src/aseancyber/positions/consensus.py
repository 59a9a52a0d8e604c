"""Consensus: each member state answers a specific version of a position.

A position has a consensus mode. In ``silence`` mode (ASEAN practice: consensus is "no
objection", the default for new positions) a reservation does not block adoption and is
recorded in the adopted text; the position is adopted at once when every member state has
answered the current version without objecting, or when a silence procedure's deadline
passes with no objection (:mod:`aseancyber.positions.silence`). In ``unanimous`` mode (the
stricter rule, kept by every position drafted before the modes existed) it is adopted only
when every member state (every row of ``member_state``: data, never a fixed number) has
endorsed the current version.

A state's newest answer is the one that stands. An answer about an older version stays on
record but says so, and never counts: a change to the text after an endorsement makes that
endorsement apply to the old version only.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, Organisation
from aseancyber.access.permissions import Permission, permissions_of
from aseancyber.access.policy import Actor, Reader
from aseancyber.access.rules import Action, may
from aseancyber.db import utcnow
from aseancyber.errors import Conflict, Forbidden, Invalid
from aseancyber.notify.models import NotificationKind
from aseancyber.positions import adoption, readers
from aseancyber.positions.models import (
    AdoptionBasis,
    ConsensusMode,
    Position,
    PositionResponse,
    PositionStatus,
    ReferendumAnswer,
    ResponseKind,
)
from aseancyber.positions.schemas import BoardRead, BoardRow, ResponseCreate, ResponseRead
from aseancyber.positions.service import get_or_404, get_version, require_drafting
from aseancyber.shaping import shaped

REMINDER_WINDOW = timedelta(days=3)
"""Reminders start this long before the deadline."""
REMINDER_INTERVAL = timedelta(days=1)
REMIND_AFTER_DEADLINE = timedelta(days=7)
"""A late position is still reminded about daily for this long after its deadline."""


def answering_state(db: Session, actor: Reader) -> MemberState | None:
    """The member state ``actor`` may answer for, if any (right role, right organisation)."""
    if actor is None or Permission.POSITION_ENDORSE not in permissions_of(actor.roles):
        return None
    organisation = db.get(Organisation, actor.organisation_id)
    if organisation is None or organisation.kind not in readers.ENDORSING_KINDS:
        return None
    return organisation.member_state


def latest_responses(db: Session, *, position: Position) -> dict[str, PositionResponse]:
    """Each member state's newest answer to ``position``, by member-state id."""
    rows = db.scalars(
        select(PositionResponse)
        .where(PositionResponse.position_id == position.id)
        .order_by(PositionResponse.seq)
    )
    return {row.member_state_id: row for row in rows}


def history(db: Session, *, position: Position) -> list[PositionResponse]:
    """Every answer ever given on ``position``, newest first."""
    return list(
        db.scalars(
            select(PositionResponse)
            .where(PositionResponse.position_id == position.id)
            .order_by(PositionResponse.seq.desc())
        )
    )


def answer_names(answer: PositionResponse | ReferendumAnswer) -> dict[str, str | None]:
    """The names a state's answer on a version is shown with: its state, the person who
    gave it (gone: none) and their organisation."""
    return {
        "member_state_name": answer.member_state.name,
        "by_name": answer.user.display_name if answer.user else None,
        "organisation_name": answer.organisation.name,
    }


def response_read(response: PositionResponse, *, current_version: int) -> ResponseRead:
    counts = response.kind is ResponseKind.ENDORSE and response.version_number == current_version
    return shaped(ResponseRead, response, **answer_names(response), counts=counts)


def _row_state(response: PositionResponse | None, current: int) -> str:
    if response is None:
        return "no_response"
    if response.kind is ResponseKind.ENDORSE:
        return "endorsed" if response.version_number == current else "endorsed_old_version"
    return response.kind.value


def board(db: Session, *, position: Position) -> BoardRead:
    """Who has and has not answered, state by state, and whether consensus is reached."""
    states = list(db.scalars(select(MemberState).order_by(MemberState.name)))
    latest = latest_responses(db, position=position)
    current = position.current_version
    rows = []
    for state in states:
        response = latest.get(state.id)
        rows.append(
            BoardRow(
                member_state_id=state.id,
                member_state_name=state.name,
                iso2=state.iso2,
                response=response_read(response, current_version=current) if response else None,
                state=_row_state(response, current),
            )
        )
    endorsed = sum(1 for row in rows if row.state == "endorsed")
    on_current = [
        row.response.kind
        for row in rows
        if row.response is not None and row.response.version_number == current
    ]
    reservations = on_current.count(ResponseKind.RESERVATION)
    objections = on_current.count(ResponseKind.OBJECTION)
    if position.consensus_mode is ConsensusMode.UNANIMOUS:
        reached = endorsed == len(states)
    else:
        reached = endorsed + reservations == len(states)
    return BoardRead(
        consensus_mode=position.consensus_mode,
        current_version=current,
        states=len(states),
        endorsed_current=endorsed,
        reservations_current=reservations,
        objections_current=objections,
        not_answered_current=len(states) - len(on_current),
        consensus=bool(states) and reached,
        rows=rows,
    )


def respond(
    db: Session, *, actor: Actor, position_id: str, data: ResponseCreate
) -> PositionResponse:
    """Record the actor's member state's answer to one version; adopt on the last endorsement."""
    position = get_or_404(db, reader=actor, position_id=position_id)
    state = answering_state(db, actor)
    if state is None:
        raise Forbidden(
            "answering for a member state needs the coordinator role in that state's foreign "
            "ministry or national cyber agency"
        )
    # A silence whose deadline has passed is settled first: a late objection cannot break it.
    adoption.settle_silence(db, position=position, now=utcnow())
    if data.member_state_id is not None and data.member_state_id != state.id:
        raise Forbidden(
            f"you may answer only for {state.name}: a user cannot endorse on behalf of "
            "another member state"
        )
    require_drafting(position)
    if data.version_number != position.current_version:
        if data.version_number > position.current_version:
            raise Invalid(f"there is no version {data.version_number}", "version_number")
        get_version(db, position=position, number=data.version_number)
        raise Conflict(
            f"version {data.version_number} was superseded by version "
            f"{position.current_version}: an answer on a superseded version cannot count. "
            f"Read version {position.current_version} and answer on it."
        )
    if data.kind is not ResponseKind.ENDORSE and not data.text:
        raise Invalid(f"explain the {data.kind.value} in a few words", "text")
    seq = (
        db.scalar(
            select(func.max(PositionResponse.seq)).where(
                PositionResponse.position_id == position.id
            )
        )
        or 0
    ) + 1
    response = PositionResponse(
        position_id=position.id,
        member_state_id=state.id,
        version_number=data.version_number,
        kind=data.kind,
        text=data.text,
        user_id=actor.user_id,
        organisation_id=actor.organisation_id,
        created_at=utcnow(),
        seq=seq,
    )
    db.add(response)
    db.flush()
    if data.kind is ResponseKind.OBJECTION:
        adoption.break_silence(db, position=position, objection=response)
    if data.kind is not ResponseKind.OBJECTION and board(db, position=position).consensus:
        adoption.adopt(db, position=position, basis=AdoptionBasis.ENDORSEMENT, actor=actor)
    elif data.kind is not ResponseKind.ENDORSE:
        readers.tell_drafter(
            db,
            position=position,
            title=f"{state.name} recorded a {data.kind.value} on {position.title}",
            body=data.text[:500],
            anchor="#board",
            skip=actor.user_id,
        )
    return response


def adopted_endorsements(db: Session, *, position: Position) -> list[PositionResponse]:
    """The endorsements that made consensus, by member-state name (adopted positions only)."""
    if position.adopted_version is None:
        return []
    latest = latest_responses(db, position=position)
    chosen = [
        response
        for response in latest.values()
        if response.kind is ResponseKind.ENDORSE
        and response.version_number == position.adopted_version
    ]
    return sorted(chosen, key=lambda response: response.member_state.name)


def reservations(db: Session, *, position: Position) -> list[PositionResponse]:
    """The reservations standing on the adopted version (or, while drafting, the current one):
    they do not block adoption in silence mode and are recorded in the adopted text."""
    version = position.adopted_version or position.current_version
    latest = latest_responses(db, position=position)
    chosen = [
        response
        for response in latest.values()
        if response.kind is ResponseKind.RESERVATION and response.version_number == version
    ]
    return sorted(chosen, key=lambda response: response.member_state.name)


def standing_objections(db: Session, *, position: Position) -> list[PositionResponse]:
    """The objections to the current version that stand (each state's newest answer)."""
    latest = latest_responses(db, position=position)
    return sorted(
        (
            response
            for response in latest.values()
            if response.kind is ResponseKind.OBJECTION
            and response.version_number == position.current_version
        ),
        key=lambda response: response.member_state.name,
    )


# --- deadlines and reminders -------------------------------------------------------------------


def _due(now: datetime) -> Any:
    return (
        select(Position)
        .where(
            Position.status == PositionStatus.DRAFTING,
            Position.deadline.is_not(None),
            Position.deadline <= now + REMINDER_WINDOW,
            Position.deadline >= now - REMIND_AFTER_DEADLINE,
            or_(
                Position.last_reminded_at.is_(None),
                Position.last_reminded_at <= now - REMINDER_INTERVAL,
            ),
        )
        .order_by(Position.deadline, Position.id)
    )


def has_due_reminders(db: Session) -> bool:
    """Whether any drafting position is due a deadline reminder (a cheap read)."""
    return db.scalars(_due(utcnow()).limit(1)).first() is not None


@dataclass(frozen=True)
class ReminderRun:
    positions: int
    notified: int


def send_reminders(db: Session, payload: dict[str, Any] | None = None) -> None:
    """Job handler: remind the states that have not endorsed the current version in time."""
    remind(db)


def remind(db: Session) -> ReminderRun:
    """Remind every state yet to endorse a position whose deadline is near or just past."""
    now = utcnow()
    positions = list(db.scalars(_due(now)))
    notified = 0
    for position in positions:
        rows = board(db, position=position).rows
        agreeing = {"endorsed"}
        if position.consensus_mode is ConsensusMode.SILENCE:
            agreeing.add("reservation")
        waiting = [
            row.member_state_id
            for row in rows
            if row.state not in agreeing
            or (
                row.response is not None and row.response.version_number != position.current_version
            )
        ]
        deadline = position.deadline
        assert deadline is not None  # selected by _due
        passed = deadline <= now
        when = deadline.strftime("%d %B %Y %H:%M UTC")
        notified += len(
            readers.tell(
                db,
                record=position,
                user_ids=readers.endorser_ids(db, member_state_ids=waiting),
                kind=NotificationKind.POSITION_DEADLINE,
                title=(
                    f"{'Overdue' if passed else 'Reminder'}: answer on {position.title} "
                    f"(version {position.current_version})"
                ),
                body=(
                    f"The deadline {'was' if passed else 'is'} {when}. Your member state has "
                    f"not yet endorsed version {position.current_version}."
                ),
                link=f"/positions/{position.id}#board",
            )
        )
        # A plain UPDATE, not an attribute change: bookkeeping must not bump the edit version
        # and make a drafter's open form stale.
        db.execute(
            update(Position)
            .where(Position.id == position.id)
            .values(last_reminded_at=now)
            .execution_options(synchronize_session=False)
        )
    db.flush()
    return ReminderRun(positions=len(positions), notified=notified)


def coordinated_step(
    db: Session,
    *,
    actor: Actor,
    position_id: str,
    version_number: int,
    deadline: datetime,
    deadline_field: str,
    longest: timedelta,
    doing: str,
    blocked_because: str,
) -> Position:
    """The checks every coordinator step towards adoption shares (a silence procedure, an
    adoption ad referendum): the drafting organisation's coordinator, a text still being
    drafted, its current version, a deadline in the near future and no standing objection.
    Returns the position."""
    position = get_or_404(db, reader=actor, position_id=position_id)
    if not may(actor, Action.COORDINATE, position):
        raise Forbidden(f"{doing} needs the coordinator role in the drafting organisation")
    require_drafting(position)
    if version_number != position.current_version:
        raise Conflict(
            f"version {version_number} is not the current version "
            f"({position.current_version}); {doing} is on the current text only"
        )
    now = utcnow()
    if deadline <= now:
        raise Invalid("must be in the future", deadline_field)
    if deadline > now + longest:
        raise Invalid(f"must be within {longest.days} days", deadline_field)
    objections = standing_objections(db, position=position)
    if objections:
        names = ", ".join(response.member_state.name for response in objections)
        raise Conflict(
            f"{names} object{'s' if len(objections) == 1 else ''} to version "
            f"{position.current_version}: {blocked_because}"
        )
    return position
