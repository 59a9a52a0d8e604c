"""Storing an envelope of STIX objects: validate each, label it, stamp it, insert in batches.

Objects are checked one by one; a bad object becomes a failure with its reason in the
status resource and the good ones in the same envelope are stored. Rows are written in
batches through the driver (``executemany`` on SQLite, ``COPY`` on PostgreSQL; no ORM
object per STIX object), each batch's lookups are one query each with the ids in one
parameter, the collection row is locked so ``date_added`` grows strictly per collection,
and the whole envelope is one audit entry carrying a digest of the stored ids.

Trust rules held here (each per object, so one bad object never costs the others):

- The owner of a stored version is always the poster's organisation. A ``created_by_ref``
  that is another organisation's identity on this platform (or an identity object of one)
  is refused; an identity the platform does not know is kept as a claimed, unverified
  author. Federation pull (``keep_claimed_authors``) keeps every claim, unverified.
- The audience the sharer names is exactly the audience; a sharing group is the implied
  audience of AMBER/RED objects in its collection only when nobody is named.
- Only the owner publishes new versions of an id the poster can see (others are refused,
  naming the owner); an unmarked new version keeps the owner's latest label. An id whose
  versions are hidden from the poster is answered as a fresh one, and the poster's copy is
  ``owner_only`` (read by the poster's organisation alone), so no reader sees two contents
  under one id + version. The one exception: a version hidden from the poster held by the
  poster's own organisation makes the same id + version a no-op (one row per owner).
- A relationship or sighting is never wider than what it points at (in the same envelope,
  or stored in the collection where the poster sees it): its label is raised to theirs.
- Labels come from markings, failing closed (see ``stix.definition_label``): an unknown
  marking definition makes an object at least TLP:AMBER+STRICT, a reference to one that is
  nowhere to be found is refused, and marking definitions are stored as received.
"""

import hashlib
import io
import secrets
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import islice
from typing import Any

import orjson
import psycopg
from sqlalchemy import TableClause, delete, insert, select
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.policy import Actor, Tlp, stricter
from aseancyber.db import begin_writing, new_id, utcnow
from aseancyber.sharing import ingest_rules as rules
from aseancyber.sharing import stix
from aseancyber.sharing.models import (
    RECORD_AUDIENCE_TABLE,
    STATUS_DETAIL_BULK,
    STIX_OBJECT_BULK,
    Collection,
    CollectionKind,
    TaxiiStatus,
    TaxiiStatusDetail,
)
from aseancyber.sharing.service import group_member_ids, organisation_for_identity

BATCH = 1000
SQLITE_CACHE_KIB = 32 * 1024
SAMPLE = 1000
STATUS_KEPT = timedelta(days=2)
ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Outcome:
    object_id: str
    version: str
    message: str


@dataclass
class IngestReport:
    status_id: str
    total: int = 0
    successes: int = 0
    failures: int = 0
    stored_ids: list[str] = field(default_factory=list)  # record ids of new versions (sample)
    failed: list[Outcome] = field(default_factory=list)  # sample
    succeeded: list[Outcome] = field(default_factory=list)  # sample


def next_added(collection: Collection, now: datetime) -> datetime:
    """The next ``date_added`` in ``collection``: now, or strictly after the last one."""
    last = collection.last_added_at
    added = now if last is None or now > last else last + ONE_MICROSECOND
    collection.last_added_at = added
    return added


@dataclass
class _Context:
    actor: Actor
    collection: Collection
    identities: dict[str, str]
    audience_organisation_ids: frozenset[str]
    audience_user_ids: frozenset[str]
    group_organisation_ids: frozenset[str]
    green_includes_external: bool
    minimum_label: Tlp | None
    keep_claimed_authors: bool
    last_added: datetime | None = None
    # Marking definitions resolved so far (sent in this envelope, or stored and visible):
    # each id with what it restricts to (see stix.definition_label).
    definitions: dict[str, Tlp | None] = field(default_factory=dict)

    @property
    def may_name_audience(self) -> bool:
        """Whether any stored version may get audience rows (most envelopes name nobody)."""
        return bool(
            self.audience_organisation_ids or self.audience_user_ids or self.group_organisation_ids
        )

    def next_added(self, now: datetime) -> datetime:
        """Like :func:`next_added`, on a plain field (written back to the collection once)."""
        last = self.last_added
        self.last_added = now if last is None or now > last else last + ONE_MICROSECOND
        return self.last_added


