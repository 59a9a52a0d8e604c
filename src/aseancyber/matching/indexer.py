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

import gc
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Table, and_, delete, exists, insert, literal, or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.db import begin_writing, utcnow
from aseancyber.matching.compiler import compile_pattern
from aseancyber.matching.models import IndexedIndicator, IndexEntry, IndexWatermark
from aseancyber.sharing import stix
from aseancyber.sharing.models import StixObject

LAG = timedelta(hours=1)
BATCH = 5000
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
    done, after = 0, None
    with collector_paused():
        while True:
            batch, after = _index_batch(db, full=full, after=after)
            if not batch:
                return done
            done += batch


def refresh(factory: sessionmaker[Session], *, full: bool = False) -> int:
    """Index what is not indexed yet, :data:`BATCH` versions per short transaction of its
    own; return how many. It never makes anyone wait: when another process is already
    indexing (PostgreSQL), it stops at once and leaves the work to that one."""
    done, after = 0, None
    with factory() as db:
        if not pending(db, full=full):
            return done
    with collector_paused():
        while True:
            with factory() as db:
                begin_writing(db)
                if db.get_bind().dialect.name == "postgresql" and not db.scalar(
                    text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _LOCK_KEY}
                ):
                    return done
                batch, after = _index_batch(db, full=full, after=after)
                db.commit()
            if not batch:
                return done
            done += batch


Cursor = tuple[datetime, str] | None


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while indicator rows are turned into index rows.

    Each batch allocates tens of thousands of short-lived objects (parsed bodies, compiled
    patterns, row tuples) and almost no cycles (reference counting frees them); yet the
    allocations set off collections that walked the whole heap, with the compiled-pattern
    cache in it, for about a third of a catch-up's CPU time. Paused for one catch-up, the
    collector finds the few cycles afterwards. It is only re-enabled by the caller that
    found it enabled, so nested or concurrent pauses never leave it off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _index_batch(db: Session, *, full: bool, after: Cursor) -> tuple[int, Cursor]:
    """Index the next :data:`BATCH` versions not indexed yet, after ``after`` in
    ``(date_added, id)`` order: one run reads each row once, not the whole window again
    for every batch. (A version committed later with an earlier stamp is the next run's.)"""
    conditions = _not_indexed(_since(db, full))
    if after is not None:
        conditions.append(
            or_(
                StixObject.date_added > after[0],
                and_(StixObject.date_added == after[0], StixObject.id > after[1]),
            )
        )
    rows: list[tuple[str, str]] = list(
        db.execute(
            select(StixObject.id, StixObject.body)
            .where(*conditions)
            .order_by(StixObject.date_added, StixObject.id)
            .limit(BATCH)
        ).tuples()
    )
    if not rows:
        return 0, after
    _store(db, rows)
    last_id = rows[-1][0]  # the highest (date_added, id): the order above
    # Only the last stamp is needed: reading (and parsing) every row's costs more.
    last_added = db.scalar(select(StixObject.date_added).where(StixObject.id == last_id))
    assert last_added is not None
    _advance(db, last_added)
    return len(rows), (last_added, last_id)


def tail_condition(db: Session) -> list[Any]:
    """The indicator versions the stored index does not cover yet (within the catch-up
    window): a matcher compiles these itself, so what was stored a moment ago matches."""
    return _not_indexed(_since(db, False))


_INDICATOR_COLUMNS = (
    "stix_object_id",
    "kind",
    "sco_types",
    "valid_from",
    "valid_until",
    "revoked",
    "problem",
    "indexed_at",
)
_ENTRY_COLUMNS = ("stix_object_id", "kind", "observable", "key", "prefix")


def _store(db: Session, rows: list[tuple[str, str]]) -> None:
    now = utcnow()
    indicators: list[tuple[Any, ...]] = []
    entries: list[tuple[Any, ...]] = []
    for record_id, body in rows:
        try:
            obj = orjson.loads(body)
        except orjson.JSONDecodeError:
            obj = {}
        if not isinstance(obj, dict):
            obj = {}
        compiled = compile_pattern(obj.get("pattern"), obj.get("pattern_type", "stix"))
        types = compiled.types
        indicators.append(
            (
                record_id,
                compiled.kind,
                (next(iter(types)) if len(types) == 1 else ",".join(sorted(types)))[:500],
                _time(obj.get("valid_from")),
                _time(obj.get("valid_until")),
                obj.get("revoked") is True,
                compiled.problem,
                now,
            )
        )
        entries.extend(
            (record_id, entry.kind, entry.observable, entry.key, entry.prefix)
            for entry in compiled.entries
        )
    _bulk_insert(db, IndexedIndicator.__table__, _INDICATOR_COLUMNS, indicators)
    _bulk_insert(db, IndexEntry.__table__, _ENTRY_COLUMNS, entries)


def _bulk_insert(
    db: Session, table: Any, names: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (values in the order of ``names``) in the session's transaction at
    driver speed: ``COPY`` on PostgreSQL, one ``executemany`` elsewhere. Values go through
    each column type's own bind processing, as an ORM or Core insert would do them, once
    per distinct value (a batch repeats its stamps, kinds and flags)."""
    if not rows:
        return
    assert isinstance(table, Table)
    columns = [table.c[name] for name in names]
    dialect = db.get_bind().dialect
    if dialect.name != "postgresql" and dialect.paramstyle != "qmark":
        # neither PostgreSQL nor SQLite: the Core insert
        db.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])
        return
    values: list[Any] = list(zip(*rows, strict=True))
    for at, column in enumerate(columns):
        process = column.type.bind_processor(dialect)
        if process is None:
            continue
        done = {value: process(value) for value in set(values[at]) if value is not None}
        if dialect.name == "sqlite":
            # What sqlite3 would do to each row's datetime (its adapter), once per value.
            done = {
                value: sqlite3.adapt(bound, sqlite3.PrepareProtocol)
                if isinstance(bound, datetime)
                else bound
                for value, bound in done.items()
            }
        values[at] = [None if value is None else done[value] for value in values[at]]
    processed = list(zip(*values, strict=True))
    connection = db.connection()
    quoted_names = ", ".join(dialect.identifier_preparer.quote(column.name) for column in columns)
    quoted = dialect.identifier_preparer.format_table(table)
    if dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None
        statement = f"COPY {quoted} ({quoted_names}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in processed:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {quoted} ({quoted_names}) VALUES ({marks})"  # noqa: S608 - metadata names
    connection.exec_driver_sql(statement, processed)


def parse_time(value: Any) -> datetime | None:
    """A STIX timestamp field of an indicator, or ``None`` when absent or unreadable."""
    return _time(value)


def _time(value: Any) -> datetime | None:
    return _parsed(value) if isinstance(value, str) else None


@lru_cache(maxsize=4096)
def _parsed(value: str) -> datetime | None:
    """A feed repeats its stamps (one ``valid_from`` for a whole import): parse each once."""
    try:
        return stix.parse_timestamp(value, "valid_from")
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
