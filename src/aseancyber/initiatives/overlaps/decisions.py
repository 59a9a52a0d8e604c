"""Coordinators' decisions on pairs of initiatives: flag a pair detection missed, or mark a
pair not a duplicate. What detection does with them is in :mod:`.feedback`.

Only a reader who sees both initiatives may decide on a pair or see the decision (404
otherwise, as for overlaps); deciding needs the coordinator rule of :mod:`access.rules`.
"""

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor, Reader
from aseancyber.access.rules import Action, require
from aseancyber.db import utcnow
from aseancyber.errors import Invalid
from aseancyber.initiatives import service
from aseancyber.initiatives.detection import feedback, live_index
from aseancyber.initiatives.detection.profiles import load_profiles
from aseancyber.initiatives.overlaps import service as overlaps
from aseancyber.initiatives.overlaps.models import Overlap, OverlapStatus, PairDecision, PairVerdict
from aseancyber.initiatives.overlaps.schemas import PairDecisionCreate, PairDecisionRead


def decide(db: Session, *, actor: Actor, data: PairDecisionCreate) -> PairDecision:
    """Record a coordinator's decision on a pair and apply it to the pair's overlap: a
    duplicate becomes (or is reopened as) an open overlap to review; "not a duplicate"
    dismisses an overlap the pair had."""
    first = service.get_or_404(db, reader=actor, initiative_id=data.first_id)
    second = service.get_or_404(db, reader=actor, initiative_id=data.second_id)
    require(actor, Action.REVIEW, PairDecision)
    if first.merged_into_id is not None or second.merged_into_id is not None:
        raise Invalid("was merged into another initiative; decide on the one kept", "first_id")
    profiles = {p.id: p for p in load_profiles(db, ids={first.id, second.id})}
    candidate = live_index.PROCESS_INDEX.score(
        db, first=profiles[first.id], second=profiles[second.id]
    )
    decision = feedback.record(
        db,
        first_id=first.id,
        second_id=second.id,
        verdict=data.verdict,
        text_similarity=candidate.text_similarity,
        reason=data.reason,
        user_id=actor.user_id,
    )
    overlap = _overlap_of(db, decision)
    if data.verdict is PairVerdict.DUPLICATE:
        if overlap is None:
            db.add(
                Overlap(
                    first_id=decision.first_id,
                    second_id=decision.second_id,
                    score=candidate.score,
                    text_similarity=candidate.text_similarity,
                    reasons=orjson.dumps(candidate.reasons.as_dict()).decode(),
                )
            )
        elif overlap.status is OverlapStatus.DISMISSED:
            overlap.status = OverlapStatus.OPEN
            overlap.decision = None
            overlap.reviewed_by_id = None
            overlap.reviewed_at = None
    elif overlap is not None and overlap.status is not OverlapStatus.DISMISSED:
        overlap.status = OverlapStatus.DISMISSED
        overlap.decision = None
        overlap.decision_reason = data.reason
        overlap.reviewed_by_id = actor.user_id
        overlap.reviewed_at = utcnow()
    db.flush()
    return decision


def _overlap_of(db: Session, decision: PairDecision) -> Overlap | None:
    return db.scalar(
        select(Overlap).where(
            Overlap.first_id == decision.first_id, Overlap.second_id == decision.second_id
        )
    )


def list_(db: Session, *, reader: Reader) -> list[PairDecision]:
    """The decisions on pairs whose two initiatives ``reader`` may both see, latest first."""
    visible = overlaps.visible_ids(reader)
    statement = (
        select(PairDecision)
        .where(PairDecision.first_id.in_(visible), PairDecision.second_id.in_(visible))
        .order_by(PairDecision.decided_at.desc(), PairDecision.id)
    )
    return list(db.scalars(statement))


def read(db: Session, decision: PairDecision) -> PairDecisionRead:
    """The REST shape of one visible decision."""
    overlap = _overlap_of(db, decision)
    return PairDecisionRead(
        id=decision.id,
        first_id=decision.first_id,
        second_id=decision.second_id,
        verdict=decision.verdict,
        text_similarity=decision.text_similarity,
        reason=decision.reason,
        decided_at=decision.decided_at,
        overlap_id=overlap.id if overlap is not None else None,
    )
