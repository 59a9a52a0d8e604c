"""The MISP feed of a collection, per reader: manifest.json, event files and hashes.csv hold
exactly what the policy lets the token's user see, and agree with each other."""

import copy
import hashlib
import uuid
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pymisp import MISPEvent
from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.interop import misp_feed
from aseancyber.sharing.models import Collection, CollectionKind
from aseancyber.sharing.schemas import IndicatorShare
from aseancyber.sharing.share_service import share_indicator, upload_bundle
from tests.factories import actor
from tests.matrix import EXPECTED, LABELS
from tests.readers import ClientsFor, World

TAGS = {
    Tlp.CLEAR: "tlp:clear",
    Tlp.GREEN: "tlp:green",
    Tlp.AMBER: "tlp:amber",
    Tlp.AMBER_STRICT: "tlp:amber+strict",
    Tlp.RED: "tlp:red",
}


def _md5(value: str) -> str:
    return hashlib.md5(value.encode()).hexdigest()  # noqa: S324 - MISP's feed format


def _share(
    db: Session,
    world: World,
    collection: Collection,
    marker: str,
    label: Tlp,
    *,
    external: bool = False,
) -> None:
    share_indicator(
        db,
        actor=actor(world.author),
        data=IndicatorShare(
            collection_id=collection.id,
            observable_type="domain-name",
            share_anyway=True,  # documentation domains are on a warninglist
            value=f"{marker}.example.net",
            name=f"Feed indicator {marker}",
            tlp=label,
            green_includes_external=external,
            audience_organisation_ids=[world.recipient_org.id],
            audience_user_ids=[world.named_user.id],
        ),
    )


def _feed(
    rest: TestClient, collection: Collection
) -> tuple[dict[str, Any], dict[str, Any], list[list[str]]]:
    """(manifest, {uuid: event}, hashes rows) as the reader's MISP would fetch them."""
    base = f"/misp/feed/{collection.id}"
    manifest = rest.get(f"{base}/manifest.json")
    assert manifest.status_code == 200, manifest.text
    events = {}
    for event_uuid in manifest.json():
        answer = rest.get(f"{base}/{event_uuid}.json")
        assert answer.status_code == 200, answer.text
        events[event_uuid] = answer.json()["Event"]
    hashes = rest.get(f"{base}/hashes.csv")
    assert hashes.status_code == 200
    assert hashes.headers["content-type"].startswith("text/csv")
    rows = [line.split(",") for line in hashes.text.splitlines()]
    return manifest.json(), events, rows


def _values(event: dict[str, Any]) -> set[str]:
    values = {a["value"] for a in event.get("Attribute", [])}
    for misp_object in event.get("Object", []):
        values.update(a["value"] for a in misp_object.get("Attribute", []))
    return values


def _check_consistent(
    manifest: dict[str, Any], events: dict[str, Any], rows: list[list[str]]
) -> None:
    """The manifest describes each event file as it is, and hashes.csv lists every value of
    every event and nothing else."""
    for event_uuid, entry in manifest.items():
        event = events[event_uuid]
        for key in ("info", "date", "threat_level_id", "analysis", "timestamp", "Orgc", "Tag"):
            assert entry[key] == event[key], key
        loaded = MISPEvent()
        loaded.load(copy.deepcopy({"Event": event}))  # PyMISP reads it (and empties it)
        assert loaded.uuid == event_uuid
    expected_rows = sorted(
        [_md5(value), event_uuid]
        for event_uuid, event in events.items()
        for value in _values(event)
    )
    assert sorted(rows) == expected_rows


@pytest.fixture
def matrix(db: Session, world: World, shared: Collection) -> Collection:
    for name, (label, external) in LABELS.items():
        _share(db, world, shared, name, label, external=external)
    db.commit()
    return shared


@pytest.mark.parametrize("reader_name", sorted(set(EXPECTED) - {"anonymous"}))
def test_each_reader_gets_exactly_what_the_policy_lets_them_see(
    world: World, matrix: Collection, clients_for: ClientsFor, reader_name: str
) -> None:
    rest, _ = clients_for(getattr(world, reader_name))
    manifest, events, rows = _feed(rest, matrix)
    _check_consistent(manifest, events, rows)
    seen = set().union(*(_values(event) for event in events.values())) if events else set()
    expected = {f"{name}.example.net" for name in EXPECTED[reader_name]}
    assert seen == expected
    if not expected:
        assert manifest == {}
        assert rows == []
        return
    # One producer, one day: one event, tagged with the strictest label the reader sees in it.
    (event,) = events.values()
    strictest = max((LABELS[name][0] for name in EXPECTED[reader_name]), key=lambda t: t.rank)
    tlp_tags = [tag["name"] for tag in event["Tag"] if tag["name"].startswith("tlp:")]
    assert tlp_tags == [TAGS[strictest]]
    assert all(a["to_ids"] for a in event["Attribute"])  # indicators: for IDS
    assert event["Orgc"]["name"] == world.owner_org.name


