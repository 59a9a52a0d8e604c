"""Matching observables against the stored indicators a caller may see.

Every read of indicators goes through the visibility policy in SQL (``visible_in``: the
collection's read grant AND ``visible_to`` on the version) and keeps only the latest
version the caller may see, so a hidden indicator is never loaded, never evaluated and
never counted. Revocation and the validity period are checked at match time.

Two ways in, one matcher: :func:`match_values` (a REST or page batch) asks the stored
index for the candidate indicators of the batch's values and compiles only those;
:func:`visible_index` (the CLI streaming a large log) loads every visible indicator once
into an in-memory :class:`~aseancyber.matching.index.MatchIndex`.
"""

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.orm import Session, lazyload, selectinload

from aseancyber import audit
from aseancyber.access.models import Organisation
from aseancyber.access.policy import Actor
from aseancyber.access.rules import writes_at_all
from aseancyber.db import utcnow, write_here
from aseancyber.errors import Forbidden, Invalid, ServiceError
from aseancyber.matching import indexer
from aseancyber.matching.compiler import PatternKind, compile_pattern
from aseancyber.matching.index import MatchIndex, Validity
from aseancyber.matching.models import IndexedIndicator, IndexEntry
from aseancyber.matching.observables import (
    MAX_LENGTH,
    PATHS,
    Observable,
    detect,
    in_text,
    refang,
)
from aseancyber.sharing import objects_service, share_service
from aseancyber.sharing.models import StixObject
from aseancyber.sharing.schemas import MAX_SIGHTING_COUNT, SightingCreate

MAX_BATCH = 10_000
QUERY_CHUNK = 500  # values per SQL IN list (far below every driver's parameter limit)
SLOW_KINDS = ("sup", "like", "regex")
# Indicators not indexed yet that one request compiles itself; past this the background
# indexer is still working through a bulk import and the request is asked to come back.
TAIL_LIMIT = 20_000


class IndexCatchingUp(ServiceError):
    status = 503
    title = "Service busy"


@dataclass(frozen=True)
class Hit:
    """One matching indicator version, as the caller may see it."""

    record_id: str
    stix_id: str
    name: str
    pattern: str
    tlp: str
    owner_organisation_id: str
    owner_name: str
    collection_id: str
    valid_from: datetime | None
    valid_until: datetime | None


@dataclass(frozen=True)
class Sighted:
    record_id: str
    count: int
    sighting_id: str | None = None
    problem: str = ""


@dataclass
class ObservableResult:
    input: str
    observable: Observable | None
    hits: list[Hit] = field(default_factory=list)


@dataclass
class MatchReport:
    results: list[ObservableResult]
    sightings: list[Sighted] = field(default_factory=list)

    @property
    def recognised(self) -> int:
        return sum(1 for result in self.results if result.observable is not None)

    @property
    def matched(self) -> int:
        return sum(1 for result in self.results if result.hits)


def latest_visible(actor: Actor) -> ColumnElement[bool]:
    """Visible versions with no newer version the actor may see (of the same object)."""
    return and_(objects_service.visible_in(actor), objects_service.latest_version(actor))


def _alive(at: datetime) -> ColumnElement[bool]:
    return and_(
        IndexedIndicator.revoked.is_(false()),
        or_(IndexedIndicator.valid_from.is_(None), IndexedIndicator.valid_from <= at),
        or_(IndexedIndicator.valid_until.is_(None), IndexedIndicator.valid_until > at),
    )


def _indicators(actor: Actor, at: datetime) -> Select[tuple[StixObject, IndexedIndicator]]:
    return (
        select(StixObject, IndexedIndicator)
        .join(IndexedIndicator, IndexedIndicator.stix_object_id == StixObject.id)
        .where(StixObject.type == "indicator", latest_visible(actor), _alive(at))
    )


def subnet_lengths(db: Session) -> dict[str, list[int]]:
    """The prefix lengths of the stored ISSUBSET networks, per address kind (a few at most)."""
    rows = db.execute(
        select(IndexEntry.observable, IndexEntry.prefix).where(IndexEntry.kind == "sub").distinct()
    ).tuples()
    lengths: dict[str, list[int]] = {}
    for observable, prefix in rows:
        if prefix is not None:
            lengths.setdefault(observable, []).append(prefix)
    return lengths


