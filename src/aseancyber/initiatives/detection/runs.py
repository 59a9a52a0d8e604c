"""Duplicate detection over many initiatives without a long write transaction (issue 14).

Scoring a whole registry takes tens of seconds at 20,000 initiatives; held in one write
transaction, that is tens of seconds in which every other writer waits (SQLite has one
writer at a time). A run here is done in phases, none of them long under a write lock:

1. **read**: the profiles and the coordinators' feedback, in read-only transactions that are
   closed before scoring (a reader blocks no writer);
2. **score**: pure Python, no transaction open;
3. **write**, :data:`CHUNK` pairs per short write transaction (a unit of work the caller,
   command line or job, commits): a pair already stored is
   refreshed (or reopened) in place, as a save's detection does; a new pair is inserted
   with the run's id in ``pending_run_id``, which hides it from every reader
   (:func:`~aseancyber.initiatives.overlaps.service.visible_statement`);
4. **publish**: one short transaction clears the run's ``pending_run_id`` (a single UPDATE),
   withdraws the open pairs that no longer qualify and audits the run, so readers go from
   the previous set of pairs to the new one at once.

A run that stops midway (crash, kill) leaves only hidden rows: the next run removes every
unpublished row before it writes, so a run is never half visible and a new run replaces a
dead one cleanly. One run at a time is expected (the command line starts them); two at
once are still safe for readers, the later publish being the one that counts.
"""

import time
from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass, field
from functools import partial
from typing import cast

from sqlalchemy import Table, delete, insert, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from aseancyber import audit
from aseancyber.access.policy import Actor
from aseancyber.db import new_id, utcnow
from aseancyber.initiatives.detection import feedback, live_index
from aseancyber.initiatives.detection.index import THRESHOLD, Candidate, DuplicateIndex
from aseancyber.initiatives.detection.profiles import load_profiles
from aseancyber.initiatives.importing import ImportResult, best_pairs, detect_imported
from aseancyber.initiatives.overlaps import notices as overlap_notices
from aseancyber.initiatives.overlaps import service as overlaps
from aseancyber.initiatives.overlaps.models import Overlap, OverlapStatus
from aseancyber.jobs.units import UnitOfWork

CHUNK = 500
"""Pairs written per write transaction (a few tens of milliseconds on SQLite)."""
Progress = Callable[[int, int, str], None]
AfterChunk = Callable[[int, int], None]
"""Called after each committed chunk with (chunks written, chunks in all): progress, and the
point where tests let another writer in."""


@dataclass
class Plan:
    """What one run will write, worked out before any write transaction."""

    candidates: list[Candidate]  # explained, in the order of their pair
    reopened: Set[tuple[str, str]] = frozenset()
    stale_ids: list[str] = field(default_factory=list)  # open pairs to withdraw on publish
    run_id: str = field(default_factory=new_id)


@dataclass
class Outcome:
    flagged: int = 0  # pairs flagged for the first time (new or reopened)
    written: int = 0
    chunks: int = 0
    new_rows: list[tuple[str, str, str]] = field(default_factory=list)  # inserted: id, sides
    withdrawn: int = 0
    visible: int = 0  # of the new pairs, those the importer may see (after an import)
    seconds_scoring: float = 0.0  # with no transaction open
    longest_write_seconds: float = 0.0  # the longest write transaction: a chunk or the publish
    publish_seconds: float = 0.0


