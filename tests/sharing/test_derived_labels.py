"""A relationship or sighting posted over TAXII or uploaded is never wider than what it
points at: its label is raised to the strictest label among its targets, in the same
envelope or stored in the collection where the poster sees them. A target hidden from the
poster changes nothing, so the answer tells them nothing about it."""

import uuid
from typing import Any

import orjson
from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.sharing import ingest as ingest_service
from aseancyber.sharing import stix
from aseancyber.sharing.models import Collection, StixObject
from tests.factories import actor
from tests.readers import World

STAMP = "2026-01-01T00:00:00.000Z"
COMMON = {"spec_version": "2.1", "created": STAMP, "modified": STAMP}


def _malware(label: Tlp) -> dict[str, Any]:
    return {
        **COMMON,
        "type": "malware",
        "id": f"malware--{uuid.uuid4()}",
        "name": "Example loader",
        "is_family": True,
        "object_marking_refs": [stix.MARKING_FOR_LABEL[label]],
    }


def _relationship(target: str, label: Tlp = Tlp.GREEN) -> dict[str, Any]:
    return {
        **COMMON,
        "type": "relationship",
        "id": f"relationship--{uuid.uuid4()}",
        "relationship_type": "related-to",
        "source_ref": f"indicator--{uuid.uuid4()}",
        "target_ref": target,
        "object_marking_refs": [stix.MARKING_FOR_LABEL[label]],
    }


def _sighting(target: str, label: Tlp = Tlp.GREEN) -> dict[str, Any]:
    return {
        **COMMON,
        "type": "sighting",
        "id": f"sighting--{uuid.uuid4()}",
        "sighting_of_ref": target,
        "object_marking_refs": [stix.MARKING_FOR_LABEL[label]],
    }


def _stored(db: Session, collection: Collection, stix_id: str) -> StixObject:
    rows = db.query(StixObject).filter_by(collection_id=collection.id, stix_id=stix_id).all()
    assert len(rows) == 1, rows
    return rows[0]


def test_a_relationship_before_its_target_in_one_envelope_takes_the_target_label(
    db: Session, world: World, collection: Collection
) -> None:
    target = _malware(Tlp.AMBER)
    link = _relationship(target["id"])
    report = ingest_service.ingest(
        db, actor=actor(world.author), collection=collection, objects=[link, target]
    )
    assert not report.failed
    stored = _stored(db, collection, link["id"])
    assert stored.tlp is Tlp.AMBER
    assert stix.MARKING_FOR_LABEL[Tlp.AMBER] in orjson.loads(stored.body)["object_marking_refs"]


def test_a_sighting_and_a_relationship_of_a_stored_red_object_become_red(
    db: Session, world: World, collection: Collection
) -> None:
    poster = actor(world.author)
    target = _malware(Tlp.RED)
    ingest_service.ingest(db, actor=poster, collection=collection, objects=[target])
    sighting, link = _sighting(target["id"]), _relationship(target["id"], Tlp.AMBER)
    report = ingest_service.ingest(
        db, actor=poster, collection=collection, objects=[sighting, link]
    )
    assert not report.failed
    assert _stored(db, collection, sighting["id"]).tlp is Tlp.RED
    assert _stored(db, collection, link["id"]).tlp is Tlp.RED


def test_a_stricter_own_label_is_kept(db: Session, world: World, collection: Collection) -> None:
    target = _malware(Tlp.GREEN)
    link = _relationship(target["id"], Tlp.RED)
    ingest_service.ingest(
        db, actor=actor(world.author), collection=collection, objects=[target, link]
    )
    assert _stored(db, collection, link["id"]).tlp is Tlp.RED


def test_a_target_hidden_from_the_poster_changes_nothing(
    db: Session, world: World, collection: Collection
) -> None:
    """The colleague may not see the author's RED object (no audience): their relationship
    to it is stored exactly as one to an id nobody holds."""
    hidden = _malware(Tlp.RED)
    ingest_service.ingest(db, actor=actor(world.author), collection=collection, objects=[hidden])
    colleague = actor(world.colleague)
    to_hidden, to_nothing = _relationship(hidden["id"]), _relationship(f"malware--{uuid.uuid4()}")
    report = ingest_service.ingest(
        db, actor=colleague, collection=collection, objects=[to_hidden, to_nothing]
    )
    assert not report.failed
    assert _stored(db, collection, to_hidden["id"]).tlp is Tlp.GREEN
    assert _stored(db, collection, to_nothing["id"]).tlp is Tlp.GREEN
