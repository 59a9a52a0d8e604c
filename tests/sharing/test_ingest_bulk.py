"""Bulk ingest keeps every rule over several batches, on either database (the suite runs on
SQLite and on PostgreSQL, where rows go in with ``COPY``): one mixed envelope of duplicates,
new versions, bad objects, markings and derived objects, posted with taxii2-client, gives
exactly the stored rows and the status resource expected, and posting it again stores
nothing more."""

import uuid
from typing import Any

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from taxii2client.v21 import Collection, Status

from aseancyber.access.policy import Tlp
from aseancyber.audit.models import AuditEntry
from aseancyber.sharing import ingest as ingest_service
from aseancyber.sharing import stix
from aseancyber.sharing.models import STIX_OBJECT_BULK, StixObject, TaxiiStatusDetail
from aseancyber.sharing.models import Collection as CollectionRow
from tests.factories import actor
from tests.readers import World
from tests.sharing.conftest import TAXII, TaxiiConnection

V1 = "2026-01-01T00:00:00.000Z"
V2 = "2026-02-01T00:00:00.000Z"
TLP1_AMBER = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
# Text the PostgreSQL COPY stream escapes (tab, newline, backslash, carriage return) and
# text past ASCII: stored and served exactly as sent.
AWKWARD = 'tab\there\nline\\back\rslash "quoted" \u00e9t\u00e9 \u0e44\u0e17\u0e22 \U0001f510'


def _id(kind: str) -> str:
    return f"{kind}--{uuid.uuid4()}"


def _indicator(stix_id: str, *, modified: str = V1, **extra: Any) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": stix_id,
        "created": V1,
        "modified": modified,
        "name": "Bad host",
        "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        **extra,
    }


def _marked(label: Tlp) -> dict[str, Any]:
    return {"object_marking_refs": [stix.MARKING_FOR_LABEL[label]]}


def _definition(stix_id: str, definition_type: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": stix_id,
        "created": V1,
        "definition_type": definition_type,
        "definition": body,
    }


