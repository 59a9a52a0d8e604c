"""Silence procedures: a coordinator of the drafting organisation asks member states to
object to one version by a deadline; those that have not objected by then count as not
objecting, and the position is adopted. An objection before the deadline breaks the
silence (who, when and why are kept). The outcome is computed when the deadline passes,
by the periodic job :func:`settle_due` (idempotent), or earlier by the next answer.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor
from aseancyber.db import utcnow
from aseancyber.errors import Conflict
from aseancyber.notify.models import NotificationKind
from aseancyber.positions import adoption, readers, referendum
from aseancyber.positions.consensus import coordinated_step
from aseancyber.positions.models import (
    ConsensusMode,
    Position,
    ReferendumStatus,
    SilenceProcedure,
    SilenceStatus,
)
from aseancyber.positions.schemas import SilenceOpen, SilenceRead
from aseancyber.shaping import shaped

MAX_SILENCE = timedelta(days=90)

"""A silence longer than this is a mistake in the date, not a procedure."""


def open_procedure(
    db: Session, *, actor: Actor, position_id: str, data: SilenceOpen
) -> SilenceProcedure:
    """Open a silence procedure on the current version until ``data.deadline``."""
    position = coordinated_step(
        db,
        actor=actor,
        position_id=position_id,
        version_number=data.version_number,
        deadline=data.deadline,
        deadline_field="deadline",
        longest=MAX_SILENCE,
        doing="opening a silence procedure",
        blocked_because="resolve the objection (revise the text, or the state changes its "
        "answer) before asking for silence",
    )
    if position.consensus_mode is not ConsensusMode.SILENCE:
        raise Conflict(
            "this position is decided unanimously (every member state must endorse): it has no "
            "silence procedure. Its drafter may switch it to silence mode first."
        )
    adoption.require_no_open_silence(db, position=position)
    now = utcnow()
    silence = SilenceProcedure(
        position_id=position.id,
        version_number=position.current_version,
        deadline=data.deadline,
        opened_by_id=actor.user_id,
        opened_by_organisation_id=actor.organisation_id,
        opened_at=now,
    )
    db.add(silence)
    db.flush()
    readers.tell_everyone(
        db,
        position=position,
        title=f"Silence procedure on {position.title} (version {position.current_version})",
        body=(
            "Member states that have not objected by "
            f"{data.deadline.astimezone(UTC):%d %B %Y %H:%M} UTC will be counted as not "
            "objecting, and the position will be adopted. An objection before then breaks "
            "the silence."
        ),
        anchor="#silence",
        kind=NotificationKind.POSITION_DEADLINE,
        skip=actor.user_id,
    )
    return silence


def latest(db: Session, *, position: Position) -> SilenceProcedure | None:
    """The position's newest silence procedure, open or closed."""
    return db.scalars(
        select(SilenceProcedure)
        .where(SilenceProcedure.position_id == position.id)
        .order_by(SilenceProcedure.opened_at.desc(), SilenceProcedure.id)
        .limit(1)
    ).first()


def procedures(db: Session, *, position: Position) -> list[SilenceProcedure]:
    """Every silence procedure on the position, newest first."""
    return list(
        db.scalars(
            select(SilenceProcedure)
            .where(SilenceProcedure.position_id == position.id)
            .order_by(SilenceProcedure.opened_at.desc(), SilenceProcedure.id)
        )
    )


def silence_read(silence: SilenceProcedure, *, now: datetime | None = None) -> SilenceRead:
    state = silence.broken_by_member_state
    return shaped(
        SilenceRead,
        silence,
        opened_by_name=silence.opened_by.display_name if silence.opened_by else None,
        broken_by_member_state_name=state.name if state else None,
        broken_by_name=silence.broken_by_user.display_name if silence.broken_by_user else None,
        deadline_passed=silence.deadline <= (now or utcnow()),
    )


# --- the scheduled outcome ---------------------------------------------------------------------


def has_due(db: Session) -> bool:
    """Whether a silence procedure or a confirmation deadline is due (a cheap read)."""
    now = utcnow()
    silence = db.scalar(
        select(SilenceProcedure.id)
        .where(SilenceProcedure.status == SilenceStatus.OPEN, SilenceProcedure.deadline <= now)
        .limit(1)
    )
    referendum = db.scalar(
        select(Position.id)
        .where(
            Position.referendum_status == ReferendumStatus.PENDING,
            Position.referendum_deadline <= now,
        )
        .limit(1)
    )
    return silence is not None or referendum is not None


def settle_due(db: Session, payload: dict[str, Any] | None = None) -> None:
    """Job handler: compute the outcome of every silence and confirmation deadline passed
    (one job for both deadlines; running it twice changes nothing)."""
    now = utcnow()
    position_ids = db.scalars(
        select(SilenceProcedure.position_id)
        .where(SilenceProcedure.status == SilenceStatus.OPEN, SilenceProcedure.deadline <= now)
        .order_by(SilenceProcedure.deadline)
    ).all()
    for position_id in position_ids:
        position = db.get(Position, position_id)
        if position is not None:
            adoption.settle_silence(db, position=position, now=now)
    referendum.settle_due(db, now=now)
    db.flush()
