"""What coordinators' decisions on pairs teach duplicate detection.

A decision (:class:`~aseancyber.initiatives.overlaps.models.PairDecision`) is a coordinator's
word on one pair: "not a duplicate" (also written when an overlap is dismissed) or "duplicate" (a
pair detection missed, flagged by hand, or an overlap confirmed). Detection uses them three
ways, kept deliberately simple so that their effect can be measured (see the benchmark):

- a pair marked "not a duplicate" is never proposed again while the two texts stay about as
  alike as when it was decided: only if their text similarity rises by
  :data:`REOPEN_MARGIN` or more (one of them was rewritten into the other's work) is it
  proposed again, for a fresh look;
- a pair marked "duplicate" is an overlap whatever the score, and detection never withdraws
  it;
- per-term weights: the terms a rejected pair shared weigh a little less
  (x :data:`LEARNING_RATE` down), the terms a missed pair shared weigh a little more, within
  [:data:`MIN_WEIGHT`, :data:`MAX_WEIGHT`]. Terms that misled reviewers on several pairs
  ("training", a city name) stop making unrelated initiatives look alike.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import Session

from aseancyber.db import utcnow
from aseancyber.initiatives.detection.index import Candidate, Profile
from aseancyber.initiatives.detection.profiles import load_profiles
from aseancyber.initiatives.detection.scoring import profile_terms
from aseancyber.initiatives.overlaps.models import PairDecision, PairVerdict

REOPEN_MARGIN = 0.15
"""How much more alike two texts must become before a rejected pair is proposed again."""
LEARNING_RATE = 0.15
MIN_WEIGHT = 0.4
MAX_WEIGHT = 2.0
CHUNK = 400


@dataclass(frozen=True)
class Verdict:
    """One decision as the learner sees it."""

    first: Profile
    second: Profile
    duplicate: bool


def learn_term_weights(verdicts: Iterable[Verdict]) -> dict[str, float]:
    """Per-term factors from decisions: terms shared by rejected pairs weigh less, terms
    shared by duplicates detection missed weigh more (1 is left out)."""
    moves: Counter[str] = Counter()
    for verdict in verdicts:
        shared = set(profile_terms(verdict.first)) & set(profile_terms(verdict.second))
        for term in shared:
            moves[term] += 1 if verdict.duplicate else -1
    weights = {}
    for term, net in moves.items():
        factor = (1 + LEARNING_RATE) ** net if net > 0 else (1 - LEARNING_RATE) ** -net
        factor = max(MIN_WEIGHT, min(MAX_WEIGHT, factor))
        if factor != 1.0:
            weights[term] = round(factor, 4)
    return weights


def ordered(first_id: str, second_id: str) -> tuple[str, str]:
    return (first_id, second_id) if first_id < second_id else (second_id, first_id)


def state(db: Session) -> tuple[int, datetime | None]:
    """How many decisions there are and the latest one: what a cached detector compares
    to know whether what it learnt is still current."""
    row = db.execute(select(func.count(), func.max(PairDecision.decided_at))).one()
    return int(row[0]), row[1]


def term_weights(db: Session) -> dict[str, float]:
    """What every decision on the node teaches (read from the database)."""
    decisions = db.execute(
        select(PairDecision.first_id, PairDecision.second_id, PairDecision.verdict)
    ).all()
    if not decisions:
        return {}
    ids = {i for first, second, _ in decisions for i in (first, second)}
    profiles = {profile.id: profile for profile in load_profiles(db, ids=ids)}
    return learn_term_weights(
        Verdict(profiles[first], profiles[second], verdict is PairVerdict.DUPLICATE)
        for first, second, verdict in decisions
        if first in profiles and second in profiles
    )


def decisions_for(
    db: Session, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], PairDecision]:
    """The decisions on these (ordered) pairs, if any."""
    wanted = sorted(set(pairs))
    found: dict[tuple[str, str], PairDecision] = {}
    if len(wanted) > CHUNK:
        # A whole registry's pairs outnumber the decisions ever taken: one read of them all
        # costs less than a query per chunk of pairs.
        taken = db.scalar(select(func.count()).select_from(PairDecision)) or 0
        if taken <= len(wanted):
            asked = set(wanted)
            for decision in db.scalars(select(PairDecision)):
                if (decision.first_id, decision.second_id) in asked:
                    found[(decision.first_id, decision.second_id)] = decision
            return found
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        statement = select(PairDecision).where(
            tuple_(PairDecision.first_id, PairDecision.second_id).in_(chunk)
        )
        for decision in db.scalars(statement):
            found[(decision.first_id, decision.second_id)] = decision
    return found


def duplicates_of(db: Session, initiative_ids: Iterable[str] | None = None) -> set[tuple[str, str]]:
    """Pairs coordinators said are duplicates (involving ``initiative_ids`` when given)."""
    statement = select(PairDecision.first_id, PairDecision.second_id).where(
        PairDecision.verdict == PairVerdict.DUPLICATE
    )
    if initiative_ids is not None:
        ids = list(initiative_ids)
        statement = statement.where(
            or_(PairDecision.first_id.in_(ids), PairDecision.second_id.in_(ids))
        )
    return {(first, second) for first, second in db.execute(statement).tuples()}


def keep_proposable(
    db: Session, candidates: Iterable[Candidate]
) -> tuple[list[Candidate], set[tuple[str, str]]]:
    """The candidates a coordinator has not rejected, and among them the rejected pairs that
    changed materially since (their text similarity rose by :data:`REOPEN_MARGIN` or more),
    to be proposed again."""
    found = list(candidates)
    rejected = {
        pair: decision
        for pair, decision in decisions_for(db, (c.pair for c in found)).items()
        if decision.verdict is PairVerdict.NOT_DUPLICATE
    }
    kept, reopened = [], set()
    for candidate in found:
        decision = rejected.get(candidate.pair)
        if decision is None:
            kept.append(candidate)
        elif candidate.text_similarity >= decision.text_similarity + REOPEN_MARGIN:
            kept.append(candidate)
            reopened.add(candidate.pair)
    return kept, reopened


def record(
    db: Session,
    *,
    first_id: str,
    second_id: str,
    verdict: PairVerdict,
    text_similarity: float,
    reason: str,
    user_id: str | None,
) -> PairDecision:
    """Write (or replace) the decision on a pair; the caller checked who may decide."""
    first_id, second_id = ordered(first_id, second_id)
    decision = db.scalar(
        select(PairDecision).where(
            PairDecision.first_id == first_id, PairDecision.second_id == second_id
        )
    )
    if decision is None:
        decision = PairDecision(first_id=first_id, second_id=second_id)
        db.add(decision)
    decision.verdict = verdict
    decision.text_similarity = text_similarity
    decision.reason = reason
    decision.decided_by_id = user_id
    decision.decided_at = utcnow()
    db.flush()
    return decision


def weights_summary(weights: Mapping[str, float], count: int = 8) -> list[tuple[str, float]]:
    """The terms decisions moved most, for a coordinator to see what was learnt."""
    return sorted(weights.items(), key=lambda item: -abs(item[1] - 1.0))[:count]
