"""The IP-to-ASN table: stored from the operator's file, looked up from memory.

The database keeps the disjoint ranges (see :mod:`aseancyber.routing.asn_files`). Each
process keeps one in-memory copy, rebuilt when the stored ``generation`` differs from the
copy's, so a new load reaches every web and worker process on its next lookup.

In memory the ranges, with the gaps between them as AS 0, partition the address space:
the AS of an address is ``asn_after[bisect_right(starts, address)]``, with no end check.
IPv4 has a /16 bucket index that bounds each binary search to a few entries. Lookups run
as ``map`` over C functions (``inet_pton``, ``int.from_bytes``, ``bisect_right``), so a
batch never enters a Python-level loop per address.
"""

from __future__ import annotations  # array[int] is not subscriptable at run time before 3.12

import threading
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from itertools import chain, repeat
from operator import rshift
from socket import AF_INET, inet_pton
from typing import cast

from sqlalchemy import ColumnElement, and_, delete, insert, or_, select, true
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.policy import Actor
from aseancyber.db import begin_writing, new_id, utcnow
from aseancyber.jobs.units import UnitOfWork
from aseancyber.routing import asn_files
from aseancyber.routing.models import AsName, AsnRange, AsnTable

TABLE_ROW = 1
BATCH = 5_000
CHUNK = 10_000
"""Ranges written per committed unit by :func:`store_in_chunks`."""
READ_STEP = 50_000
V4_BUCKET_SHIFT = 16
# The C function itself, for map(); typeshed types it as a classmethod map() cannot take.
_from_bytes = cast(Callable[[bytes, str], int], int.from_bytes)

Progress = Callable[[int, int, str], None]


def _hex(value: int) -> str:
    return f"{value:032x}"


@dataclass
class LookupTable:
    """One generation of the table in memory (immutable once built)."""

    version: tuple[int, datetime | None] = (0, None)
    v4_starts: array[int] = field(default_factory=lambda: array("I"))
    v4_asn_after: array[int] = field(default_factory=lambda: array("I", [0]))
    v4_lo: array[int] = field(default_factory=lambda: array("I", [0]) * (1 << 16))
    v4_hi: array[int] = field(default_factory=lambda: array("I", [0]) * (1 << 16))
    v6_starts: list[int] = field(default_factory=list)
    v6_asn_after: array[int] = field(default_factory=lambda: array("I", [0]))
    names: dict[int, tuple[str, str]] = field(default_factory=dict)
    ipv4_ranges: int = 0
    ipv6_ranges: int = 0

    @property
    def generation(self) -> int:
        return self.version[0]

    def asns_v4(self, numbers: list[int]) -> list[int]:
        """The origin AS (0: none) of each IPv4 address given as an integer."""
        buckets = list(map(rshift, numbers, repeat(V4_BUCKET_SHIFT)))
        positions = map(
            bisect_right,
            repeat(self.v4_starts),
            numbers,
            map(self.v4_lo.__getitem__, buckets),
            map(self.v4_hi.__getitem__, buckets),
        )
        return list(map(self.v4_asn_after.__getitem__, positions))

    def asns_v4_text(self, addresses: list[str]) -> list[int]:
        """Like :meth:`asns_v4` for dotted-quad text; raises OSError on anything else."""
        numbers = list(map(_from_bytes, map(inet_pton, repeat(AF_INET), addresses), repeat("big")))
        return self.asns_v4(numbers)

    def asn_v6(self, number: int) -> int:
        """The origin AS (0: none) of one IPv6 address given as an integer."""
        return self.v6_asn_after[bisect_right(self.v6_starts, number)]

    def asn_of(self, family: int, number: int) -> int:
        if family == 4:
            return self.asns_v4([number])[0]
        return self.asn_v6(number)


def build(
    version: tuple[int, datetime | None],
    ranges: Iterable[tuple[int, int, int, int]],
    names: dict[int, tuple[str, str]] | None = None,
) -> LookupTable:
    """A lookup table from sorted, disjoint ``(family, start, end, asn)`` ranges."""
    table = LookupTable(version=version, names=names or {})
    v4_starts: list[int] = []
    v4_asns: list[int] = [0]
    v6_asns: list[int] = [0]
    next_free = {4: 0, 6: 0}
    top = {4: (1 << 32) - 1, 6: (1 << 128) - 1}
    for family, start, end, asn in ranges:
        starts, asns = (v4_starts, v4_asns) if family == 4 else (table.v6_starts, v6_asns)
        if start > next_free[family]:  # the gap before this range has no AS
            starts.append(next_free[family])
            asns.append(0)
        starts.append(start)
        asns.append(asn)
        next_free[family] = end + 1
        if family == 4:
            table.ipv4_ranges += 1
        else:
            table.ipv6_ranges += 1
    for family, starts, asns in ((4, v4_starts, v4_asns), (6, table.v6_starts, v6_asns)):
        if starts and next_free[family] <= top[family]:
            starts.append(next_free[family])
            asns.append(0)
    table.v4_starts = array("I", v4_starts)
    table.v4_asn_after = array("I", v4_asns)
    table.v6_asn_after = array("I", v6_asns)
    bounds = array("I", (bisect_left(v4_starts, b << V4_BUCKET_SHIFT) for b in range(1 << 16)))
    table.v4_lo = bounds
    table.v4_hi = bounds[1:] + array("I", [len(v4_starts)])
    return table


