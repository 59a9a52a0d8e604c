"""The per-batch bookkeeping of bulk ingest (``sharing.ingest_batch``): record ids cut from
one read of randomness per batch, and ``date_added`` stamped as integers, stay what the
store needs on either database: unique time-ordered ids, strictly growing dates, and the
collection's last stamp written back."""

import re
import uuid
from datetime import timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.sharing import ingest as ingest_service
from aseancyber.sharing import stix
from aseancyber.sharing.ingest_batch import BATCH, Batch, Context, IngestReport
from aseancyber.sharing.models import Collection, StixObject
from tests.factories import actor
from tests.readers import World

UUID7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def _indicator(n: int) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.123456789Z",
        "modified": "2026-01-01T00:00:00.123456789Z",
        "name": f"Bad host {n}",
        "pattern": f"[ipv4-addr:value = '192.0.2.{n % 250}']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        "object_marking_refs": [stix.MARKING_FOR_LABEL[Tlp.GREEN]],
    }


def test_record_ids_of_a_batch_are_unique_version_7_and_in_order(
    world: World, collection: Collection
) -> None:
    """A full batch of ids (and one past it, from the fallback) are RFC 4122 version-7
    UUIDs, all different, in the order they were made (each lands at the end of the key)."""
    context = Context(
        actor=actor(world.author),
        collection=collection,
        identities={},
        audience_organisation_ids=frozenset(),
        audience_user_ids=frozenset(),
        group_organisation_ids=frozenset(),
        green_includes_external=False,
        minimum_label=None,
        keep_claimed_authors=False,
    )
    batch = Batch(context, IngestReport(status_id="s"), text_timestamps=True)
    ids = [batch.new_id() for _ in range(BATCH)]
    assert all(UUID7.fullmatch(record_id) for record_id in ids)
    assert len(set(ids)) == BATCH
    assert ids == sorted(ids)
    extra = batch.new_id()  # past the batch's randomness: a fresh id of the usual kind
    assert uuid.UUID(extra).version is not None
    assert extra not in ids


def test_date_added_grows_strictly_over_envelopes_and_is_written_back(
    db: Session, world: World, collection: Collection
) -> None:
    """Two envelopes into one collection: every stored version has a later date_added than
    the one stored before it, within an envelope and across them, the collection keeps the
    last one, and created/modified are kept to the microsecond (nanoseconds dropped)."""
    poster = actor(world.author)
    first = [_indicator(n) for n in range(5)]
    second = [_indicator(n) for n in range(5, 9)]
    ingest_service.ingest(db, actor=poster, collection=collection, objects=first)
    ingest_service.ingest(db, actor=poster, collection=collection, objects=second)
    by_id = {
        row.stix_id: row
        for row in db.scalars(
            select(StixObject).where(StixObject.collection_id == collection.id)
        ).all()
    }
    added = [by_id[obj["id"]].date_added for obj in first + second]
    assert all(later - earlier >= timedelta(microseconds=1) for earlier, later in pairwise(added))
    db.refresh(collection)
    assert collection.last_added_at == added[-1]
    stored = by_id[first[0]["id"]]
    assert stored.modified is not None
    assert stix.format_timestamp(stored.modified) == "2026-01-01T00:00:00.123456Z"
    assert stored.version_at == stored.modified == stored.created