def _candidates(
    observables: list[Observable], lengths: dict[str, list[int]]
) -> ColumnElement[bool]:
    """Index rows that may match one of ``observables`` (exact evaluation decides)."""
    clauses: list[ColumnElement[bool]] = []
    by_kind: dict[str, set[str]] = {}
    for observable in observables:
        by_kind.setdefault(observable.kind, set()).add(observable.value)
        if observable.ip_version:
            bits = 32 if observable.ip_version == 4 else 128
            for length in lengths.get(observable.kind, ()):
                if length > observable.prefix:
                    continue
                network = observable.network >> (bits - length) << (bits - length)
                by_kind.setdefault(f"sub:{observable.kind}", set()).add(f"{length}/{network:x}")
    for kind, values in by_kind.items():
        entry_kind, _, observable_kind = kind.rpartition(":")
        clauses.append(
            and_(
                IndexEntry.kind == (entry_kind or "eq"),
                IndexEntry.observable == observable_kind,
                IndexEntry.key.in_(sorted(values)),
            )
        )
    kinds = {observable.kind for observable in observables}
    clauses.append(and_(IndexEntry.kind.in_(SLOW_KINDS), IndexEntry.observable.in_(kinds)))
    types = {PATHS[kind].partition(":")[0] for kind in kinds}
    scan = and_(
        IndexedIndicator.kind == PatternKind.SCAN,
        or_(*(IndexedIndicator.sco_types.contains(sco_type) for sco_type in types)),
    )
    return or_(
        StixObject.id.in_(select(IndexEntry.stix_object_id).where(or_(*clauses))),
        scan,
    )


def _hit(row: StixObject, validity: Validity, pattern: str) -> Hit:
    owner = row.owner_organisation
    return Hit(
        record_id=row.id,
        stix_id=row.stix_id,
        name=row.name,
        pattern=pattern,
        tlp=row.tlp.value,
        owner_organisation_id=row.owner_organisation_id,
        owner_name=owner.name if owner is not None else "",
        collection_id=row.collection_id,
        valid_from=validity.valid_from,
        valid_until=validity.valid_until,
    )


def _add(
    index: MatchIndex, hits: dict[str, Hit], row: StixObject, indexed: IndexedIndicator
) -> None:
    body: dict[str, Any] = orjson.loads(row.body)
    pattern = str(body.get("pattern", ""))
    compiled = compile_pattern(pattern, body.get("pattern_type", "stix"))
    validity = Validity(indexed.valid_from, indexed.valid_until)
    if index.add(row.id, compiled, validity) is not None:
        hits[row.id] = _hit(row, validity, pattern)


def _add_tail(
    db: Session, index: MatchIndex, hits: dict[str, Hit], *, actor: Actor, at: datetime
) -> None:
    """Compile the visible indicators the stored index does not cover yet (stored a moment
    ago, or a bulk import the background indexer is still working through)."""
    rows = list(
        db.scalars(
            select(StixObject)
            .where(*indexer.tail_condition(db), latest_visible(actor))
            # Not the collection and owner joined to every row (with their own joins): the
            # hits need only the owner (:func:`_hit`), loaded for all rows in one query.
            .options(lazyload("*"), selectinload(StixObject.owner_organisation))
            .limit(TAIL_LIMIT + 1)
        )
    )
    if len(rows) > TAIL_LIMIT:
        raise IndexCatchingUp(
            "the indicator index is catching up with a large import; try again in a minute"
        )
    for row in rows:
        try:
            body = orjson.loads(row.body)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(body, dict) or body.get("revoked") is True:
            continue
        validity = Validity(
            indexer.parse_time(body.get("valid_from")), indexer.parse_time(body.get("valid_until"))
        )
        if (validity.valid_from is not None and validity.valid_from > at) or (
            validity.valid_until is not None and validity.valid_until <= at
        ):
            continue
        pattern = str(body.get("pattern", ""))
        compiled = compile_pattern(pattern, body.get("pattern_type", "stix"))
        if row.id not in hits and index.add(row.id, compiled, validity) is not None:
            hits[row.id] = _hit(row, validity, pattern)


def _refanged(line: str) -> str:
    text = refang(line)
    return re.sub(r"\bhxxp", "http", text, flags=re.IGNORECASE) if "xxp" in text.lower() else text


def line_observables(line: str) -> list[Observable]:
    """The observables in one line of free text (refanged); a line that is one observable
    the free-text scanner misses is still that observable."""
    found = list(in_text(_refanged(line)))
    if not found:
        single = detect(line)
        found = [single] if single is not None else []
    return found


def observables_in(lines: Iterable[str]) -> list[str]:
    """The values to match in free text (pasted or a log file, the same way): each line's
    observables (refanged, in canonical form), or the line itself when it holds none (it
    is then reported as not recognised); distinct, in order of first appearance."""
    found: dict[str, None] = {}
    for line in lines:
        text = line.strip()
        if not text:
            continue
        observables = line_observables(text)
        if observables:
            for observable in observables:
                found.setdefault(observable.value, None)
        else:
            found.setdefault(text[:MAX_LENGTH], None)
        if len(found) > MAX_BATCH:
            raise Invalid(
                f"holds more than {MAX_BATCH:,} distinct observables: use "
                "`aseancyber match FILE`, which streams files of any size",
                "file",
            )
    return list(found)


def parse_values(values: Iterable[str]) -> list[ObservableResult]:
    """Each submitted string with the observable it is (or ``None``), in order."""
    return [ObservableResult(value, detect(value)) for value in values]