_lock = threading.Lock()
_cached = LookupTable()


def current_version(db: Session) -> tuple[int, datetime | None]:
    """The stored table's generation and load time (``(0, None)``: none loaded).

    The load time goes with the counter so a copy cached before a rollback or a restore is
    never taken for a different table that reached the same generation number.
    """
    row = db.execute(
        select(AsnTable.generation, AsnTable.loaded_at).where(AsnTable.id == TABLE_ROW)
    ).first()
    return (row[0], row[1]) if row is not None else (0, None)


def current_table(db: Session) -> LookupTable:
    """This process's copy of the table, rebuilt first if the stored one is another."""
    global _cached  # noqa: PLW0603 - one cached table per process, swapped whole
    version = current_version(db)
    if _cached.version == version:
        return _cached
    with _lock:
        if _cached.version != version:
            _cached = _load(db, version)
    return _cached


def _load(db: Session, version: tuple[int, datetime | None]) -> LookupTable:
    state = db.get(AsnTable, TABLE_ROW)
    loads = {4: state.ipv4_load_id, 6: state.ipv6_load_id} if state is not None else {4: "", 6: ""}

    def ranges_of(family: int) -> Iterator[tuple[int, int, int, int]]:
        rows = db.execute(
            select(AsnRange.range_start, AsnRange.range_end, AsnRange.asn)
            .where(AsnRange.load_id == loads[family], AsnRange.family == family)
            .order_by(AsnRange.range_start)
        ).tuples()
        return ((family, int(start, 16), int(end, 16), asn) for start, end, asn in rows)

    names = {
        asn: (name, country)
        for asn, name, country in db.execute(
            select(AsName.asn, AsName.name, AsName.country)
        ).tuples()
    }
    return build(version, chain(ranges_of(4), ranges_of(6)), names)


@dataclass(frozen=True)
class LoadSummary:
    generation: int
    ipv4_ranges: int
    ipv6_ranges: int
    names: int
    ranges: int


@dataclass(frozen=True)
class _Prepared:
    """A file read and flattened, with no transaction open."""

    ranges: list[asn_files.RawRange]
    names: dict[int, tuple[str, str]]
    load_id: str = field(default_factory=new_id)

    @property
    def families(self) -> set[int]:
        return {r.family for r in self.ranges}


def _prepare(
    lines: Iterable[str], file_format: str, report: Progress, line_count: int
) -> _Prepared:
    parsed = asn_files.read(_counted(lines, report, line_count), file_format)
    report(0, 0, "flattening nested prefixes")
    return _Prepared(asn_files.flatten(parsed.ranges), parsed.names)


def _insert(db: Session, load_id: str, ranges: Sequence[asn_files.RawRange]) -> None:
    db.execute(
        insert(AsnRange),
        [
            {
                "load_id": load_id,
                "family": r.family,
                "range_start": _hex(r.start),
                "range_end": _hex(r.end),
                "asn": r.asn,
                "origins": r.origins,
            }
            for r in ranges
        ],
    )


def _stale(state: AsnTable | None) -> ColumnElement[bool]:
    """Ranges of no load readers use: an earlier load's, or a stopped load's."""
    if state is None:
        return true()
    return or_(
        and_(AsnRange.family == 4, AsnRange.load_id != state.ipv4_load_id),
        and_(AsnRange.family == 6, AsnRange.load_id != state.ipv6_load_id),
    )


def _purge(db: Session, *, limit: int | None = None) -> int:
    """Remove up to ``limit`` (None: all) ranges no reader uses; returns how many."""
    condition = _stale(db.get(AsnTable, TABLE_ROW))
    if limit is not None:
        condition = AsnRange.id.in_(select(AsnRange.id).where(condition).limit(limit))
    removed = db.execute(delete(AsnRange).where(condition))
    return int(getattr(removed, "rowcount", 0) or 0)