def _envelope(world: World) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The envelope (in batches of 4) and what each id should be stored as."""
    first, malware = _id("indicator"), _id("malware")
    statement, custom = _id("marking-definition"), _id("marking-definition")
    objects = [
        # batch 1: a version, the same again, a newer version, a bad object
        _indicator(first, **_marked(Tlp.GREEN)),
        _indicator(first, **_marked(Tlp.GREEN)),
        _indicator(first, modified=V2, **_marked(Tlp.GREEN)),
        {**_indicator(_id("indicator")), "pattern": None},
        # batch 2: the first version again (stored by batch 1), a RED target and a GREEN
        # relationship to it, a reference to a marking definition nobody has
        _indicator(first, **_marked(Tlp.GREEN)),
        {
            "type": "malware",
            "spec_version": "2.1",
            "id": malware,
            "created": V1,
            "modified": V1,
            "name": "Example loader",
            "is_family": True,
            **_marked(Tlp.RED),
        },
        {
            "type": "relationship",
            "spec_version": "2.1",
            "id": _id("relationship"),
            "created": V1,
            "modified": V1,
            "relationship_type": "indicates",
            "source_ref": first,
            "target_ref": malware,
            **_marked(Tlp.GREEN),
        },
        _indicator(_id("indicator"), object_marking_refs=[_id("marking-definition")]),
        # batch 3: another organisation's identity as author, a sighting of the RED target
        # stored by batch 2, a statement and a custom marking definition
        _indicator(_id("indicator"), created_by_ref=stix.identity_id_for(world.other_state_org.id)),
        {
            "type": "sighting",
            "spec_version": "2.1",
            "id": _id("sighting"),
            "created": V1,
            "modified": V1,
            "sighting_of_ref": malware,
            **_marked(Tlp.GREEN),
        },
        _definition(statement, "statement", {"statement": "Copyright Example CERT"}),
        _definition(custom, "x-acme-handling", {"x_rule": "ask first"}),
        # batch 4: marked by each definition, TLP 1.0, nothing; NUL; awkward text
        _indicator(_id("indicator"), object_marking_refs=[statement]),
        _indicator(_id("indicator"), object_marking_refs=[custom]),
        _indicator(_id("indicator"), object_marking_refs=[TLP1_AMBER]),
        _indicator(_id("indicator")),
        _indicator(_id("indicator"), name="nul \u0000 here"),
        _indicator(_id("indicator"), description=AWKWARD, **_marked(Tlp.CLEAR)),
    ]
    return objects, {"first": first, "statement": statement, "custom": custom}


FAILED_AT = {
    3: "pattern",
    7: "unknown marking definition",
    8: "created_by_ref is the identity of another organisation",
    16: "NUL",
}
# The label each stored version gets, by position of the object stored (collection default
# AMBER): a relationship and a sighting of a RED object are RED whatever they say; a custom
# definition makes what it marks AMBER+STRICT; a statement restricts nothing; TLP 1.0 amber
# is TLP 2.0 amber; the TLP marking definition objects themselves are kept as received.
STORED_AT = {
    0: Tlp.GREEN,
    2: Tlp.GREEN,
    5: Tlp.RED,
    6: Tlp.RED,
    9: Tlp.RED,
    10: Tlp.AMBER,
    11: Tlp.AMBER,
    12: Tlp.AMBER,
    13: Tlp.AMBER_STRICT,
    14: Tlp.AMBER,
    15: Tlp.AMBER,
    17: Tlp.CLEAR,
}


def _rows(db: Session, collection: CollectionRow, ids: set[str]) -> list[StixObject]:
    return list(
        db.scalars(
            select(StixObject)
            .where(StixObject.collection_id == collection.id, StixObject.stix_id.in_(ids))
            .order_by(StixObject.date_added, StixObject.id)
        )
    )


def test_a_mixed_envelope_over_several_batches_stores_what_each_rule_says(
    db: Session,
    world: World,
    collection: CollectionRow,
    taxii_conn: TaxiiConnection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ingest_service, "BATCH", 4)
    db.commit()
    objects, named = _envelope(world)
    conn = taxii_conn(world.author)
    taxii = Collection(f"{TAXII}api/collections/{collection.id}/", conn=conn)

    status = taxii.add_objects({"objects": objects})

    assert (status.total_count, status.success_count, status.failure_count) == (18, 14, 4)
    failures = {(f["id"], f["version"]): f["message"] for f in status.failures}
    for position, words in FAILED_AT.items():
        obj = objects[position]
        assert words in failures[(obj["id"], obj["modified"])], (position, failures)
    # Every object that is not a failure is a success, duplicates included, in order.
    expected_successes = [
        {"id": obj["id"], "version": obj.get("modified", obj["created"])}
        for position, obj in enumerate(objects)
        if position not in FAILED_AT
    ]
    assert status.successes == expected_successes
    # The status resource read later says the same as the answer to the POST.
    again = Status(f"{TAXII}api/status/{status.id}/", conn=conn)
    assert (again.successes, again.failures) == (status.successes, status.failures)

    ids = {obj["id"] for obj in objects}
    rows = _rows(db, collection, ids)
    stored = [(row.stix_id, stix.format_timestamp(row.version_at), row.tlp) for row in rows]
    assert stored == [
        (
            objects[position]["id"],
            stix.format_timestamp(
                stix.parse_timestamp(
                    objects[position].get("modified", objects[position]["created"]), "v"
                )
            ),
            label,
        )
        for position, label in STORED_AT.items()
    ]
    for row in rows:
        assert row.owner_organisation_id == world.owner_org.id
        assert row.created_by_id == world.author.id
        assert not row.owner_only
        body = orjson.loads(row.body)
        assert body["id"] == row.stix_id
        if row.type != "marking-definition":
            assert stix.MARKING_FOR_LABEL[row.tlp] in body["object_marking_refs"]
    assert len({row.date_added for row in rows}) == len(rows)
    awkward = next(row for row in rows if row.stix_id == objects[17]["id"])
    assert orjson.loads(awkward.body)["description"] == AWKWARD
    assert AWKWARD in awkward.search_text
    relationship = next(row for row in rows if row.type == "relationship")
    assert (relationship.source_ref, relationship.target_ref) == (
        named["first"],
        objects[5]["id"],
    )
    assert next(row for row in rows if row.type == "sighting").sighting_of_ref == objects[5]["id"]
    pulled = taxii.get_object(objects[17]["id"])
    assert pulled["objects"][0]["description"] == AWKWARD
    entry = db.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "stix.ingest", AuditEntry.record_id == status.id
        )
    ).one()
    assert sorted(entry.changed_fields) == ["failed=4", "received=18"]
    assert (entry.actor_user_id, entry.record_organisation_id) == (
        world.author.id,
        world.owner_org.id,
    )

    # The same envelope again stores nothing: each good object is a no-op success, each
    # bad one fails again for the same reason.
    repeat = taxii.add_objects({"objects": objects})
    assert (repeat.success_count, repeat.failure_count) == (14, 4)
    assert repeat.successes == expected_successes
    assert _rows(db, collection, ids) == rows


def test_failure_details_keep_awkward_text(
    db: Session, world: World, collection: CollectionRow, taxii_conn: TaxiiConnection
) -> None:
    """A failure's id and message go into the status rows as sent (the COPY stream escapes
    them on PostgreSQL) and come back unchanged."""
    db.commit()
    taxii = Collection(f"{TAXII}api/collections/{collection.id}/", conn=taxii_conn(world.author))
    bad = {**_indicator(_id("indicator")), "modified": AWKWARD}
    status = taxii.add_objects({"objects": [bad]})
    assert status.failure_count == 1
    assert status.failures[0]["version"] == AWKWARD[:40]  # versions are kept to 40 characters
    stored = db.scalars(
        select(TaxiiStatusDetail).where(TaxiiStatusDetail.status_id == status.id)
    ).one()
    assert (stored.object_id, stored.version) == (bad["id"], AWKWARD[:40])


def test_a_row_racing_another_post_is_a_conflict_not_a_driver_error(
    db: Session, world: World, collection: CollectionRow
) -> None:
    """Two posts of one version racing meet the unique index in the bulk insert itself (the
    driver's executemany or COPY): that surfaces as SQLAlchemy's IntegrityError, which the
    app answers with 409, and leaves nothing of the batch."""
    obj = _indicator(_id("indicator"), **_marked(Tlp.GREEN))
    ingest_service.ingest(db, actor=actor(world.author), collection=collection, objects=[obj])
    columns = [STIX_OBJECT_BULK.c[name] for name in ingest_service.ROW_COLUMNS]
    stored = db.execute(select(*columns).where(STIX_OBJECT_BULK.c.stix_id == obj["id"])).one()
    other = _id("indicator")
    fresh = (str(uuid.uuid4()), stored[1], other, *stored[3:])  # fine on its own
    racing = (str(uuid.uuid4()), *stored[1:])  # the same id + version + owner again
    with pytest.raises(IntegrityError), db.begin_nested():
        ingest_service.insert_rows(
            db, STIX_OBJECT_BULK, ingest_service.ROW_COLUMNS, [fresh, racing]
        )
    assert len(_rows(db, collection, {obj["id"]})) == 1
    assert _rows(db, collection, {other}) == []


def test_objects_read_from_the_database_while_they_are_stored_are_all_stored(
    db: Session, world: World, collection: CollectionRow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller's objects may be made as they are read, with queries of their own: ingest
    reads them only while the connection is free (a COPY left open across batches would
    make such a query wait on psycopg's connection lock for ever)."""
    monkeypatch.setattr(ingest_service, "BATCH", 2)
    made: list[str] = []

    def made_from_the_database() -> Any:
        for _ in range(5):
            db.execute(select(StixObject.id).limit(1)).all()  # as a converter might look up
            made.append(_id("indicator"))
            yield _indicator(made[-1], **_marked(Tlp.GREEN))

    report = ingest_service.ingest(
        db, actor=actor(world.author), collection=collection, objects=made_from_the_database()
    )

    assert (report.total, report.successes, report.failures) == (5, 5, 0)
    assert [row.stix_id for row in _rows(db, collection, set(made))] == made