def ingest(
    db: Session,
    *,
    actor: Actor,
    collection: Collection,
    objects: Iterable[Any],
    audience_organisation_ids: Iterable[str] = (),
    audience_user_ids: Iterable[str] = (),
    green_includes_external: bool = False,
    minimum_label: Tlp | None = None,
    keep_claimed_authors: bool = False,
) -> IngestReport:
    """Store the valid objects of an envelope in ``collection`` and report on every object.

    ``keep_claimed_authors`` (federation pull) keeps an object whose ``created_by_ref`` is
    another organisation's identity, as an unverified claim; otherwise it is refused.
    """
    begin_writing(db)
    # Lock the collection row (a plain column select: PostgreSQL refuses FOR UPDATE on the
    # outer joins of the eager-loaded relationships) so date_added grows strictly.
    last_added = db.execute(
        select(Collection.last_added_at).where(Collection.id == collection.id).with_for_update()
    ).scalar_one()
    connection = db.connection()
    if connection.dialect.name == "sqlite":
        # The default 2 MB page cache is smaller than the id indexes at a few 100k objects;
        # each random-order id insert would then read pages from disk (per connection).
        connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    now = utcnow()
    status = TaxiiStatus(
        collection_id=collection.id,
        requested_by_id=actor.user_id,
        requested_by_organisation_id=actor.organisation_id,
        request_timestamp=now,
        expires_at=now + STATUS_KEPT,
    )
    db.add(status)
    db.flush()
    group = (
        frozenset(group_member_ids(db, sharing_group_id=collection.sharing_group_id))
        if collection.kind is CollectionKind.SHARING_GROUP and collection.sharing_group_id
        else frozenset()
    )
    context = _Context(
        actor=actor,
        collection=collection,
        identities=organisation_for_identity(db),
        audience_organisation_ids=frozenset(audience_organisation_ids),
        audience_user_ids=frozenset(audience_user_ids),
        group_organisation_ids=group,
        green_includes_external=green_includes_external,
        minimum_label=minimum_label,
        keep_claimed_authors=keep_claimed_authors,
        last_added=last_added,
    )
    report = IngestReport(status_id=status.id)
    ids_digest = hashlib.sha256()
    for batch in _batches(objects):
        first = report.total
        work = _store_batch(db, context=context, batch=batch, now=now, report=report)
        for record_id in work.new_ids:
            ids_digest.update(record_id.encode())
        details = [(status.id, *failure) for failure in work.failures]
        if work.successes:
            # One row holds the batch's successes as the JSON the status resource serves:
            # a row per success cost as much as storing the object itself.
            packed = orjson.dumps(work.successes).decode()
            details.append((status.id, first, PACKED_SUCCESSES, "", "", packed))
        insert_rows(db, STATUS_DETAIL_BULK, DETAIL_COLUMNS, details)
    collection.last_added_at = context.last_added
    status.total_count = report.total
    status.success_count = report.successes
    status.failure_count = report.failures
    db.flush()
    audit.record(
        db,
        action="stix.ingest",
        record_kind="taxii_status",  # the entry is about the upload, not one STIX object
        record_id=status.id,
        record_organisation_id=actor.organisation_id,
        changed_fields=[f"received={report.total}", f"failed={report.failures}"],
        after={"collection_id": collection.id, "ids_sha256": ids_digest.hexdigest()},
        actor=actor,
    )
    return report


def _batches(objects: Iterable[Any]) -> Iterator[list[Any]]:
    iterator = iter(objects)
    while batch := list(islice(iterator, BATCH)):
        yield batch


@dataclass
class _Candidate:
    obj: dict[str, Any]
    position: int  # in the envelope, from 0
    stix_id: str
    label: Tlp
    marked: Tlp | None  # the label its own markings give, before defaults and minimums
    version_at: datetime | None
    created: datetime | None
    modified: datetime | None
    opencti: bool = False  # written by OpenCTI: its TLP marking id goes back with it


def _version_text(obj: Any) -> str:
    if isinstance(obj, dict):
        for key in ("modified", "created"):
            value = obj.get(key)
            if isinstance(value, str):
                return value[:40]
    return ""


def _object_id(obj: Any) -> str:
    value = obj.get("id") if isinstance(obj, dict) else None
    return value[:300] if isinstance(value, str) else ""


