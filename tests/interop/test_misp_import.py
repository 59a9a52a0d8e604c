"""MISP event import: realistic MISP JSON (a CIRCL-style OSINT event, events built with
PyMISP) converted by misp-stix and stored through the bundle upload path, labels failing
closed, bad input refused with a clear message and nothing written."""

import uuid
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pymisp import MISPEvent, MISPObject
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.policy import Tlp
from aseancyber.audit.models import AuditEntry
from aseancyber.interop import misp_import
from aseancyber.jobs.units import committed_units
from aseancyber.sharing import stix
from aseancyber.sharing.models import Collection, StixObject
from tests.factories import actor
from tests.readers import BrowserFor, ClientsFor, World

EVENT_UUID = "5f0a3b6e-7c44-4d8f-9a6b-2f1e0c9d8a71"
IP_DST = "0c7a4b2e-1d3f-4e5a-8b9c-0d1e2f3a4b5c"
IP_SRC = "4abe8f6c-5b7d-4c9e-8fd0-4b5c6d7e8f90"  # to_ids false: context only
FILE_OBJECT = "6cd0a18e-7d9f-4eb0-81f2-6d7e8f90a1b2"


def _url(collection: Collection) -> str:
    return f"/api/v1/interop/misp/collections/{collection.id}/events"


def _rows(db: Session, collection: Collection) -> dict[str, StixObject]:
    db.expire_all()
    rows = db.scalars(select(StixObject).where(StixObject.collection_id == collection.id))
    # Not the collection's own TLP 2.0 definitions, there before any import.
    return {row.stix_id: row for row in rows if row.stix_id not in stix.TLP2_MARKINGS}


def _visible_ids(rest: TestClient, collection: Collection) -> set[str]:
    answer = rest.get("/api/v1/sharing/objects", params={"collection": collection.id, "limit": 500})
    assert answer.status_code == 200, answer.text
    return {
        item["stix_id"] for item in answer.json()["items"] if item["type"] != "marking-definition"
    }


def test_a_circl_osint_event_is_converted_and_stored_as_the_importers(
    db: Session, world: World, shared: Collection, clients_for: ClientsFor, circl_event: Any
) -> None:
    rest, _ = clients_for(world.author)
    answer = rest.post(_url(shared), json=circl_event)
    assert answer.status_code == 201, answer.text
    (event,) = answer.json()["events"]
    assert (event["uuid"], event["tlp"]) == (EVENT_UUID, Tlp.GREEN.value)
    assert event["ingest"]["rejected"] == 0
    rows = _rows(db, shared)
    assert len(rows) == event["ingest"]["accepted"]
    assert {row.owner_organisation_id for row in rows.values()} == {world.owner_org.id}
    assert {row.tlp for row in rows.values() if row.type != "marking-definition"} == {Tlp.GREEN}
    report = rows[f"report--{EVENT_UUID}"]
    assert report.name == circl_event["Event"]["info"]
    # to_ids keeps its meaning: an indicator for an IDS attribute, only the observable else.
    indicators = {row.stix_id for row in rows.values() if row.type == "indicator"}
    assert f"indicator--{IP_DST}" in indicators
    assert f"indicator--{FILE_OBJECT}" in indicators
    assert f"indicator--{IP_SRC}" not in indicators
    assert f"observed-data--{IP_SRC}" in rows
    pattern = orjson.loads(rows[f"indicator--{IP_DST}"].body)["pattern"]
    assert "185.220.101.47" in pattern
    stix.check_pattern(pattern)
    assert "malware--b88e29cf-79d9-42bc-b369-0fd3b2d46a64" in rows  # the Malpedia galaxy
    # CIRCL is the claimed author, never the owner.
    body = orjson.loads(report.body)
    assert body["created_by_ref"] == "identity--55f6ea5e-2c60-40e5-964f-47a8950d210f"
    # Another state's analyst sees it (TLP:GREEN); an external vendor does not.
    other, _ = clients_for(world.other_state)
    assert f"indicator--{IP_DST}" in _visible_ids(other, shared)
    external, _ = clients_for(world.external)
    assert not _visible_ids(external, shared)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "misp.import"))
    assert entry is not None
    assert f"event={EVENT_UUID}" in entry.changed_fields
    assert entry.actor_organisation_id == world.owner_org.id


