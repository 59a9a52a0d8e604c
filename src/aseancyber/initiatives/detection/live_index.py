"""The duplicate-detection index the save path queries: kept in the process, kept correct
through a generation counter in the database.

Rebuilding :class:`~aseancyber.initiatives.detection.index.DuplicateIndex` takes seconds at
20,000 initiatives, so each process keeps one and follows the registry's changes instead:

- every create, edit or delete of an initiative records a row in ``initiative_index_change``
  under the next generation of ``initiative_index_state`` (:func:`record_change`, in the
  writer's own transaction). Raising the generation locks that one row until the writer
  commits, so generations become visible in order: a process that has applied everything
  up to generation N has missed nothing below N, whichever process wrote it;
- before answering, a process applies the committed changes after its generation (a few
  rows, re-reading only those initiatives) and checks that its own generation's row still
  carries the token it saw, so a rolled-back or restored database makes it rebuild;
- the changes of the asking transaction itself are not committed yet: they never enter the
  shared index, they are scored on the side ("overlay") from what that transaction sees.

Checking one initiative thus costs a handful of indexed queries plus one probe of the
index, about the same at 200 and at 20,000 initiatives.
"""

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, event, insert, select, update
from sqlalchemy.orm import Session

from aseancyber.db import new_id, utcnow
from aseancyber.initiatives.detection import feedback
from aseancyber.initiatives.detection.index import (
    THRESHOLD,
    Candidate,
    DuplicateIndex,
    Profile,
)
from aseancyber.initiatives.detection.profiles import load_profiles
from aseancyber.initiatives.detection.scoring import is_apart
from aseancyber.initiatives.models import DetectionIndexChange, DetectionIndexState

STATE_ROW = 1
CATCH_UP_LIMIT = 2_000
"""More committed changes than this since a process's generation: rebuild rather than apply."""
OVERLAY_LIMIT = 300
"""More uncommitted changes than this in the asking transaction (a bulk import): score them
with an index built for the occasion, as scoring each against each would be slower."""
PENDING = "initiatives.index_pending"
"""Key in ``Session.info``: generation -> initiative id written by this open transaction."""


def record_change(db: Session, *, initiative_ids: Sequence[str]) -> None:
    """Record that these initiatives' detection profiles changed (created, edited, deleted)."""
    if not initiative_ids:
        return
    count = len(initiative_ids)
    raised = db.execute(
        update(DetectionIndexState)
        .where(DetectionIndexState.id == STATE_ROW)
        .values(generation=DetectionIndexState.generation + count)
    )
    if getattr(raised, "rowcount", 1) == 0:
        db.execute(insert(DetectionIndexState).values(id=STATE_ROW, generation=count))
    last = db.scalar(
        select(DetectionIndexState.generation).where(DetectionIndexState.id == STATE_ROW)
    )
    assert last is not None
    now = utcnow()
    written = {last - count + 1 + offset: id_ for offset, id_ in enumerate(initiative_ids)}
    db.execute(
        insert(DetectionIndexChange),
        [
            {"generation": generation, "initiative_id": id_, "token": new_id(), "changed_at": now}
            for generation, id_ in written.items()
        ],
    )
    pending: dict[int, str] = db.info.setdefault(PENDING, {})
    pending.update(written)


def forget_pending(session: Session) -> None:
    """Once a transaction ends its changes are either committed (and read back like anyone
    else's) or gone; either way they stop being this session's own."""
    session.info.pop(PENDING, None)


event.listen(Session, "after_commit", forget_pending)
event.listen(Session, "after_rollback", forget_pending)


@dataclass
class _Entry:
    generation: int
    token: str
    index: DuplicateIndex
    learnt: tuple[int, datetime | None] = (0, None)  # the decisions its weights came from


@dataclass
class Stats:
    """What the last :meth:`LiveIndex.find` did (for tests and the benchmark)."""

    rebuilt: bool = False
    applied: int = 0
    overlay: int = 0