def _chunks(items: list[Candidate], size: int) -> list[list[Candidate]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def plan_whole_registry(session_factory: sessionmaker[Session]) -> Plan:
    """Score every pair of the registry with no write transaction open."""
    with session_factory() as db:
        index = DuplicateIndex(load_profiles(db), term_weights=feedback.term_weights(db))
        db.rollback()  # end the read before the long scoring
    found = index.all_pairs(threshold=THRESHOLD)
    with session_factory() as db:
        proposable, reopened = feedback.keep_proposable(db, found)
        keep = {candidate.pair for candidate in proposable} | feedback.duplicates_of(db)
        stale = [
            overlap_id
            for overlap_id, first_id, second_id in db.execute(
                select(Overlap.id, Overlap.first_id, Overlap.second_id).where(
                    Overlap.status == OverlapStatus.OPEN, Overlap.pending_run_id.is_(None)
                )
            ).tuples()
            if (first_id, second_id) not in keep
        ]
    # Explained in the order of their first initiative, whose words are then read once.
    candidates = [index.explain(c) for c in sorted(proposable, key=lambda c: c.pair)]
    return Plan(candidates=candidates, reopened=reopened, stale_ids=stale)


def _write_chunk(
    db: Session, chunk: list[Candidate], plan: Plan, *, audit_as: Actor | None
) -> tuple[int, list[tuple[str, str, str]]]:
    """One chunk: stored pairs refreshed in place, new ones inserted hidden. Returns how
    many were flagged and the inserted rows (id and sides)."""
    # Only the keys first: the ORM rows (with their initiatives) are loaded for known pairs.
    stored = set(
        db.execute(
            select(Overlap.first_id, Overlap.second_id).where(
                tuple_(Overlap.first_id, Overlap.second_id).in_([c.pair for c in chunk])
            )
        ).tuples()
    )
    known = [candidate for candidate in chunk if candidate.pair in stored]
    flagged = len(overlaps.store(db, known, plan.reopened))
    now = utcnow()
    rows = [
        overlaps.new_row(candidate, now) | {"pending_run_id": plan.run_id}
        for candidate in chunk
        if candidate.pair not in stored
    ]
    if rows:
        db.execute(insert(cast(Table, Overlap.__table__)), rows)
    if audit_as is not None:
        for row in rows:
            audit.record(
                db,
                action="initiative_overlap.create",
                record_kind="initiative_overlap",
                record_id=row["id"],
                changed_fields=sorted(row),
                after=row,
                actor=audit_as,
            )
    return flagged + len(rows), [(row["id"], row["first_id"], row["second_id"]) for row in rows]


def _discard(db: Session) -> int:
    # Never shown, never reviewed: nothing of them is audited, so a plain DELETE.
    removed = db.execute(delete(Overlap).where(Overlap.pending_run_id.is_not(None)))
    return int(getattr(removed, "rowcount", 0) or 0)


def discard_unpublished(unit: UnitOfWork) -> int:
    """Remove the hidden rows of runs that never published (they stopped midway)."""
    return unit(_discard)


def write(
    unit: UnitOfWork,
    plan: Plan,
    *,
    chunk_size: int = CHUNK,
    audit_as: Actor | None = None,
    after_chunk: AfterChunk | None = None,
) -> Outcome:
    """Write the plan's pairs a ``unit`` per chunk, hidden until :func:`publish`."""
    discard_unpublished(unit)
    outcome = Outcome()
    chunks = _chunks(plan.candidates, chunk_size)
    for number, chunk in enumerate(chunks, start=1):
        began = time.perf_counter()
        flagged, inserted = unit(partial(_write_chunk, chunk=chunk, plan=plan, audit_as=audit_as))
        outcome.longest_write_seconds = max(
            outcome.longest_write_seconds, time.perf_counter() - began
        )
        outcome.flagged += flagged
        outcome.written += len(chunk)
        outcome.new_rows.extend(inserted)
        outcome.chunks = number
        if after_chunk is not None:
            after_chunk(number, len(chunks))
    return outcome


def publish(db: Session, plan: Plan, outcome: Outcome, *, action: str) -> None:
    """Show the run's pairs and withdraw the stale ones, in the caller's (short) transaction."""
    db.execute(
        update(Overlap).where(Overlap.pending_run_id == plan.run_id).values(pending_run_id=None),
        execution_options={"synchronize_session": False},
    )
    for start in range(0, len(plan.stale_ids), overlaps.ID_CHUNK):
        chunk = plan.stale_ids[start : start + overlaps.ID_CHUNK]
        # Reviewed since the plan was made: the review stands.
        for overlap in db.scalars(
            select(Overlap).where(Overlap.id.in_(chunk), Overlap.status == OverlapStatus.OPEN)
        ).unique():
            db.delete(overlap)
            outcome.withdrawn += 1
    db.flush()
    audit.record(
        db,
        action=action,
        record_kind="initiative_overlap",
        record_id="*",
        detail={
            "flagged": outcome.flagged,
            "written": outcome.written,
            "withdrawn": outcome.withdrawn,
            "chunks": outcome.chunks,
        },
    )


def detect_whole_registry(
    session_factory: sessionmaker[Session],
    *,
    unit: UnitOfWork,
    progress: Progress | None = None,
    chunk_size: int = CHUNK,
    after_chunk: AfterChunk | None = None,
) -> Outcome:
    """Re-run detection over the whole registry in short transactions (the command line's
    ``initiatives detect``); reviewed pairs keep their review. Reads use sessions of
    ``session_factory``, each write is a ``unit`` of work. Returns what was written."""
    if progress is not None:
        progress(0, 3, "scoring the registry (no transaction open)")
    began = time.perf_counter()
    plan = plan_whole_registry(session_factory)
    scoring = time.perf_counter() - began

    def chunk_written(number: int, total: int) -> None:
        if progress is not None:
            progress(1, 3, f"stored {number} of {total} chunks (hidden until the end)")
        if after_chunk is not None:
            after_chunk(number, total)

    outcome = write(unit, plan, chunk_size=chunk_size, after_chunk=chunk_written)
    outcome.seconds_scoring = scoring
    began = time.perf_counter()
    unit(lambda db: publish(db, plan, outcome, action="initiative_overlap.detect_all"))
    outcome.publish_seconds = time.perf_counter() - began
    outcome.longest_write_seconds = max(outcome.longest_write_seconds, outcome.publish_seconds)
    if progress is not None:
        progress(3, 3, "published the overlaps")
    return outcome


def plan_for_new(session_factory: sessionmaker[Session], new_ids: Iterable[str]) -> Plan:
    """The best pairs of newly imported initiatives (as ``detect_for`` keeps them), scored
    with no write transaction open; they are new, so none of their pairs is stored yet."""
    wanted = set(new_ids)
    with session_factory() as db:
        index = DuplicateIndex(load_profiles(db))
        db.rollback()
    chosen = best_pairs(index.all_pairs(threshold=THRESHOLD), wanted)
    return Plan(candidates=[index.explain(c) for c in sorted(chosen, key=lambda c: c.pair)])


def detect_after_import(
    session_factory: sessionmaker[Session],
    *,
    unit: UnitOfWork,
    actor: Actor,
    imported_ids: list[str],
    progress: Progress | None = None,
    chunk_size: int = CHUNK,
    after_chunk: AfterChunk | None = None,
) -> Outcome:
    """Find the overlaps of a large committed import in short transactions, publish them at
    once and tell the owners of the other side."""
    began = time.perf_counter()
    plan = plan_for_new(session_factory, imported_ids)
    scoring = time.perf_counter() - began

    def chunk_written(number: int, total: int) -> None:
        if progress is not None:
            progress(number, total + 1, f"stored {number} of {total} chunks of overlaps")
        if after_chunk is not None:
            after_chunk(number, total)

    outcome = write(unit, plan, chunk_size=chunk_size, audit_as=actor, after_chunk=chunk_written)
    outcome.seconds_scoring = scoring
    imported = set(imported_ids)

    def publish_and_notify(db: Session) -> None:
        publish(db, plan, outcome, action="initiative_overlap.detect_import")
        # A pair of two imported initiatives tells no other owner anything: only the others
        # are loaded, for the notices.
        others = [i for i, first, second in outcome.new_rows if not {first, second} <= imported]
        notified = [
            overlap
            for start in range(0, len(others), overlaps.ID_CHUNK)
            for overlap in db.scalars(
                select(Overlap).where(Overlap.id.in_(others[start : start + overlaps.ID_CHUNK]))
            ).unique()
        ]
        overlap_notices.notify_owners(db, flagged=notified, changed_ids=imported)

    began = time.perf_counter()
    unit(publish_and_notify)
    outcome.publish_seconds = time.perf_counter() - began
    outcome.longest_write_seconds = max(outcome.longest_write_seconds, outcome.publish_seconds)
    with session_factory() as db:  # a read, after the commit
        # Counted from ids and sides: loading every new pair would take long.
        flagged = [
            Overlap(id=i, first_id=first, second_id=second) for i, first, second in outcome.new_rows
        ]
        outcome.visible = overlaps.count_visible(db, reader=actor, overlaps=flagged)
    return outcome


def detect_committed_import(
    session_factory: sessionmaker[Session],
    *,
    unit: UnitOfWork,
    actor: Actor,
    result: ImportResult,
    progress: Progress | None = None,
    chunk_size: int = CHUNK,
    after_chunk: AfterChunk | None = None,
) -> Outcome | None:
    """Flag the overlaps of an import committed without detection (``detect=False``): a small
    one in one short transaction through the live index, as a save does; a large one with
    :func:`detect_after_import` (whose outcome is returned). Fills the result's overlap
    counts and timing."""
    if not result.imported_ids:
        return None
    started = time.perf_counter()
    outcome = None
    if len(result.imported_ids) <= live_index.OVERLAY_LIMIT:
        unit(lambda db: detect_imported(db, actor=actor, ids=result.imported_ids, result=result))
    else:
        outcome = detect_after_import(
            session_factory,
            unit=unit,
            actor=actor,
            imported_ids=result.imported_ids,
            progress=progress,
            chunk_size=chunk_size,
            after_chunk=after_chunk,
        )
        result.overlaps_found, result.overlaps_flagged = len(outcome.new_rows), outcome.visible
        result.seconds_finding_pairs = outcome.seconds_scoring
    result.seconds_detecting = time.perf_counter() - started
    return outcome