def test_stricter_attributes_and_distribution_fail_closed(
    db: Session, world: World, shared: Collection, clients_for: ClientsFor, circl_event: Any
) -> None:
    attributes = circl_event["Event"]["Attribute"]
    attributes[0]["distribution"] = "0"  # ip-dst: your organisation only
    attributes[1]["Tag"] = [{"name": "tlp:red"}]  # domain: RED
    attributes[2]["Tag"] = [{"name": "tlp:clear"}]  # url: never wider than its event
    md5 = circl_event["Event"]["Object"][0]["Attribute"][1]
    md5.update(distribution="4", sharing_group_id="7")  # md5: a MISP sharing group
    rest, _ = clients_for(world.author)
    answer = rest.post(_url(shared), json=circl_event)
    assert answer.status_code == 201, answer.text
    rows = _rows(db, shared)
    assert rows[f"indicator--{IP_DST}"].tlp is Tlp.AMBER_STRICT
    assert rows[f"ipv4-addr--{IP_DST}"].tlp is Tlp.AMBER_STRICT
    assert rows[f"indicator--{attributes[1]['uuid']}"].tlp is Tlp.RED
    assert rows[f"indicator--{attributes[2]['uuid']}"].tlp is Tlp.GREEN
    assert rows[f"indicator--{FILE_OBJECT}"].tlp is Tlp.AMBER_STRICT
    other, _ = clients_for(world.other_state)
    seen = _visible_ids(other, shared)
    assert f"indicator--{attributes[2]['uuid']}" in seen
    hidden = {f"indicator--{IP_DST}", f"indicator--{attributes[1]['uuid']}"}
    assert not hidden & seen
    assert f"indicator--{FILE_OBJECT}" not in seen
    # A relationship is never wider than what it points at.
    relationships = [
        row
        for row in rows.values()
        if row.type == "relationship" and row.source_ref == f"indicator--{FILE_OBJECT}"
    ]
    assert relationships
    assert all(row.tlp is Tlp.AMBER_STRICT for row in relationships)


@pytest.mark.parametrize(
    ("tags", "distribution", "default", "expected"),
    [
        (["tlp:amber"], "3", Tlp.GREEN, Tlp.AMBER),
        (["tlp:green"], "1", Tlp.GREEN, Tlp.AMBER),  # this MISP community is not ours
        (["tlp:clear"], "0", Tlp.GREEN, Tlp.AMBER_STRICT),
        (["tlp:ex:chr"], "3", Tlp.GREEN, Tlp.AMBER_STRICT),
        ([], "3", Tlp.CLEAR, Tlp.GREEN),
        ([], None, Tlp.AMBER, Tlp.AMBER),
    ],
)
def test_pymisp_events_get_the_label_of_the_table(  # noqa: PLR0917 - fixtures
    db: Session,
    world: World,
    shared: Collection,
    clients_for: ClientsFor,
    tags: list[str],
    distribution: str | None,
    default: Tlp,
    expected: Tlp,
) -> None:
    shared.default_tlp = default
    db.commit()
    event = MISPEvent()
    event.info = "Scanning from a residential proxy network"
    for tag in tags:
        event.add_tag(tag)
    if distribution is not None:
        event.distribution = int(distribution)
    event.add_attribute("ip-src", "198.51.100.23", to_ids=True, comment="scanner")
    domain_ip = MISPObject("domain-ip")
    domain_ip.add_attribute("domain", value="proxy-exit.example.net")
    domain_ip.add_attribute("ip", value="198.51.100.24")
    event.add_object(domain_ip)
    rest, _ = clients_for(world.author)
    answer = rest.post(_url(shared), content=event.to_json())
    assert answer.status_code == 201, answer.text
    assert answer.json()["events"][0]["tlp"] == expected.value
    rows = _rows(db, shared)
    labels = {row.tlp for row in rows.values() if row.type not in {"marking-definition"}}
    assert labels == {expected}