# The stix_object columns bulk ingest writes, in the order of each row tuple.
ROW_COLUMNS = (
    "id",
    "collection_id",
    "stix_id",
    "type",
    "spec_version",
    "created",
    "modified",
    "version_at",
    "date_added",
    "name",
    "search_text",
    "body",
    "tlp",
    "owner_organisation_id",
    "created_by_id",
    "green_includes_external",
    "source_ref",
    "target_ref",
    "sighting_of_ref",
    "owner_only",
)
DETAIL_COLUMNS = ("status_id", "seq", "outcome", "object_id", "version", "message")
# The outcome of a status detail row that holds a batch's successes: ``message`` is their
# JSON array of {"id", "version"} as served, ``seq`` the position of the batch's first object.
PACKED_SUCCESSES = "successes"


@lru_cache(maxsize=8192)  # feeds repeat the same created/modified values many times
def _sqlite_time(value: datetime) -> str:
    return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


class _Batch:
    """One batch of an envelope: outcomes for the status resource, rows for the store."""

    def __init__(self, context: _Context, report: IngestReport, *, text_timestamps: bool) -> None:
        self.context = context
        # SQLite keeps UTCDateTime as naive UTC text; other databases take aware datetimes.
        self.text_timestamps = text_timestamps
        self.report = report
        self.failures: list[tuple[int, str, str, str, str]] = []  # seq, outcome, id, ...
        self.successes: list[dict[str, str]] = []
        self.new_ids: list[str] = []
        self.rows: list[tuple[Any, ...]] = []
        self.audience_rows: list[dict[str, Any]] = []
        self._random = io.BytesIO(secrets.token_bytes(10 * BATCH))

    def stored_time(self, value: datetime | None) -> datetime | str | None:
        """A timestamp as the column keeps it (rows go in untyped, see ``STIX_OBJECT_BULK``)."""
        if value is None or not self.text_timestamps:
            return value
        return _sqlite_time(value)

    def stored_added(self, value: datetime) -> datetime | str:
        """Like :meth:`stored_time` for ``date_added``, which is new for each row (a cache
        of it would only push out the repeated created and modified times)."""
        if not self.text_timestamps:
            return value
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

    def new_id(self) -> str:
        """A time-ordered random UUID (version 7): new rows land at the end of the primary
        key's index instead of at random places in it; one read of randomness per batch."""
        chunk = self._random.read(10)
        if len(chunk) < 10:
            return new_id()
        raw = bytearray((time.time_ns() // 1_000_000 % (1 << 48)).to_bytes(6, "big") + chunk)
        raw[6] = (raw[6] & 0x0F) | 0x70  # version 7
        raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
        text = raw.hex()
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def fail(self, obj: Any, message: str, position: int) -> None:
        self.report.failures += 1
        outcome = Outcome(_object_id(obj), _version_text(obj), message)
        if len(self.report.failed) < SAMPLE:
            self.report.failed.append(outcome)
        self.failures.append((position, "failure", outcome.object_id, outcome.version, message))

    def succeed(self, candidate: _Candidate) -> None:
        self.report.successes += 1
        version = _version_text(candidate.obj)
        if len(self.report.succeeded) < SAMPLE:
            self.report.succeeded.append(Outcome(candidate.stix_id, version, ""))
        self.successes.append({"id": candidate.stix_id, "version": version})

    def candidate(self, obj: Any) -> _Candidate | None:
        """A valid object with its label and timestamps, or None (and a failure)."""
        position = self.report.total
        self.report.total += 1
        problem = stix.check_object(obj)
        if problem is not None:
            self.fail(obj, problem, position)
            return None
        opencti = False
        if obj["type"] == "marking-definition":
            # Stored and served as received: a foreign definition is not rewritten.
            self.context.definitions[obj["id"]] = stix.definition_label(obj)
        else:
            opencti = stix.from_opencti(obj)
            stix.map_tlp1(obj)
        created = stix.parse_timestamp(obj["created"], "created") if "created" in obj else None
        modified = stix.parse_timestamp(obj["modified"], "modified") if "modified" in obj else None
        version_at = modified or created
        default = self.context.collection.default_tlp
        return _Candidate(
            obj, position, obj["id"], default, None, version_at, created, modified, opencti
        )

    def label(self, candidate: _Candidate, previous: "rules.Existing | None") -> None:
        """Set the candidate's label from its markings (resolved definitions included).

        Unmarked, it gets the collection's default, or the label the poster's organisation
        gave the latest version it holds of the id when that is stricter (a new version
        only lowers the label when its owner marks it lower, deliberately); a TLP marking
        definition itself is TLP:CLEAR. The envelope's minimum applies to all.
        """
        obj = candidate.obj
        marked = label = stix.label_of(obj, self.context.definitions)
        if label is None:
            if obj["type"] == "marking-definition" and stix.is_tlp_definition(obj):
                label = Tlp.CLEAR
            else:
                label = self.context.collection.default_tlp
                if previous is not None and previous.own_label is not None:
                    label = stricter(label, previous.own_label)
        if self.context.minimum_label is not None:
            label = stricter(label, self.context.minimum_label)
        candidate.label, candidate.marked = label, marked

    def add_row(self, candidate: _Candidate, body: str, now: datetime, *, owner_only: bool) -> str:
        context = self.context
        obj = candidate.obj
        record_id = self.new_id()
        added = context.next_added(now)
        stored_added = self.stored_added(added)
        self.rows.append(
            (
                record_id,
                context.collection.id,
                candidate.stix_id,
                obj["type"],
                obj.get("spec_version", "2.1"),
                self.stored_time(candidate.created),
                self.stored_time(candidate.modified),
                self.stored_time(candidate.version_at) if candidate.version_at else stored_added,
                stored_added,
                stix.display_name(obj),
                stix.search_text(obj),
                body,
                candidate.label.value,
                context.actor.organisation_id,  # the poster's, whatever created_by_ref claims
                context.actor.user_id,
                context.green_includes_external,
                obj.get("source_ref"),
                obj.get("target_ref"),
                obj.get("sighting_of_ref"),
                owner_only,
            )
        )
        if not owner_only and context.may_name_audience:
            self.audience_rows.extend(
                rules.audience_rows(
                    record_id,
                    label=candidate.label,
                    organisation_ids=context.audience_organisation_ids,
                    user_ids=context.audience_user_ids,
                    group_organisation_ids=context.group_organisation_ids,
                )
            )
        if len(self.report.stored_ids) < SAMPLE:
            self.report.stored_ids.append(record_id)
        self.new_ids.append(record_id)
        return record_id


def _store_batch(
    db: Session, *, context: _Context, batch: list[Any], now: datetime, report: IngestReport
) -> _Batch:
    connection = db.connection()
    work = _Batch(context, report, text_timestamps=connection.dialect.name == "sqlite")
    candidates = [found for obj in batch if (found := work.candidate(obj)) is not None]
    unknown = rules.resolve_markings(
        db,
        actor=context.actor,
        collection_id=context.collection.id,
        refs=(ref for candidate in candidates for ref in stix.marking_refs(candidate.obj)),
        definitions=context.definitions,
    )
    existing = rules.existing_versions(
        db,
        actor=context.actor,
        collection_id=context.collection.id,
        ids={candidate.stix_id for candidate in candidates},
    )
    for candidate in candidates:
        work.label(candidate, existing.get(candidate.stix_id))
    floors = rules.derived_floors(
        db,
        actor=context.actor,
        collection_id=context.collection.id,
        batch=((candidate.obj, candidate.label) for candidate in candidates),
    )
    in_batch: set[tuple[str, datetime | None]] = set()
    for candidate in candidates:
        problem = _problem(context, candidate, unknown)
        key = (candidate.stix_id, candidate.version_at)
        previous = existing.get(candidate.stix_id)
        if problem is None and (key in in_batch or (previous and previous.has(key[1]))):
            work.succeed(candidate)  # the same id + version again: a no-op success
            continue
        if problem is None and previous is not None and previous.other_owner is not None:
            problem = f"only {previous.other_owner} may publish new versions of {candidate.stix_id}"
        if problem is not None:
            work.fail(candidate.obj, problem, candidate.position)
            continue
        if candidate.stix_id in floors:  # never wider than what it points at
            candidate.label = stricter(candidate.label, floors[candidate.stix_id])
        _mark(candidate)
        try:
            body = stix.dumps(candidate.obj)
        except orjson.JSONEncodeError:  # e.g. a lone surrogate (\ud800) in a string
            work.fail(candidate.obj, "contains text that is not valid Unicode", candidate.position)
            continue
        if "\\u0000" in body:
            work.fail(
                candidate.obj,
                "contains a NUL character, which no database stores in text",
                candidate.position,
            )
            continue
        in_batch.add(key)
        # Sent over a version another organisation holds out of the poster's sight: the
        # poster's copy is stored as for a fresh id (anything else would tell them the id
        # exists) but only its owner organisation ever reads it, so no reader meets two
        # contents under one id + version.
        work.add_row(candidate, body, now, owner_only=previous is not None and previous.hidden)
        work.succeed(candidate)
    insert_rows(db, STIX_OBJECT_BULK, ROW_COLUMNS, work.rows)
    if work.audience_rows:
        connection.execute(insert(RECORD_AUDIENCE_TABLE), work.audience_rows)
    return work


def _problem(context: _Context, candidate: _Candidate, unknown: set[str]) -> str | None:
    """Why the candidate may not be stored as the poster's, before versions are looked at."""
    if unknown:
        missing = [ref for ref in stix.marking_refs(candidate.obj) if ref in unknown]
        if missing:
            return f"object_marking_refs names an unknown marking definition {missing[0]}"
    if context.keep_claimed_authors:
        return None
    return rules.author_problem(
        candidate.obj, organisation_id=context.actor.organisation_id, identities=context.identities
    )


def insert_rows(
    db: Session, table: TableClause, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order, values in stored form) in one go.

    Both ways run on the session's connection (same transaction) through the driver itself:
    SQLAlchemy's per-row parameter processing cost more than the database's insert. On
    SQLite the driver's ``executemany``; on PostgreSQL ``COPY ... FROM STDIN``, one stream
    for all rows (an ``executemany`` there is one statement per row). Nothing else changes:
    a row breaking a constraint (two posts of one version racing) fails the whole statement.
    """
    if not rows:
        return
    connection = db.connection()
    names = ", ".join(columns)
    driver = connection.connection.driver_connection
    if isinstance(driver, psycopg.Connection):
        statement = f"COPY {table.name} ({names}) FROM STDIN"
        try:
            with driver.cursor() as copying, copying.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.Error as error:
            raise _as_sqlalchemy_error(statement, error, psycopg.Error) from error
        return
    if isinstance(driver, sqlite3.Connection):
        statement = (
            f"INSERT INTO {table.name} ({names}) "  # noqa: S608 - fixed names
            f"VALUES ({', '.join('?' * len(columns))})"
        )
        cursor = driver.cursor()
        try:
            cursor.executemany(statement, rows)
        except sqlite3.Error as error:
            raise _as_sqlalchemy_error(statement, error, sqlite3.Error) from error
        finally:
            cursor.close()
        return
    connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def _as_sqlalchemy_error(statement: str, error: Exception, base: type[Exception]) -> StatementError:
    """A driver's own error as SQLAlchemy's (IntegrityError, OperationalError, ...), so the
    app answers a row racing another post (409) or a busy database (503) as for any other
    statement, never with a 500."""
    return DBAPIError.instance(statement, None, error, base)


def _mark(candidate: _Candidate) -> None:
    """Write the object's label into its markings, so consumers downstream keep it
    (marking definitions are kept exactly as received). An object from OpenCTI also
    carries OpenCTI's own marking for that label, and no other TLP id of OpenCTI's, so
    OpenCTI reads back the marking it knows, never a wider one than the label."""
    if candidate.obj["type"] == "marking-definition":
        return
    refs = candidate.obj.get("object_marking_refs")
    if candidate.opencti:
        others = [ref for ref in refs or [] if ref not in stix.KNOWN_TLP_MARKINGS]
        candidate.obj["object_marking_refs"] = [
            stix.MARKING_FOR_LABEL[candidate.label],
            stix.OPENCTI_MARKING_FOR_LABEL[candidate.label],
            *others,
        ]
        return
    if isinstance(refs, list) and stix.MARKING_FOR_LABEL[candidate.label] in refs:
        return
    others = [ref for ref in refs or [] if ref not in stix.TLP2_MARKINGS]
    candidate.obj["object_marking_refs"] = [stix.MARKING_FOR_LABEL[candidate.label], *others]


def purge_expired_statuses(db: Session, payload: dict[str, Any]) -> None:
    """Job handler: drop TAXII status resources past their keeping time (at least 24 hours)."""
    expired = select(TaxiiStatus.id).where(TaxiiStatus.expires_at < utcnow())
    details = db.execute(delete(TaxiiStatusDetail).where(TaxiiStatusDetail.status_id.in_(expired)))
    statuses = db.execute(delete(TaxiiStatus).where(TaxiiStatus.id.in_(expired)))
    counts = {
        "statuses": int(getattr(statuses, "rowcount", 0)),
        "status_details": int(getattr(details, "rowcount", 0)),
    }
    if any(counts.values()):  # bulk deletes bypass the row-change entries: one entry, counted
        audit.record(
            db,
            action="taxii_status.purge_expired",
            record_kind="taxii_status",
            record_id="expired",
            detail=counts,
        )