def match_values(
    db: Session, *, actor: Actor, values: list[str], record_sightings: bool = False
) -> MatchReport:
    """Match a batch of raw observables; optionally record a sighting for each hit."""
    if record_sightings and not writes_at_all(actor):
        raise Forbidden("recording sightings needs a read-write API token")
    if len(values) > MAX_BATCH:
        raise Invalid(f"at most {MAX_BATCH:,} observables per request", "observables")
    if any("\x00" in value for value in values):
        raise Invalid("may not contain NUL characters", "observables")
    if record_sightings:
        write_here(db)  # a question that records sightings is a write, one unit with its audit
    now = utcnow()
    results = parse_values(values)
    unique = list(
        {
            (r.observable.kind, r.observable.value): r.observable for r in results if r.observable
        }.values()
    )
    index = MatchIndex()
    hits: dict[str, Hit] = {}
    lengths = subnet_lengths(db) if any(o.ip_version for o in unique) else {}
    for start in range(0, len(unique), QUERY_CHUNK):
        chunk = unique[start : start + QUERY_CHUNK]
        statement = _indicators(actor, now).where(_candidates(chunk, lengths))
        for row, indexed in db.execute(statement).tuples():
            if row.id not in hits:
                _add(index, hits, row, indexed)
    _add_tail(db, index, hits, actor=actor, at=now)
    counts: Counter[str] = Counter()
    for result in results:
        if result.observable is None:
            continue
        postings = index.match(result.observable, now)
        result.hits = sorted((hits[str(index.keys[p])] for p in postings), key=lambda h: h.stix_id)
        counts.update(hit.record_id for hit in result.hits)
    report = MatchReport(results)
    audit_run(db, actor=actor, observables=len(values), matched=report.matched, hits=counts)
    if record_sightings:
        report.sightings = record_sightings_for(db, actor=actor, counts=counts)
    return report


def audit_run(
    db: Session,
    *,
    actor: Actor,
    observables: int,
    matched: int,
    hits: Counter[str],
    unit: str = "observables",
) -> None:
    """One audit entry per matching run: who matched how much (``observables`` counts
    ``unit``: observables submitted, or lines of a log), and the indicators hit."""
    audit.record(
        db,
        action="matching.run",
        record_kind="stix_object",
        record_id="*",
        record_organisation_id=actor.organisation_id,
        changed_fields=[f"{unit}={observables}", f"matched={matched}"],
        after={"indicator_ids": sorted(hits)[:1000]},
        actor=actor,
    )


def record_sightings_for(db: Session, *, actor: Actor, counts: Counter[str]) -> list[Sighted]:
    """A sighting by the actor's organisation of each hit indicator, with its hit count."""
    recorded = []
    for record_id, count in sorted(counts.items()):
        try:
            with db.begin_nested():
                sighting = share_service.add_sighting(
                    db,
                    actor=actor,
                    ref=record_id,
                    data=SightingCreate(count=min(count, MAX_SIGHTING_COUNT)),
                )
        except ServiceError as error:
            recorded.append(Sighted(record_id, count, problem=error.detail))
            continue
        recorded.append(Sighted(record_id, count, sighting_id=sighting.stix_id))
    return recorded


# --- the whole visible index, for streaming ---------------------------------------------------


@dataclass
class VisibleIndex:
    index: MatchIndex
    hits: dict[str, Hit]


def visible_index(db: Session, *, actor: Actor, at: datetime | None = None) -> VisibleIndex:
    """Every indicator the actor may see, valid and not revoked at ``at``, in memory."""
    moment = at or utcnow()
    index = MatchIndex()
    hits: dict[str, Hit] = {}
    # Columns, not entities: a log run loads every visible indicator, and building 100,000
    # ORM objects (with their collection and owner) cost ten times the compiling.
    statement = (
        select(
            StixObject.id,
            StixObject.stix_id,
            StixObject.name,
            StixObject.body,
            StixObject.tlp,
            StixObject.owner_organisation_id,
            Organisation.name,
            StixObject.collection_id,
            IndexedIndicator.valid_from,
            IndexedIndicator.valid_until,
        )
        .join(IndexedIndicator, IndexedIndicator.stix_object_id == StixObject.id)
        .outerjoin(Organisation, Organisation.id == StixObject.owner_organisation_id)
        .where(StixObject.type == "indicator", latest_visible(actor), _alive(moment))
        .execution_options(yield_per=5000)
    )
    # As in the catch-up: many small objects and no cycles, so no collection walks them.
    with indexer.collector_paused():
        for (
            record_id,
            stix_id,
            name,
            body,
            tlp,
            owner_id,
            owner,
            collection_id,
            start,
            end,
        ) in db.execute(statement).tuples():
            parsed = orjson.loads(body)
            pattern = str(parsed.get("pattern", ""))
            validity = Validity(start, end)
            compiled = compile_pattern(pattern, parsed.get("pattern_type", "stix"))
            if index.add(record_id, compiled, validity) is not None:
                hits[record_id] = Hit(
                    record_id=record_id,
                    stix_id=stix_id,
                    name=name,
                    pattern=pattern,
                    tlp=tlp.value,
                    owner_organisation_id=owner_id,
                    owner_name=owner or "",
                    collection_id=collection_id,
                    valid_from=start,
                    valid_until=end,
                )
        _add_tail(db, index, hits, actor=actor, at=moment)
    return VisibleIndex(index, hits)