class LiveIndex:
    """One process's duplicate index per database, brought up to date before each use."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        # Routes run in a thread pool: one thread at a time reads or changes the index.
        self._lock = threading.Lock()
        self.last = Stats()

    def clear(self) -> None:
        """Forget every index (the next use rebuilds; tests and benchmarks start afresh)."""
        with self._lock:
            self._entries.clear()

    def find(
        self,
        db: Session,
        *,
        profiles: Sequence[Profile],
        threshold: float = THRESHOLD,
        limit: int = 10,
    ) -> list[Candidate]:
        """The likely duplicates of ``profiles`` (as ``db`` sees them) among every initiative
        ``db`` sees, each pair once, best first per profile (at most ``limit`` each)."""
        with self._lock:
            self.last = Stats()
            pending: dict[int, str] = db.info.get(PENDING, {})
            own = set(pending.values()) | {profile.id for profile in profiles}
            index, overlay_ids = self._synced(db, pending=pending, own=own)
            if len(overlay_ids) > OVERLAY_LIMIT:
                self.last.rebuilt = True
                index, overlay_ids = _build(db), set()
            overlay = {p.id: p for p in load_profiles(db, ids=overlay_ids)} if overlay_ids else {}
            self.last.overlay = len(overlay)
            found: dict[tuple[str, str], Candidate] = {}
            for profile in profiles:
                for candidate in self._one(index, profile, overlay, overlay_ids, threshold)[:limit]:
                    found.setdefault(candidate.pair, candidate)
            return sorted(found.values(), key=lambda c: (-c.score, c.pair))

    def score(self, db: Session, *, first: Profile, second: Profile) -> Candidate:
        """One pair scored (with reasons) against the registry ``db`` sees, whatever the
        threshold: what a coordinator flagging a missed pair is shown."""
        with self._lock:
            pending: dict[int, str] = db.info.get(PENDING, {})
            index, _ = self._synced(db, pending=pending, own={first.id, second.id})
            scorer = index.scorer
            return scorer.score(first, scorer.vector(first), second, scorer.vector(second))

    @staticmethod
    def _one(
        index: DuplicateIndex,
        profile: Profile,
        overlay: dict[str, Profile],
        overlay_ids: set[str],
        threshold: float,
    ) -> list[Candidate]:
        # What the shared index holds of an overlay initiative is stale (or deleted): those
        # are scored from the asking transaction's own view instead.
        found = [
            candidate
            for candidate in index.candidates_for(profile, threshold=threshold, limit=10**9)
            if _other(candidate, profile.id) not in overlay_ids
        ]
        vector = index.scorer.vector(profile)
        for other in overlay.values():
            if other.id == profile.id or is_apart(profile, other):
                continue
            candidate = index.scorer.score(profile, vector, other, index.scorer.vector(other))
            if candidate.score >= threshold:
                found.append(candidate)
        found.sort(key=lambda c: (-c.score, c.pair))
        return found

    def _synced(
        self, db: Session, *, pending: dict[int, str], own: set[str]
    ) -> tuple[DuplicateIndex, set[str]]:
        """This process's index for ``db``'s database with every committed change applied,
        and the initiatives to score from ``db``'s own view (its uncommitted changes)."""
        key = _database_key(db)
        entry = self._entries.get(key)
        if entry is not None and entry.generation > 0:
            token = db.scalar(
                select(DetectionIndexChange.token).where(
                    DetectionIndexChange.generation == entry.generation
                )
            )
            if token != entry.token:
                entry = None  # rolled back, restored from a backup, or another database
        if entry is not None and entry.learnt != feedback.state(db):
            entry = None  # coordinators decided on pairs since: the weights are relearnt
        if entry is not None:
            rows = db.execute(
                select(DetectionIndexChange.generation, DetectionIndexChange.initiative_id)
                .where(DetectionIndexChange.generation > entry.generation)
                .order_by(DetectionIndexChange.generation)
                .limit(CATCH_UP_LIMIT + 1)
            ).all()
            if len(rows) > CATCH_UP_LIMIT:
                entry = None
        if entry is None:
            if pending or not _head(db)[0]:
                # This transaction's own changes are in what it reads; they may not enter
                # the shared index, so this once the index is built for this caller only
                # (and when no change was ever recorded there is no generation to keep).
                self.last.rebuilt = True
                return _build(db), own
            return self._rebuild(db, key).index, own
        committed = [(generation, id_) for generation, id_ in rows if generation not in pending]
        # Committed changes to an initiative this transaction also changed cannot be read
        # as committed from here: leave the index where it is and score them on the side.
        if committed and not {id_ for _, id_ in committed} & set(pending.values()):
            self._apply(db, entry, committed)
            return entry.index, own
        return entry.index, own | {id_ for _, id_ in committed}

    def _rebuild(self, db: Session, key: str) -> _Entry:
        self.last.rebuilt = True
        # The generation is read before the profiles: the index may hold a little more than
        # that generation (applied again later, harmlessly), never less.
        generation, token = _head(db)
        learnt = feedback.state(db)
        entry = _Entry(generation, token, _build(db), learnt)
        self._entries[key] = entry
        return entry

    def _apply(self, db: Session, entry: _Entry, changes: list[tuple[int, str]]) -> None:
        ids = {id_ for _, id_ in changes}
        current = {profile.id: profile for profile in load_profiles(db, ids=ids)}
        for initiative_id in ids:
            profile = current.get(initiative_id)
            if profile is None:
                entry.index.remove(initiative_id)
            else:
                entry.index.add(profile)
        last = changes[-1][0]
        token = db.scalar(
            select(DetectionIndexChange.token).where(DetectionIndexChange.generation == last)
        )
        entry.generation, entry.token = last, token or ""
        self.last.applied = len(ids)


def _build(db: Session) -> DuplicateIndex:
    """An index of every initiative ``db`` sees, weighted by what decisions taught."""
    return DuplicateIndex(load_profiles(db), term_weights=feedback.term_weights(db))


def _head(db: Session) -> tuple[int, str]:
    row = db.execute(
        select(DetectionIndexChange.generation, DetectionIndexChange.token)
        .order_by(DetectionIndexChange.generation.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else (0, "")


def _other(candidate: Candidate, profile_id: str) -> str:
    return candidate.second_id if candidate.first_id == profile_id else candidate.first_id


def _database_key(db: Session) -> str:
    bind = db.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    return f"{id(engine)}:{engine.url.render_as_string(hide_password=True)}"


PROCESS_INDEX = LiveIndex()
"""The index of this process (each web or worker process has its own)."""


def find(db: Session, *, profiles: Iterable[Profile], limit: int = 10) -> list[Candidate]:
    """The likely duplicates of ``profiles`` through this process's index."""
    return PROCESS_INDEX.find(db, profiles=list(profiles), limit=limit)
