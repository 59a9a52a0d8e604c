"""Keeping the stored match index in step with the STIX store, without hooks in sharing.

Ingest writes ``stix_object`` rows with Core / driver ``executemany`` (no ORM object, so
no ORM event would fire), and other code may add rows the same way. So the index does not
listen: it *catches up*. A version is indexed when a ``matching_indicator`` row exists for
it; :func:`catch_up` indexes the indicator versions that have none. To keep that cheap it
looks only at rows added after the high-water mark minus :data:`LAG` (a range scan on the
``(date_added, id)`` index): ``date_added`` is stamped when a transaction starts storing,
and one still open when the mark moved may commit earlier stamps later, so the lag re-reads
a window wide enough for any ingest transaction. The periodic job (:func:`sweep`) looks at
everything, so nothing stays unindexed even past the lag.

Deletion needs no work: the index rows reference ``stix_object.id`` with ``ON DELETE
CASCADE``. The index is kept by background jobs in short transactions (:func:`refresh`,
one indexer at a time on PostgreSQL by ``pg_try_advisory_xact_lock``: a second one skips,
nobody waits); a match request never writes it: it reads the last complete index and
compiles the few newest indicators not covered yet (:func:`tail_condition`), so an
indicator stored a moment ago is matched at once.
"""

from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, exists, insert, literal, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.db import begin_writing, utcnow
from aseancyber.matching.compiler import compile_pattern
from aseancyber.matching.models import IndexedIndicator, IndexEntry, IndexWatermark
from aseancyber.sharing import stix
from aseancyber.sharing.models import StixObject

LAG = timedelta(hours=1)
BATCH = 2000
WATERMARK = "stix_object"
_LOCK_KEY = 0x6D61746368  # "match": serialises indexers on PostgreSQL


def _not_indexed(since: datetime | None) -> list[Any]:
    conditions: list[Any] = [
        StixObject.type == "indicator",
        ~exists(
            select(IndexedIndicator.stix_object_id).where(
                IndexedIndicator.stix_object_id == StixObject.id
            )
        ),
    ]
    if since is not None:
        conditions.append(StixObject.date_added > since)
    return conditions


def _since(db: Session, full: bool) -> datetime | None:
    if full:
        return None
    mark = db.scalar(select(IndexWatermark.date_added).where(IndexWatermark.name == WATERMARK))
    return None if mark is None else mark - LAG


def pending(db: Session, *, full: bool = False) -> bool:
    """Whether some indicator version is not indexed yet (a read, no lock)."""
    since = _since(db, full)
    return db.scalar(select(literal(1)).where(*_not_indexed(since)).limit(1)) is not None


def catch_up(db: Session, *, full: bool = False) -> int:
    """Index the indicator versions not indexed yet, in the caller's transaction (the CLI's
    rebuild, tests); return how many were indexed. Requests never call this: they use the
    last complete index and compile the newest tail themselves (:func:`tail`)."""
    if not pending(db, full=full):
        return 0
    begin_writing(db)
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    done = 0
    while batch := _index_batch(db, full=full):
        done += batch
    return done


def refresh(factory: sessionmaker[Session], *, full: bool = False) -> int:
    """Index what is not indexed yet, :data:`BATCH` versions per short transaction of its
    own; return how many. It never makes anyone wait: when another process is already
    indexing (PostgreSQL), it stops at once and leaves the work to that one."""
    done = 0
    while True:
        with factory() as db:
            if not pending(db, full=full):
                return done
        with factory() as db:
            begin_writing(db)
            if db.get_bind().dialect.name == "postgresql" and not db.scalar(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _LOCK_KEY}
            ):
                return done
            batch = _index_batch(db, full=full)
            db.commit()
        if not batch:
            return done
        done += batch


def _index_batch(db: Session, *, full: bool) -> int:
    since = _since(db, full)
    rows = db.execute(
        select(StixObject.id, StixObject.body, StixObject.date_added)
        .where(*_not_indexed(since))
        .order_by(StixObject.date_added, StixObject.id)
        .limit(BATCH)
    ).all()
    if not rows:
        return 0
    _store(db, [(row[0], row[1]) for row in rows])
    _advance(db, max(row[2] for row in rows))
    return len(rows)


def tail_condition(db: Session) -> list[Any]:
    """The indicator versions the stored index does not cover yet (within the catch-up
    window): a matcher compiles these itself, so what was stored a moment ago matches."""
    return _not_indexed(_since(db, False))


def _store(db: Session, rows: list[tuple[str, str]]) -> None:
    now = utcnow()
    indicators: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for record_id, body in rows:
        try:
            obj = orjson.loads(body)
        except orjson.JSONDecodeError:
            obj = {}
        if not isinstance(obj, dict):
            obj = {}
        compiled = compile_pattern(obj.get("pattern"), obj.get("pattern_type", "stix"))
        indicators.append(
            {
                "stix_object_id": record_id,
                "kind": compiled.kind,
                "sco_types": ",".join(sorted(compiled.types))[:500],
                "valid_from": _time(obj.get("valid_from")),
                "valid_until": _time(obj.get("valid_until")),
                "revoked": obj.get("revoked") is True,
                "problem": compiled.problem,
                "indexed_at": now,
            }
        )
        entries.extend(
            {
                "stix_object_id": record_id,
                "kind": entry.kind,
                "observable": entry.observable,
                "key": entry.key,
                "prefix": entry.prefix,
            }
            for entry in compiled.entries
        )
    db.execute(insert(IndexedIndicator), indicators)
    if entries:
        db.execute(insert(IndexEntry), entries)


def parse_time(value: Any) -> datetime | None:
    """A STIX timestamp field of an indicator, or ``None`` when absent or unreadable."""
    return _time(value)


def _time(value: Any) -> datetime | None:
    try:
        return stix.parse_timestamp(value, "valid_from") if isinstance(value, str) else None
    except stix.StixProblem:
        return None


def _advance(db: Session, highest: datetime) -> None:
    now = utcnow()
    current = db.scalar(select(IndexWatermark.date_added).where(IndexWatermark.name == WATERMARK))
    exists_already = db.scalar(select(IndexWatermark.name).where(IndexWatermark.name == WATERMARK))
    if exists_already is None:
        db.execute(
            insert(IndexWatermark).values(name=WATERMARK, date_added=highest, updated_at=now)
        )
    elif current is None or highest > current:
        db.execute(
            update(IndexWatermark)
            .where(IndexWatermark.name == WATERMARK)
            .values(date_added=highest, updated_at=now)
        )


def sweep(factory: sessionmaker[Session], payload: dict[str, Any]) -> None:
    """Job handler (``InUnits``): index everything not indexed yet, whatever its
    ``date_added``, in short transactions."""
    refresh(factory, full=True)


def catch_up_job(factory: sessionmaker[Session], payload: dict[str, Any]) -> None:
    """Job handler (``InUnits``): index what arrived since the last run, in short
    transactions (scheduled every few seconds while there is work)."""
    refresh(factory)


def has_recent_unindexed(db: Session) -> bool:
    """Whether something arrived that the index does not cover yet (a cheap range scan)."""
    return pending(db)


def has_unindexed(db: Session) -> bool:
    """Whether the sweep job has work (anything not indexed, at any date)."""
    return pending(db, full=True)


def rebuild(db: Session) -> int:
    """Drop the stored index and build it again (after a compiler change)."""
    begin_writing(db)
    db.execute(delete(IndexEntry))
    db.execute(delete(IndexedIndicator))
    db.execute(delete(IndexWatermark))
    return catch_up(db, full=True)
