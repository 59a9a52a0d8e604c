"""Adopting a position, and the silence procedure's bookkeeping shared by every way to adopt.

Adoption has three bases (:class:`AdoptionBasis`): every member state answered the current
version (endorsed it, or, in silence mode, endorsed it or recorded a reservation); a silence
procedure's deadline passed with no objection; or the meeting adopted it ad referendum,
subject to confirmation by capitals. This module holds no consensus rule of its own: the
rules are in :mod:`aseancyber.positions.consensus`, :mod:`~aseancyber.positions.silence` and
:mod:`~aseancyber.positions.referendum`.
"""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor
from aseancyber.db import utcnow
from aseancyber.errors import Conflict
from aseancyber.positions import readers
from aseancyber.positions.models import (
    AdoptionBasis,
    Position,
    PositionResponse,
    PositionStatus,
    ResponseKind,
    SilenceProcedure,
    SilenceStatus,
)

ADOPTED_BECAUSE = {
    AdoptionBasis.ENDORSEMENT: "every member state answered version {version} without objection",
    AdoptionBasis.SILENCE: "the silence procedure on version {version} ended with no objection",
    AdoptionBasis.AD_REFERENDUM: (
        "it was adopted ad referendum (version {version}), subject to confirmation by capitals"
    ),
}


def open_silence(db: Session, *, position: Position) -> SilenceProcedure | None:
    """The position's silence procedure that is still open, if any."""
    return db.scalar(
        select(SilenceProcedure).where(
            SilenceProcedure.position_id == position.id,
            SilenceProcedure.status == SilenceStatus.OPEN,
        )
    )


def require_no_open_silence(db: Session, *, position: Position) -> None:
    """Refuse a change to the text while member states are asked to stay silent on it."""
    silence = open_silence(db, position=position)
    if silence is not None:
        raise Conflict(
            f"a silence procedure on version {silence.version_number} is open until "
            f"{silence.deadline:%d %B %Y %H:%M} UTC: the text cannot change while member states "
            "are asked to stay silent on it. Wait for its outcome, or let an objection break it."
        )


def _close(db: Session, silence: SilenceProcedure, values: dict[str, object]) -> bool:
    """Close ``silence`` once: a conditional UPDATE, so a repeated or concurrent run is a no-op."""
    result = db.execute(
        update(SilenceProcedure)
        .where(SilenceProcedure.id == silence.id, SilenceProcedure.status == SilenceStatus.OPEN)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.refresh(silence)
    return getattr(result, "rowcount", 0) == 1


def break_silence(db: Session, *, position: Position, objection: PositionResponse) -> bool:
    """An objection before the deadline breaks the open silence; True if it broke one."""
    silence = open_silence(db, position=position)
    if silence is None or objection.created_at >= silence.deadline:
        return False
    if not _close(
        db,
        silence,
        {
            "status": SilenceStatus.BROKEN,
            "closed_at": objection.created_at,
            "broken_by_member_state_id": objection.member_state_id,
            "broken_by_user_id": objection.user_id,
            "broken_reason": objection.text,
        },
    ):
        return False
    readers.tell_everyone(
        db,
        position=position,
        title=f"Silence broken: {objection.member_state.name} objects to {position.title}",
        body=objection.text[:500],
        anchor="#silence",
        skip=objection.user_id,
    )
    return True


def _objection_before(db: Session, silence: SilenceProcedure) -> PositionResponse | None:
    return db.scalars(
        select(PositionResponse)
        .where(
            PositionResponse.position_id == silence.position_id,
            PositionResponse.version_number == silence.version_number,
            PositionResponse.kind == ResponseKind.OBJECTION,
            PositionResponse.created_at < silence.deadline,
        )
        .order_by(PositionResponse.seq)
        .limit(1)
    ).first()


def settle_silence(db: Session, *, position: Position, now: datetime) -> bool:
    """Compute the outcome of a silence procedure whose deadline has passed (idempotent):
    adopted when no member state objected before the deadline. True if it adopted."""
    silence = open_silence(db, position=position)
    if silence is None or silence.deadline > now:
        return False
    objection = _objection_before(db, silence)
    if objection is not None:
        # Objections break the silence as they arrive; this is the safety net.
        break_silence(db, position=position, objection=objection)
        return False
    if position.status is not PositionStatus.DRAFTING or (
        position.current_version != silence.version_number
    ):
        _close(db, silence, {"status": SilenceStatus.VOIDED, "closed_at": now})
        return False
    if not _close(db, silence, {"status": SilenceStatus.PASSED, "closed_at": silence.deadline}):
        return False
    adopt(db, position=position, basis=AdoptionBasis.SILENCE, at=silence.deadline, actor=None)
    return True


def adopt(
    db: Session,
    *,
    position: Position,
    basis: AdoptionBasis,
    at: datetime | None = None,
    actor: Actor | None,
) -> None:
    """Mark the current version adopted on ``basis`` and tell every member state."""
    position.status = PositionStatus.ADOPTED
    position.adopted_at = at or utcnow()
    position.adopted_version = position.current_version
    position.adoption_basis = basis
    silence = open_silence(db, position=position)
    if silence is not None and basis is not AdoptionBasis.SILENCE:
        _close(db, silence, {"status": SilenceStatus.VOIDED, "closed_at": position.adopted_at})
    db.flush()
    because = ADOPTED_BECAUSE[basis].format(version=position.current_version)
    title = (
        f"Adopted ad referendum: {position.title}"
        if basis is AdoptionBasis.AD_REFERENDUM
        else f"Consensus reached: {position.title}"
    )
    readers.tell_everyone(
        db,
        position=position,
        title=title,
        body=f"The position is adopted: {because}.",
        skip=actor.user_id if actor else None,
    )


def unadopt(db: Session, *, position: Position) -> None:
    """Return a position adopted ad referendum to drafting (a capital withdrew, or it lapsed)."""
    position.status = PositionStatus.DRAFTING
    position.adopted_at = None
    position.adopted_version = None
    position.adoption_basis = None
    db.flush()