def test_the_feed_needs_a_token_and_a_readable_collection(
    db: Session, world: World, matrix: Collection, clients_for: ClientsFor
) -> None:
    anonymous, _ = clients_for(None)
    assert anonymous.get(f"/misp/feed/{matrix.id}/manifest.json").status_code == 401
    assert anonymous.get(f"/misp/feed/{matrix.id}/hashes.csv").status_code == 401
    private = Collection(
        title="SingCERT internal",
        kind=CollectionKind.OWN,
        owner_organisation_id=world.owner_org.id,
        default_tlp=Tlp.GREEN,
    )
    db.add(private)
    db.flush()
    _share(db, world, private, "internal", Tlp.CLEAR)
    db.commit()
    other, _ = clients_for(world.other_state)
    for path in ("manifest.json", "hashes.csv", f"{uuid.uuid4()}.json"):
        assert other.get(f"/misp/feed/{private.id}/{path}").status_code == 404
    author, _ = clients_for(world.author)
    assert author.get(f"/misp/feed/{private.id}/manifest.json").json()
    assert author.get(f"/misp/feed/{matrix.id}/{uuid.uuid4()}.json").status_code == 404
    assert author.get(f"/misp/feed/{uuid.uuid4()}/manifest.json").status_code == 404


def _indicator(value: str) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-11-01T00:00:00.000Z",
        "modified": "2026-11-01T00:00:00.000Z",
        "name": value,
        "pattern": f"[ipv4-addr:value = '{value}']",
        "pattern_type": "stix",
        "valid_from": "2026-11-01T00:00:00Z",
    }


def test_a_report_is_an_event_and_a_hidden_one_is_404(
    db: Session, world: World, shared: Collection, clients_for: ClientsFor
) -> None:
    green, strict = _indicator("192.0.2.10"), _indicator("192.0.2.66")
    green["object_marking_refs"] = ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]
    strict["object_marking_refs"] = ["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"]
    report_uuid = str(uuid.uuid4())
    report = {
        "type": "report",
        "spec_version": "2.1",
        "id": f"report--{report_uuid}",
        "created": "2026-11-02T00:00:00.000Z",
        "modified": "2026-11-02T00:00:00.000Z",
        "published": "2026-11-02T00:00:00Z",
        "name": "Scanning of SCADA gateways",
        "object_refs": [green["id"], strict["id"]],
        "object_marking_refs": ["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"],
    }
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [green, strict, report]}
    stored = upload_bundle(
        db, actor=actor(world.author), collection_id=shared.id, content=orjson.dumps(bundle)
    )
    assert stored.failures == 0
    db.commit()
    colleague, _ = clients_for(world.colleague)
    manifest, events, rows = _feed(colleague, shared)
    _check_consistent(manifest, events, rows)
    assert set(manifest) == {report_uuid}
    event = events[report_uuid]
    assert (event["info"], event["date"]) == ("Scanning of SCADA gateways", "2026-11-02")
    assert _values(event) == {"192.0.2.10", "192.0.2.66"}
    assert [t["name"] for t in event["Tag"] if t["name"].startswith("tlp:")] == ["tlp:amber+strict"]
    assert event["distribution"] == "0"
    # Another state sees neither the report nor the strict indicator: the GREEN one comes
    # in its producer's daily event, the report's event is 404 and in no file.
    other, _ = clients_for(world.other_state)
    manifest, events, rows = _feed(other, shared)
    _check_consistent(manifest, events, rows)
    assert report_uuid not in manifest
    assert other.get(f"/misp/feed/{shared.id}/{report_uuid}.json").status_code == 404
    assert set().union(*(_values(e) for e in events.values())) == {"192.0.2.10"}
    assert _md5("192.0.2.66") not in {row[0] for row in rows}
    assert "192.0.2.66" not in str(manifest)


def test_an_imported_misp_event_comes_back_through_the_feed(
    db: Session, world: World, shared: Collection, clients_for: ClientsFor, circl_event: Any
) -> None:
    author, _ = clients_for(world.author)
    answer = author.post(f"/api/v1/interop/misp/collections/{shared.id}/events", json=circl_event)
    assert answer.status_code == 201, answer.text
    other, _ = clients_for(world.other_state)
    manifest, events, rows = _feed(other, shared)
    _check_consistent(manifest, events, rows)
    event_uuid = circl_event["Event"]["uuid"]
    event = events[event_uuid]  # the report keeps the MISP event's uuid
    assert event["info"] == circl_event["Event"]["info"]
    assert [t["name"] for t in event["Tag"] if t["name"].startswith("tlp:")] == ["tlp:green"]
    assert event["distribution"] == "1"
    by_value = {a["value"]: a for a in event["Attribute"]}
    assert by_value["185.220.101.47"]["type"] == "ip-dst"
    assert by_value["185.220.101.47"]["to_ids"] is True
    assert by_value["203.0.113.77"]["to_ids"] is False  # context only, as in MISP
    assert "secure-login-bank-update.com" in by_value
    file_values = {
        a["value"] for o in event["Object"] if o["name"] == "file" for a in o["Attribute"]
    }
    assert "5d41402abc4b2a76b9719d911017c592" in file_values
    assert [_md5("185.220.101.47"), event_uuid] in rows


def test_content_the_converter_fails_on_is_left_out_not_the_feed(
    world: World, matrix: Collection, clients_for: ClientsFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = misp_feed._parse

    def fails_on_clear(members: list[dict[str, Any]], **arguments: Any) -> dict[str, Any]:
        if any("clear.example.net" in str(member) for member in members):
            raise ValueError("the converter gave up")
        return real(members, **arguments)

    monkeypatch.setattr(misp_feed, "_parse", fails_on_clear)
    rest, _ = clients_for(world.other_state)
    manifest, events, rows = _feed(rest, matrix)
    _check_consistent(manifest, events, rows)
    seen = set().union(*(_values(event) for event in events.values()))
    assert seen == {"green.example.net", "green-external.example.net"}
