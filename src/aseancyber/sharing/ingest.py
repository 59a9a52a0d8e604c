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
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

import orjson
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.policy import Actor, Tlp, stricter
from aseancyber.db import begin_writing, utcnow
from aseancyber.sharing import ingest_rules as rules
from aseancyber.sharing import stix
from aseancyber.sharing.ingest_batch import (
    BATCH,
    ONE_MICROSECOND,
    ROW_COLUMNS,
    Batch,
    Candidate,
    Context,
    IngestReport,
    Outcome,
    as_microseconds,
    mark,
)
from aseancyber.sharing.ingest_copy import insert_rows
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

# Kept where callers (federation, imports, tests) have always found them.
__all__ = ["BATCH", "ROW_COLUMNS", "IngestReport", "Outcome", "insert_rows"]

SQLITE_CACHE_KIB = 32 * 1024
STATUS_KEPT = timedelta(days=2)


def next_added(collection: Collection, now: datetime) -> datetime:
    """The next ``date_added`` in ``collection``: now, or strictly after the last one."""
    last = collection.last_added_at
    added = now if last is None or now > last else last + ONE_MICROSECOND
    collection.last_added_at = added
    return added


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
    context = Context(
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
        now_microseconds=as_microseconds(now),
        last_microseconds=None if last_added is None else as_microseconds(last_added),
    )
    report = IngestReport(status_id=status.id)
    ids_digest = hashlib.sha256()
    for batch in _batches(objects):
        first = report.total
        work = _store_batch(db, context=context, batch=batch, now=now, report=report)
        ids_digest.update("".join(work.new_ids).encode())  # the same digest as id by id
        details = [(status.id, *failure) for failure in work.failures]
        if work.successes:
            # One row holds the batch's successes as the JSON the status resource serves:
            # a row per success cost as much as storing the object itself.
            packed = orjson.dumps(work.successes).decode()
            details.append((status.id, first, PACKED_SUCCESSES, "", "", packed))
        insert_rows(db, STATUS_DETAIL_BULK, DETAIL_COLUMNS, details)
    collection.last_added_at = context.last_stamped
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


DETAIL_COLUMNS = ("status_id", "seq", "outcome", "object_id", "version", "message")
# The outcome of a status detail row that holds a batch's successes: ``message`` is their
# JSON array of {"id", "version"} as served, ``seq`` the position of the batch's first object.
PACKED_SUCCESSES = "successes"


def _store_batch(
    db: Session, *, context: Context, batch: list[Any], now: datetime, report: IngestReport
) -> Batch:
    connection = db.connection()
    work = Batch(context, report, text_timestamps=connection.dialect.name == "sqlite")
    candidates = [found for obj in batch if (found := work.candidate(obj)) is not None]
    unknown = rules.resolve_markings(
        db,
        actor=context.actor,
        collection_id=context.collection.id,
        refs=(ref for candidate in candidates for ref in candidate.refs),
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
        mark(candidate)
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
        work.add_row(candidate, body, owner_only=previous is not None and previous.hidden)
        work.succeed(candidate)
    insert_rows(db, STIX_OBJECT_BULK, ROW_COLUMNS, work.rows)
    if work.audience_rows:
        connection.execute(insert(RECORD_AUDIENCE_TABLE), work.audience_rows)
    return work


def _problem(context: Context, candidate: Candidate, unknown: set[str]) -> str | None:
    """Why the candidate may not be stored as the poster's, before versions are looked at."""
    if unknown:
        missing = [ref for ref in candidate.refs if ref in unknown]
        if missing:
            return f"object_marking_refs names an unknown marking definition {missing[0]}"
    if context.keep_claimed_authors:
        return None
    return rules.author_problem(
        candidate.obj, organisation_id=context.actor.organisation_id, identities=context.identities
    )


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