def _switch(
    db: Session,
    prepared: _Prepared,
    *,
    actor: Actor | None,
    file_format: str,
    source: str,
    replace: bool,
) -> LoadSummary:
    """Readers move to the prepared load's ranges (for every family with ``replace``, else
    for those the file covers), with its AS names: a new generation, audited."""
    state = db.get(AsnTable, TABLE_ROW, with_for_update=True)
    if state is None:
        state = AsnTable(id=TABLE_ROW, generation=0)
        db.add(state)
        db.flush()
    families = prepared.families
    switched = {4, 6} if replace else families
    if 4 in switched:
        state.ipv4_load_id = prepared.load_id
    if 6 in switched:
        state.ipv6_load_id = prepared.load_id
    if replace:
        db.execute(delete(AsName))
    _store_names(db, prepared.names)
    counts = {family: len([r for r in prepared.ranges if r.family == family]) for family in (4, 6)}
    if not replace:
        for family in {4, 6} - families:
            counts[family] = state.ipv4_ranges if family == 4 else state.ipv6_ranges
    state.generation += 1
    state.source = source[:300]
    state.file_format = file_format
    state.ipv4_ranges = counts[4]
    state.ipv6_ranges = counts[6]
    state.loaded_at = utcnow()
    db.flush()
    audit.record(
        db,
        action="routing.asn_table_load",
        record_kind="routing_asn_table",
        record_id=str(TABLE_ROW),
        changed_fields=[f"ipv4_ranges={counts[4]}", f"ipv6_ranges={counts[6]}"],
        after={"generation": state.generation, "source": state.source, "format": file_format},
        actor=actor,
    )
    return LoadSummary(
        state.generation, counts[4], counts[6], len(prepared.names), len(prepared.ranges)
    )


def store(
    db: Session,
    *,
    actor: Actor | None,
    lines: Iterable[str],
    file_format: str,
    source: str,
    replace: bool = True,
    progress: Progress | None = None,
    line_count: int = 0,
) -> LoadSummary:
    """Read an operator's pfx2as or iptoasn file and store it as the table (a new generation),
    in the caller's one transaction (small files; the command line uses :func:`store_in_chunks`).

    With ``replace`` the previous table of every family goes; without it, the families the
    file covers are replaced and the others kept (an IPv4 and an IPv6 iptoasn file are loaded
    one after the other). Raises :class:`asn_files.AsnFileProblem` naming the bad line.
    """
    begin_writing(db)
    report = progress or (lambda done, total, what: None)
    prepared = _prepare(lines, file_format, report, line_count)
    _purge(db)
    total = len(prepared.ranges)
    for done in range(0, total, BATCH):
        _insert(db, prepared.load_id, prepared.ranges[done : done + BATCH])
        report(done + min(BATCH, total - done), total, "storing ranges")
    summary = _switch(
        db, prepared, actor=actor, file_format=file_format, source=source, replace=replace
    )
    _purge(db)
    return summary


def store_in_chunks(
    *,
    unit: UnitOfWork,
    actor: Actor | None,
    lines: Iterable[str],
    file_format: str,
    source: str,
    replace: bool = True,
    progress: Progress | None = None,
    line_count: int = 0,
    chunk_size: int = CHUNK,
    after_chunk: Callable[[int, int], None] | None = None,
) -> LoadSummary:
    """:func:`store` with no long write transaction (issue 14): the file is read and
    flattened with none open, its ranges written ``chunk_size`` per ``unit`` of work under
    a new load id that no reader uses, then one short unit switches readers to them (the
    replace stays atomic for readers), and the previous ranges are removed in chunks.
    A load that stops midway leaves only unused rows, removed by the next load. One load
    at a time is expected (the command line starts them)."""
    report = progress or (lambda done, total, what: None)
    prepared = _prepare(lines, file_format, report, line_count)
    while unit(partial(_purge, limit=chunk_size)) == chunk_size:
        report(0, 0, "removing the rows of a load that stopped midway")
    total = len(prepared.ranges)
    chunks = range(0, total, chunk_size)
    for number, done in enumerate(chunks, start=1):
        unit(
            partial(
                _insert, load_id=prepared.load_id, ranges=prepared.ranges[done : done + chunk_size]
            )
        )
        report(done + min(chunk_size, total - done), total, "storing ranges (hidden until the end)")
        if after_chunk is not None:
            after_chunk(number, len(chunks))
    summary = unit(
        partial(
            _switch,
            prepared=prepared,
            actor=actor,
            file_format=file_format,
            source=source,
            replace=replace,
        )
    )
    removed = 0
    while (count := unit(partial(_purge, limit=chunk_size))) > 0:
        removed += count
        report(removed, removed, "removing the previous ranges")
    return summary


def _counted(lines: Iterable[str], report: Progress, total: int) -> Iterator[str]:
    """The lines, reporting every so many as read (``total`` 0: not known ahead)."""
    done = 0
    for done, line in enumerate(lines, start=1):
        if done % READ_STEP == 0:
            report(done, max(total, done), "reading lines")
        yield line
    report(done, done, "reading lines")


def _store_names(db: Session, names: dict[int, tuple[str, str]]) -> None:
    if not names:
        return
    # Names are replaced per AS: drop the ones this file names, then insert them afresh.
    asns = sorted(names)
    for start in range(0, len(asns), BATCH):
        chunk = asns[start : start + BATCH]
        db.execute(delete(AsName).where(AsName.asn.in_(chunk)))
        db.execute(
            insert(AsName),
            [{"asn": asn, "name": names[asn][0], "country": names[asn][1]} for asn in chunk],
        )


def state_of(db: Session) -> AsnTable | None:
    """The stored table's description, if a table was ever loaded."""
    return db.get(AsnTable, TABLE_ROW)
