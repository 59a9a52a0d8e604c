"""Adoption ad referendum: the meeting adopts the current version subject to confirmation by
capitals by a deadline. Each capital confirms or withdraws (a withdrawal needs its reason).

One withdrawal before the deadline ends the adoption: the position is drafted again. When
the deadline passes, a ``silence``-mode position is confirmed (no withdrawal is taken as
confirmation), an ``unanimous``-mode one only if every member state confirmed (otherwise the
adoption lapses). Every capital confirming settles it at once.
"""

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState
from aseancyber.access.policy import Actor
from aseancyber.db import utcnow
from aseancyber.errors import Conflict, Forbidden, Invalid
from aseancyber.positions import adoption, readers
from aseancyber.positions.consensus import answer_names, answering_state, coordinated_step
from aseancyber.positions.models import (
    AdoptionBasis,
    ConfirmationKind,
    ConsensusMode,
    Position,
    PositionStatus,
    ReferendumAnswer,
    ReferendumStatus,
)
from aseancyber.positions.schemas import (
    AdReferendumCreate,
    ConfirmationCreate,
    ConfirmationRead,
    ReferendumRead,
)
from aseancyber.positions.service import get_or_404
from aseancyber.shaping import shaped

MAX_CONFIRMATION = timedelta(days=180)


def adopt_ad_referendum(
    db: Session, *, actor: Actor, position_id: str, data: AdReferendumCreate
) -> Position:
    """Record that the current version was adopted ad referendum (drafting coordinator)."""
    position = coordinated_step(
        db,
        actor=actor,
        position_id=position_id,
        version_number=data.version_number,
        deadline=data.confirmation_deadline,
        deadline_field="confirmation_deadline",
        longest=MAX_CONFIRMATION,
        doing="recording an adoption ad referendum",
        blocked_because="a text with a standing objection cannot be adopted",
    )
    now = utcnow()
    position.referendum_status = ReferendumStatus.PENDING
    position.referendum_deadline = data.confirmation_deadline
    position.referendum_settled_at = None
    adoption.adopt(db, position=position, basis=AdoptionBasis.AD_REFERENDUM, at=now, actor=actor)
    return position


def answers(db: Session, *, position: Position) -> list[ReferendumAnswer]:
    """The capitals' answers on the position's latest adoption ad referendum, newest first."""
    return list(
        db.scalars(
            select(ReferendumAnswer)
            .where(ReferendumAnswer.position_id == position.id)
            .order_by(ReferendumAnswer.created_at.desc(), ReferendumAnswer.id)
        )
    )


def _confirmed_states(db: Session, position: Position, version: int) -> set[str]:
    return set(
        db.scalars(
            select(ReferendumAnswer.member_state_id).where(
                ReferendumAnswer.position_id == position.id,
                ReferendumAnswer.version_number == version,
                ReferendumAnswer.kind == ConfirmationKind.CONFIRM,
            )
        )
    )


def _state_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(MemberState)) or 0


def _settle(db: Session, position: Position, status: ReferendumStatus, at: datetime) -> None:
    position.referendum_status = status
    position.referendum_settled_at = at
    if status in {ReferendumStatus.WITHDRAWN, ReferendumStatus.LAPSED}:
        adoption.unadopt(db, position=position)
    db.flush()
    said = {
        ReferendumStatus.CONFIRMED: "is confirmed by capitals: the adoption is final",
        ReferendumStatus.WITHDRAWN: "was withdrawn by a capital: the position is drafted again",
        ReferendumStatus.LAPSED: (
            "lapsed: not every capital confirmed by the deadline; the position is drafted again"
        ),
        ReferendumStatus.PENDING: "is pending",
    }[status]
    readers.tell_everyone(
        db,
        position=position,
        title=f"Adoption ad referendum of {position.title} {said.split(':')[0]}",
        body=f"The adoption ad referendum {said}.",
        anchor="#referendum",
    )


def _settle_if_due(db: Session, position: Position, now: datetime) -> None:
    deadline = position.referendum_deadline
    if position.referendum_status is not ReferendumStatus.PENDING or deadline is None:
        return
    if deadline > now or position.adopted_version is None:
        return
    if position.consensus_mode is ConsensusMode.SILENCE:
        _settle(db, position, ReferendumStatus.CONFIRMED, deadline)
        return
    everyone = _confirmed_states(db, position, position.adopted_version)
    outcome = (
        ReferendumStatus.CONFIRMED if len(everyone) >= _state_count(db) else ReferendumStatus.LAPSED
    )
    _settle(db, position, outcome, deadline)


def answer(
    db: Session, *, actor: Actor, position_id: str, data: ConfirmationCreate
) -> ReferendumAnswer:
    """Record the actor's capital's confirmation of, or withdrawal from, the adoption."""
    position = get_or_404(db, reader=actor, position_id=position_id)
    state = answering_state(db, actor)
    if state is None:
        raise Forbidden(
            "confirming for a capital needs the coordinator role in that state's foreign "
            "ministry or national cyber agency"
        )
    _settle_if_due(db, position, utcnow())
    if (
        position.referendum_status is not ReferendumStatus.PENDING
        or position.status is not PositionStatus.ADOPTED
        or position.adopted_version is None
    ):
        raise Conflict(
            "this position is not awaiting confirmation by capitals"
            + (
                f" (the adoption ad referendum is {position.referendum_status.value})"
                if position.referendum_status
                else ""
            )
        )
    if data.kind is ConfirmationKind.WITHDRAW and not data.text:
        raise Invalid("explain the withdrawal in a few words", "text")
    record = ReferendumAnswer(
        position_id=position.id,
        member_state_id=state.id,
        version_number=position.adopted_version,
        kind=data.kind,
        text=data.text,
        user_id=actor.user_id,
        organisation_id=actor.organisation_id,
        created_at=utcnow(),
    )
    db.add(record)
    db.flush()
    if data.kind is ConfirmationKind.WITHDRAW:
        _settle(db, position, ReferendumStatus.WITHDRAWN, record.created_at)
    elif len(_confirmed_states(db, position, position.adopted_version)) >= _state_count(db):
        _settle(db, position, ReferendumStatus.CONFIRMED, record.created_at)
    return record


def settle_due(db: Session, *, now: datetime) -> None:
    """Settle every adoption ad referendum whose confirmation deadline has passed."""
    due = db.scalars(
        select(Position).where(
            Position.referendum_status == ReferendumStatus.PENDING,
            Position.referendum_deadline <= now,
        )
    ).all()
    for position in due:
        _settle_if_due(db, position, now)


def confirmation_read(record: ReferendumAnswer) -> ConfirmationRead:
    return shaped(ConfirmationRead, record, **answer_names(record))


def referendum_read(db: Session, *, position: Position) -> ReferendumRead | None:
    """The state of the position's adoption ad referendum, if there ever was one."""
    if position.referendum_status is None:
        return None
    records = answers(db, position=position)
    version = position.adopted_version
    confirmed = {
        r.member_state_id
        for r in records
        if r.kind is ConfirmationKind.CONFIRM and (version is None or r.version_number == version)
    }
    return ReferendumRead(
        status=position.referendum_status,
        deadline=position.referendum_deadline,
        settled_at=position.referendum_settled_at,
        confirmed=len(confirmed),
        states=_state_count(db),
        answers=[confirmation_read(r) for r in records],
    )