def test_a_rest_search_answer_with_several_events_and_a_minimum(
    db: Session, world: World, shared: Collection, clients_for: ClientsFor, circl_event: Any
) -> None:
    second = MISPEvent()
    second.info = "Second event"
    second.add_tag("tlp:clear")
    second.add_attribute("domain", "second.example.org", to_ids=True)
    body = {"response": [circl_event, orjson.loads(second.to_json())]}
    rest, _ = clients_for(world.author)
    answer = rest.post(_url(shared), json=body, params={"minimum_tlp": "TLP:AMBER"})
    assert answer.status_code == 201, answer.text
    events = answer.json()["events"]
    assert [e["tlp"] for e in events] == [Tlp.AMBER.value, Tlp.AMBER.value]
    rows = _rows(db, shared)
    assert f"indicator--{second.attributes[0].uuid}" in rows


def _too_large() -> bytes:
    filler = "x" * (misp_import.MAX_EVENT_FILE_BYTES + 10)
    attribute = {"uuid": str(uuid.uuid4()), "type": "text", "value": filler}
    event = {"uuid": str(uuid.uuid4()), "info": "big", "Attribute": [attribute]}
    return orjson.dumps({"Event": event})


BAD_INPUT: dict[str, tuple[bytes, int, str]] = {
    "malformed JSON": (b'{"Event": {"info": "x",', 422, "is not valid JSON"),
    "empty": (b"  ", 422, "is empty"),
    "not an event": (b'{"hello": "world"}', 422, "is not a MISP event"),
    "a STIX bundle": (
        orjson.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": []}),
        422,
        "is not a MISP event",
    ),
    "a number": (b"42", 422, "is not a MISP event"),
    "no uuid": (b'{"Event": {"info": "x", "Attribute": []}}', 422, "has no valid uuid"),
    "attributes not a list": (
        orjson.dumps({"Event": {"uuid": str(uuid.uuid4()), "info": "x", "Attribute": {}}}),
        422,
        "Attribute must be a list",
    ),
    "unknown distribution": (
        orjson.dumps(
            {
                "Event": {
                    "uuid": str(uuid.uuid4()),
                    "info": "x",
                    "distribution": "9",
                    "Attribute": [],
                }
            }
        ),
        422,
        "distribution '9'",
    ),
    "empty response": (b'{"response": []}', 422, "holds no MISP event"),
    "an attribute type MISP does not know": (
        orjson.dumps(
            {
                "Event": {
                    "uuid": str(uuid.uuid4()),
                    "info": "x",
                    "Attribute": [
                        {"uuid": str(uuid.uuid4()), "type": "ip-dts", "value": "192.0.2.1"}
                    ],
                }
            }
        ),
        422,
        "could not be converted to STIX: Error loading Attribute",
    ),
    "oversized": (_too_large(), 413, "at most 8 MiB"),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_refused_by_name_and_nothing_is_written(
    db: Session, world: World, shared: Collection, clients_for: ClientsFor, case: str
) -> None:
    content, status, message = BAD_INPUT[case]
    rest, _ = clients_for(world.author)
    answer = rest.post(_url(shared), content=content)
    assert answer.status_code == status, answer.text
    assert message in answer.text
    assert not _rows(db, shared)


def test_one_refused_event_in_a_file_leaves_the_others_unwritten(
    db: Session, world: World, shared: Collection, clients_for: ClientsFor, circl_event: Any
) -> None:
    bad = {
        "Event": {"uuid": str(uuid.uuid4()), "info": "bad", "distribution": "x", "Attribute": []}
    }
    rest, _ = clients_for(world.author)
    answer = rest.post(_url(shared), json=[circl_event, bad])
    assert answer.status_code == 422
    assert "event has distribution 'x'" in answer.text
    assert not _rows(db, shared)


def test_who_may_import(
    db: Session, world: World, shared: Collection, clients_for: ClientsFor, circl_event: Any
) -> None:
    anonymous, _ = clients_for(None)
    assert anonymous.post(_url(shared), json=circl_event).status_code == 401
    viewer, _ = clients_for(world.colleague)  # may read the collection, not write
    assert viewer.post(_url(shared), json=circl_event).status_code == 403
    private = Collection(
        title="MyCERT own",
        kind=shared.kind,
        owner_organisation_id=world.other_state_org.id,
        default_tlp=Tlp.AMBER,
    )
    db.add(private)
    db.commit()
    rest, _ = clients_for(world.author)
    answer = rest.post(_url(private), json=circl_event)
    assert answer.status_code == 404  # a collection they may not see does not exist
    assert not _rows(db, private)
    assert not _rows(db, shared)


def test_the_import_page(
    db: Session, world: World, shared: Collection, browser_for: BrowserFor, circl_event: Any
) -> None:
    browser = browser_for(world.author)
    form = browser.client.get("/sharing/misp-import")
    assert form.status_code == 200
    assert shared.title in form.text
    answer = browser.client.post(
        "/sharing/misp-import",
        data={"csrf_token": browser.csrf, "collection_id": shared.id, "minimum_tlp": ""},
        files={"file": ("event.json", orjson.dumps(circl_event), "application/json")},
    )
    assert answer.status_code == 200, answer.text
    assert EVENT_UUID in answer.text
    assert "TLP:GREEN" in answer.text
    assert f"report--{EVENT_UUID}" in _rows(db, shared)
    refused = browser.client.post(
        "/sharing/misp-import",
        data={"csrf_token": browser.csrf, "collection_id": shared.id},
        files={"file": ("event.json", b'{"Event": ', "application/json")},
    )
    assert refused.status_code == 422
    assert "is not valid JSON" in refused.text
    no_csrf = browser.client.post("/sharing/misp-import", data={"collection_id": shared.id})
    assert no_csrf.status_code in (400, 403)


def test_in_units_each_event_is_committed_on_its_own_and_a_failure_keeps_the_earlier(
    *,
    db: Session,
    world: World,
    shared: Collection,
    circl_event: Any,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    second = MISPEvent()
    second.info = "Second event"
    second.add_tag("tlp:clear")
    second.add_attribute("domain", "second.example.org", to_ids=True)
    content = orjson.dumps([circl_event, orjson.loads(second.to_json())])
    units: list[int] = []
    committed = committed_units(session_factory)

    def counted(work: Any) -> Any:
        units.append(1)
        if len(units) == 2:
            raise RuntimeError("the database went away")
        return committed(work)

    with pytest.raises(misp_import.StoppedMidway) as stopped:
        misp_import.import_events_in_units(
            session_factory,
            unit=counted,
            actor=actor(world.author),
            collection_id=shared.id,
            content=content,
        )
    assert [event.info for event in stopped.value.imported] == [circl_event["Event"]["info"]]
    rows = _rows(db, shared)
    assert f"report--{circl_event['Event']['uuid']}" in rows  # the first event is kept
    assert f"indicator--{second.attributes[0].uuid}" not in rows
    done = misp_import.import_events_in_units(
        session_factory,
        unit=committed,
        actor=actor(world.author),
        collection_id=shared.id,
        content=orjson.dumps(orjson.loads(second.to_json())),
    )
    assert [event.info for event in done] == ["Second event"]
    assert f"indicator--{second.attributes[0].uuid}" in _rows(db, shared)
