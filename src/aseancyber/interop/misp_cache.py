"""Converted MISP feed events, kept in this process's memory and in the database.

misp-stix is slow (its STIX pattern parsing: tens to a hundred attributes a second), so
what it made of an event is kept, keyed by a digest of the exact stored versions it was
made of and their labels (:func:`digest`). A stored version never changes (a change, a
revocation, is a new version with a new record id; a relabel changes the key too), so a
kept conversion is never stale and needs no invalidation.

Two tiers: the last ``MEMORY_KEPT`` events in memory, and every conversion in the table
``misp_conversion``, shared by every server process and kept over restarts, so only the
first fetch of an event ever converts it. Neither holds a reader's answer: which versions
make an event is decided per reader at read time, and the same versions convert the same
for anyone. A read-only request stores new conversions right after its read
(:func:`aseancyber.db.defer_write`); rows not made for ``KEPT_FOR`` are removed then.
"""

import hashlib
import threading
from collections import OrderedDict
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aseancyber.db import defer_write, insert_missing, utcnow
from aseancyber.interop.models import MispConversion

MEMORY_KEPT = 1000
KEPT_FOR = timedelta(days=30)
BATCH = 500
PENDING = "aseancyber_misp_conversions_pending"


class _Memory:
    """The last ``size`` conversions by digest, as bytes (a fresh copy on every read)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._events: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            found = self._events.get(key)
            if found is not None:
                self._events.move_to_end(key)
            return found

    def put(self, key: str, content: bytes) -> None:
        with self._lock:
            self._events[key] = content
            self._events.move_to_end(key)
            while len(self._events) > self.size:
                self._events.popitem(last=False)

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._events

    def clear(self) -> None:
        with self._lock:
            self._events.clear()


MEMORY = _Memory(MEMORY_KEPT)


def digest(key: tuple[Any, ...]) -> str:
    """The table key of an event made of exactly these versions (and labels)."""
    return hashlib.sha256(orjson.dumps(key)).hexdigest()


def prefetch(db: Session, keys: list[str]) -> None:
    """Bring the stored conversions of ``keys`` into memory, a batch per query (a whole
    feed's events are looked up together, not one query per event)."""
    missing = [key for key in dict.fromkeys(keys) if key not in MEMORY]
    for start in range(0, len(missing), BATCH):
        batch = missing[start : start + BATCH]
        statement = select(MispConversion.key, MispConversion.content).where(
            MispConversion.key.in_(batch)
        )
        for key, content in db.execute(statement).tuples():
            MEMORY.put(key, content)


def get(db: Session, key: str) -> tuple[bool, dict[str, Any] | None]:
    """Whether the conversion of ``key`` is kept, and the kept conversion (None: misp-stix
    made nothing of those versions)."""
    content = MEMORY.get(key)
    if content is None:
        content = db.scalar(select(MispConversion.content).where(MispConversion.key == key))
        if content is None:
            return False, None
        MEMORY.put(key, content)
    found: dict[str, Any] | None = orjson.loads(content)
    return True, found


def put(db: Session, key: str, converted: dict[str, Any] | None) -> None:
    """Keep a conversion just made, in memory now and in the table (right after a
    read-only request's read, or in the caller's transaction otherwise)."""
    content = orjson.dumps(converted)
    MEMORY.put(key, content)
    pending: list[dict[str, Any]] | None = db.info.get(PENDING)
    if pending is None:
        pending = db.info[PENDING] = []
        if not defer_write(db, lambda writer: _store(writer, pending)):
            db.info.pop(PENDING)
            _store(db, [{"key": key, "content": content, "created_at": utcnow()}])
            return
    pending.append({"key": key, "content": content, "created_at": utcnow()})


def _store(db: Session, rows: list[dict[str, Any]]) -> None:
    # Another process may have stored the same conversion first: theirs stays (the same).
    for start in range(0, len(rows), BATCH):
        insert_missing(db, MispConversion, rows[start : start + BATCH])
    if rows:
        db.execute(delete(MispConversion).where(MispConversion.created_at < utcnow() - KEPT_FOR))


def clear_memory() -> None:
    """Forget the conversions kept in memory (what a restart does; the table stays)."""
    MEMORY.clear()
