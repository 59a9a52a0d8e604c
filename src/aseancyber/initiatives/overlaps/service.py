"""Overlaps between initiatives: detection on every change, review, and the regional view.

Detection runs over every initiative on the node, whatever its label, because duplication
is a property of the registry; what a reader is *shown* is filtered: an overlap is visible
only to a reader who may see both initiatives, and is NotFound otherwise.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import Select, Table, delete, func, insert, or_, select, tuple_
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.policy import Actor, Reader, visible_to
from aseancyber.access.rules import Action, may
from aseancyber.community.service import has_nul
from aseancyber.db import new_id, utcnow
from aseancyber.errors import Conflict, Forbidden, Invalid, NotFound
from aseancyber.initiatives.detection import feedback, live_index
from aseancyber.initiatives.detection.index import (
    THRESHOLD,
    Candidate,
    DuplicateIndex,
    Reasons,
)
from aseancyber.initiatives.detection.profiles import load_profiles
from aseancyber.initiatives.models import AUDIENCE_LABELS, THEME_LABELS, Initiative
from aseancyber.initiatives.overlaps import merging
from aseancyber.initiatives.overlaps.models import (
    Overlap,
    OverlapDecision,
    OverlapStatus,
    PairVerdict,
)
from aseancyber.initiatives.overlaps.schemas import OverlapRead, OverlapReview, ReasonsRead
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate

Progress = Callable[[int, int, str], None]
CANDIDATES_PER_INITIATIVE = 10
ID_CHUNK = 500  # ids per IN list, well under every database's bound-parameter limit


def existing_pairs(db: Session, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Overlap]:
    found: dict[tuple[str, str], Overlap] = {}
    if len(pairs) > ID_CHUNK:
        # Detection over a whole registry asks about more pairs than are stored: one read of
        # the stored ones costs less than a query per chunk of pairs.
        stored = db.scalar(select(func.count()).select_from(Overlap)) or 0
        if stored <= len(pairs):
            asked = set(pairs)
            for overlap in db.scalars(select(Overlap)).unique():
                if (overlap.first_id, overlap.second_id) in asked:
                    found[(overlap.first_id, overlap.second_id)] = overlap
            return found
    for start in range(0, len(pairs), ID_CHUNK):
        chunk = pairs[start : start + ID_CHUNK]
        statement = select(Overlap).where(tuple_(Overlap.first_id, Overlap.second_id).in_(chunk))
        for overlap in db.scalars(statement).unique():
            found[(overlap.first_id, overlap.second_id)] = overlap
    return found


def store(
    db: Session, candidates: Iterable[Candidate], reopened: Set[tuple[str, str]] = frozenset()
) -> list[Overlap]:
    """Insert new candidate pairs, refresh open ones; reviewed pairs keep their review, but
    a dismissed pair in ``reopened`` (materially changed since) is proposed again.
    Returns the pairs flagged for the first time."""
    found = list(candidates)
    stored = existing_pairs(db, sorted(candidate.pair for candidate in found))
    added: list[Overlap] = []
    for candidate in found:
        existing = stored.get(candidate.pair)
        reasons = orjson.dumps(candidate.reasons.as_dict()).decode()
        if existing is None:
            overlap = Overlap(
                first_id=candidate.first_id,
                second_id=candidate.second_id,
                score=candidate.score,
                text_similarity=candidate.text_similarity,
                reasons=reasons,
            )
            db.add(overlap)
            added.append(overlap)
        elif existing.status is OverlapStatus.DISMISSED and candidate.pair in reopened:
            existing.status = OverlapStatus.OPEN
            existing.score = candidate.score
            existing.text_similarity = candidate.text_similarity
            existing.reasons = reasons
            existing.reviewed_by_id = None
            existing.reviewed_at = None
            added.append(existing)
        elif existing.status is OverlapStatus.OPEN and (
            existing.score != candidate.score or existing.reasons != reasons
        ):
            existing.score = candidate.score
            existing.text_similarity = candidate.text_similarity
            existing.reasons = reasons
    db.flush()
    return added


def new_row(candidate: Candidate, now: datetime) -> dict[str, Any]:
    """The ``initiative_overlap`` row of a newly flagged pair, for bulk inserts."""
    return {
        "id": new_id(),
        "first_id": candidate.first_id,
        "second_id": candidate.second_id,
        "score": candidate.score,
        "text_similarity": candidate.text_similarity,
        "reasons": orjson.dumps(candidate.reasons.as_dict()).decode(),
        "status": OverlapStatus.OPEN,
        "decision_reason": "",
        "detected_at": now,
        "version": 1,
    }


def _store_many(db: Session, candidates: list[Candidate], reopened: Set[tuple[str, str]]) -> int:
    """:func:`store` for a whole registry: pairs already stored go through the ORM (each
    change audited), new ones are inserted in bulk and audited as one entry with their
    count (the audit log's form for an entry standing for many rows). Returns how many
    pairs were flagged for the first time."""
    existing = set(existing_pairs(db, sorted(candidate.pair for candidate in candidates)))
    known = [candidate for candidate in candidates if candidate.pair in existing]
    added = len(store(db, known, reopened))
    now = utcnow()
    rows = [new_row(candidate, now) for candidate in candidates if candidate.pair not in existing]
    # Core inserts of plain rows: the ORM's bulk path would only add per-row bookkeeping.
    table = cast(Table, Overlap.__table__)
    for start in range(0, len(rows), 5_000):
        db.execute(insert(table), rows[start : start + 5_000])
    if rows:
        audit.record(
            db,
            action="initiative_overlap.detect_all",
            record_kind="initiative_overlap",
            record_id="*",
            detail={"flagged": len(rows), "refreshed_or_reopened": len(known)},
        )
    return added + len(rows)


def detect_for(
    db: Session,
    *,
    initiative_ids: list[str],
    progress: Progress | None = None,
    flagged: list[Overlap] | None = None,
) -> int:
    """Find the likely duplicates of the given (new or changed) initiatives; returns how many
    new pairs were flagged (and adds them to ``flagged`` when given). Open pairs that no
    longer qualify are withdrawn."""
    if not initiative_ids:
        return 0
    wanted = set(initiative_ids)
    profiles = load_profiles(db, ids=wanted)
    proposable, reopened = feedback.keep_proposable(
        db, live_index.find(db, profiles=profiles, limit=CANDIDATES_PER_INITIATIVE)
    )
    found = {candidate.pair: candidate for candidate in proposable}
    if progress is not None:
        progress(len(initiative_ids), len(initiative_ids), "looking for overlaps")
    # A pair a coordinator flagged as a duplicate stays an overlap whatever its score.
    found_or_kept = set(found) | feedback.duplicates_of(db, wanted)
    stale = db.scalars(
        select(Overlap).where(
            Overlap.status == OverlapStatus.OPEN,
            or_(Overlap.first_id.in_(wanted), Overlap.second_id.in_(wanted)),
        )
    ).all()
    for overlap in stale:
        if (overlap.first_id, overlap.second_id) not in found_or_kept:
            db.delete(overlap)
    db.flush()
    added = store(db, found.values(), reopened)
    if flagged is not None:
        flagged.extend(added)
    return len(added)


def detect_all(db: Session, *, progress: Progress | None = None) -> int:
    """Re-run detection over the whole registry (after a bulk import or a threshold change)."""
    index = DuplicateIndex(load_profiles(db), term_weights=feedback.term_weights(db))
    if progress is not None:
        progress(1, 2, "indexed the registry")
    proposable, reopened = feedback.keep_proposable(db, index.all_pairs(threshold=THRESHOLD))
    # Explained in the order of their first initiative, whose words are then read once.
    candidates = [
        index.explain(candidate) for candidate in sorted(proposable, key=lambda c: c.pair)
    ]
    keep = {candidate.pair for candidate in candidates} | feedback.duplicates_of(db)
    for overlap in db.scalars(select(Overlap).where(Overlap.status == OverlapStatus.OPEN)).all():
        if (overlap.first_id, overlap.second_id) not in keep:
            db.delete(overlap)
    db.flush()
    added = _store_many(db, candidates, reopened)
    if progress is not None:
        progress(2, 2, "stored the overlaps")
    return added


def forget(db: Session, *, initiative_id: str) -> None:
    """Drop every overlap involving an initiative that is being deleted."""
    db.execute(
        delete(Overlap).where(
            or_(Overlap.first_id == initiative_id, Overlap.second_id == initiative_id)
        )
    )


# --- reading -----------------------------------------------------------------------------------


def visible_ids(reader: Reader) -> Select[tuple[str]]:
    return select(Initiative.id).where(visible_to(reader, Initiative))


def visible_statement(
    reader: Reader,
    *,
    status: OverlapStatus | None = None,
    initiative_id: str | None = None,
) -> Select[tuple[Overlap]]:
    """The overlaps whose two initiatives ``reader`` may both see (and that no detection
    run is still writing: see :mod:`aseancyber.initiatives.detection.runs`)."""
    visible = visible_ids(reader)
    statement = select(Overlap).where(
        Overlap.pending_run_id.is_(None),
        Overlap.first_id.in_(visible),
        Overlap.second_id.in_(visible),
    )
    if status is not None:
        statement = statement.where(Overlap.status == status)
    if initiative_id is not None:
        statement = statement.where(
            or_(Overlap.first_id == initiative_id, Overlap.second_id == initiative_id)
        )
    return statement


def count_visible(db: Session, *, reader: Reader, overlaps: list[Overlap]) -> int:
    """How many of ``overlaps`` ``reader`` may see (both initiatives visible to them)."""
    wanted = sorted({i for overlap in overlaps for i in (overlap.first_id, overlap.second_id)})
    visible: set[str] = set()
    for start in range(0, len(wanted), ID_CHUNK):
        chunk = wanted[start : start + ID_CHUNK]
        visible.update(db.scalars(visible_ids(reader).where(Initiative.id.in_(chunk))))
    return sum(1 for o in overlaps if o.first_id in visible and o.second_id in visible)


def parse_status(value: str | None) -> OverlapStatus | None:
    """An overlap status from query text ("" or "all" means any)."""
    text = (value or "").strip().lower()
    if not text or text == "all":
        return None
    try:
        return OverlapStatus(text)
    except ValueError as error:
        raise Invalid("must be open, confirmed, dismissed or all", "status") from error


def list_(
    db: Session,
    *,
    reader: Reader,
    status: OverlapStatus | None = OverlapStatus.OPEN,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Overlap]:
    """One page of the overlaps ``reader`` may see, highest score first."""
    return paginate(
        db,
        visible_statement(reader, status=status),
        keys=[Overlap.score, Overlap.id],
        cursor=cursor,
        limit=limit,
        descending=True,
    )


def for_initiative(db: Session, *, reader: Reader, initiative_id: str) -> list[Overlap]:
    """The visible overlaps of one initiative, best first."""
    statement = visible_statement(reader, initiative_id=initiative_id).order_by(
        Overlap.score.desc(), Overlap.id
    )
    return list(db.scalars(statement).unique())


def get_or_404(db: Session, *, reader: Reader, overlap_id: str) -> Overlap:
    """The overlap, if ``reader`` may see both its initiatives; NotFound otherwise."""
    overlap = None
    if not has_nul(overlap_id) and len(overlap_id) <= 36:
        overlap = db.scalar(visible_statement(reader).where(Overlap.id == overlap_id))
    if overlap is None:
        raise NotFound("overlap")
    return overlap


def review(db: Session, *, actor: Actor, overlap_id: str, data: OverlapReview) -> Overlap:
    """Confirm an overlap (merge, coordinate, or keep separate with a reason) or dismiss it."""
    overlap = get_or_404(db, reader=actor, overlap_id=overlap_id)
    if not may(actor, Action.REVIEW, overlap):
        raise Forbidden("reviewing overlaps needs the coordinator or regional coordinator role")
    if data.version != overlap.version:
        raise Conflict(
            f"someone else reviewed this overlap since you loaded it (you loaded version "
            f"{data.version}, it is now version {overlap.version}); reload and review again"
        )
    if data.decision is OverlapDecision.MERGE:
        kept = data.keep_id or _older(overlap)
        if kept not in (overlap.first_id, overlap.second_id):
            raise Invalid("must be one of the two initiatives of the overlap", "keep_id")
        folded = overlap.second_id if kept == overlap.first_id else overlap.first_id
        merging.merge(db, kept_id=kept, duplicate_id=folded)
    overlap.status = OverlapStatus(data.status)
    overlap.decision = data.decision
    overlap.decision_reason = data.reason
    overlap.reviewed_by_id = actor.user_id
    overlap.reviewed_at = utcnow()
    # Every review is also a decision on the pair, which detection obeys and learns from.
    feedback.record(
        db,
        first_id=overlap.first_id,
        second_id=overlap.second_id,
        verdict=PairVerdict.NOT_DUPLICATE
        if overlap.status is OverlapStatus.DISMISSED
        else PairVerdict.DUPLICATE,
        text_similarity=overlap.text_similarity,
        reason=data.reason,
        user_id=actor.user_id,
    )
    db.flush()
    return overlap


def _older(overlap: Overlap) -> str:
    """The initiative registered first (kept by a merge unless the reviewer says otherwise)."""
    first, second = overlap.first, overlap.second
    return first.id if (first.created_at, first.id) <= (second.created_at, second.id) else second.id


LABELS: dict[str, str] = {theme.value: label for theme, label in THEME_LABELS.items()} | {
    kind.value: label for kind, label in AUDIENCE_LABELS.items()
}


def sentences(overlap: Overlap) -> list[str]:
    """Why the pair was flagged, in sentences with themes and audiences by name."""
    return reasons_of(overlap).sentences(LABELS)


def reasons_of(overlap: Overlap) -> Reasons:
    try:
        data = orjson.loads(overlap.reasons)
    except orjson.JSONDecodeError:
        data = {}
    return Reasons.from_dict(data if isinstance(data, dict) else {})


def read(overlap: Overlap) -> OverlapRead:
    """The REST shape of one visible overlap."""
    reasons = reasons_of(overlap)
    return OverlapRead(
        id=overlap.id,
        first_id=overlap.first_id,
        first_title=overlap.first.title,
        second_id=overlap.second_id,
        second_title=overlap.second.title,
        score=overlap.score,
        text_similarity=overlap.text_similarity,
        reasons=ReasonsRead(**reasons.as_dict(), sentences=reasons.sentences(LABELS)),
        status=overlap.status,
        decision=overlap.decision,
        decision_reason=overlap.decision_reason,
        reviewed_at=overlap.reviewed_at,
        detected_at=overlap.detected_at,
        version=overlap.version,
    )


@dataclass(frozen=True)
class BodyPair:
    first_body: str
    second_body: str
    confirmed: int
    merge: int
    coordinate: int
    keep_separate: int


def _body_label(initiative: Initiative) -> str:
    return initiative.sectoral_body.code if initiative.sectoral_body else "(no body)"


def regional_view(db: Session, *, reader: Reader) -> list[BodyPair]:
    """Confirmed overlaps the reader may see, counted by pair of sectoral bodies."""
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for overlap in db.scalars(visible_statement(reader, status=OverlapStatus.CONFIRMED)).unique():
        pair = sorted([_body_label(overlap.first), _body_label(overlap.second)])
        bucket = counts[(pair[0], pair[1])]
        bucket["confirmed"] += 1
        if overlap.decision is not None:
            bucket[overlap.decision.value] += 1
    return sorted(
        (
            BodyPair(
                first_body=first,
                second_body=second,
                confirmed=bucket["confirmed"],
                merge=bucket[OverlapDecision.MERGE.value],
                coordinate=bucket[OverlapDecision.COORDINATE.value],
                keep_separate=bucket[OverlapDecision.KEEP_SEPARATE.value],
            )
            for (first, second), bucket in counts.items()
        ),
        key=lambda pair: (-pair.confirmed, pair.first_body, pair.second_body),
    )
