"""Markings fail closed: every way real tools write TLP is recognised, anything else makes an
object at least TLP:AMBER+STRICT, and foreign marking definitions come back as they came."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from stix2validator import ValidationOptions, validate_instance

from aseancyber.access.models import User
from aseancyber.access.policy import Tlp
from aseancyber.sharing import service, stix
from aseancyber.sharing.models import Collection, CollectionKind
from tests.factories import actor
from tests.readers import TokenFor, World

TAXII_TYPE = "application/taxii+json;version=2.1"
TAXII = "http://testserver/taxii2/"
OPENCTI_AMBER_STRICT = "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37"


def _tlp1(uuid_part: str, colour: str) -> dict[str, Any]:
    """A TLP 1.0 marking definition exactly as the STIX 2.1 specification writes it."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": f"marking-definition--{uuid_part}",
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "name": f"TLP:{colour.upper()}",
        "definition": {"tlp": colour},
    }


TLP1 = [
    _tlp1("613f2e26-407d-48c7-9eca-b8e91df99dc9", "white"),
    _tlp1("34098fce-860f-48ae-8e50-ebd3cc5e41da", "green"),
    _tlp1("f88d31f6-486f-44da-b317-01333bde0b82", "amber"),
    _tlp1("5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red"),
]


def _definition(**fields: Any) -> dict[str, Any]:
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": f"marking-definition--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        **fields,
    }


# Each definition a tool may send, with the label an object it marks must get at least (in
# a collection whose default is TLP:GREEN); None: it restricts nothing (the default holds).
DEFINITIONS: dict[str, tuple[dict[str, Any], Tlp | None]] = {
    "tlp 1.0 red": (TLP1[3], Tlp.RED),
    "definition_type tlp": (
        _definition(definition_type="tlp", definition={"tlp": "red"}),
        Tlp.RED,
    ),
    "opencti TLP object": (
        _definition(
            definition_type="TLP",
            name="TLP:AMBER+STRICT",
            definition={"TLP": "TLP:AMBER+STRICT"},
            x_opencti_definition_type="TLP",
            x_opencti_definition="TLP:AMBER+STRICT",
        ),
        Tlp.AMBER_STRICT,
    ),
    "tlp 2.0 extension": (
        _definition(
            name="TLP:AMBER",
            extensions={
                stix.TLP_EXTENSION_ID: {
                    "extension_type": "property-extension",
                    "tlp_2_0": "amber",
                }
            },
        ),
        Tlp.AMBER,
    ),
    "statement named as TLP": (
        _definition(
            name="TLP:RED", definition_type="statement", definition={"statement": "TLP:RED"}
        ),
        Tlp.RED,
    ),
    "unknown TLP name": (
        _definition(definition_type="tlp", definition={"tlp": "purple"}),
        Tlp.AMBER_STRICT,
    ),
    "unknown definition type": (
        _definition(definition_type="x-acme-handling", definition={"handling": "secret"}),
        Tlp.AMBER_STRICT,
    ),
    "statement": (
        _definition(definition_type="statement", definition={"statement": "Copyright ACME"}),
        None,
    ),
}


@pytest.mark.parametrize("name", DEFINITIONS)
def test_every_way_of_writing_tlp_is_recognised_and_the_rest_fails_closed(name: str) -> None:
    definition, expected = DEFINITIONS[name]
    assert stix.definition_label(definition) is expected


def test_known_ids_need_no_definition() -> None:
    assert stix.label_of({"object_marking_refs": [OPENCTI_AMBER_STRICT]}) is Tlp.AMBER_STRICT
    assert stix.label_of({"object_marking_refs": [TLP1[2]["id"]]}) is Tlp.AMBER
    unknown = f"marking-definition--{uuid.uuid4()}"
    assert stix.label_of({"object_marking_refs": [unknown]}) is Tlp.AMBER_STRICT
    assert stix.label_of({"object_marking_refs": [unknown]}, {unknown: None}) is None


@pytest.fixture
def regional(db: Session, world: World) -> Collection:
    collection = service.create_collection(
        db,
        actor=actor(world.coordinator),
        title="ASEAN regional",
        kind=CollectionKind.REGIONAL,
        default_tlp=Tlp.GREEN,
    )
    db.commit()
    return collection


def _rest(client: TestClient, token_for: TokenFor, user: User) -> TestClient:
    rest = TestClient(client.app, raise_server_exceptions=False)
    rest.headers.update(token_for(user))
    return rest


def _indicator(marking: str, name: str) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": name,
        "pattern": "[domain-name:value = 'c2.example.org']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        "object_marking_refs": [marking],
    }


def _post(rest: TestClient, collection: Collection, objects: list[dict[str, Any]]) -> None:
    answer = rest.post(
        f"{TAXII}api/collections/{collection.id}/objects/",
        content=stix.dumps({"objects": objects}),
        headers={"Content-Type": TAXII_TYPE, "Accept": TAXII_TYPE},
    )
    assert answer.status_code == 202, answer.text
    assert answer.json()["failure_count"] == 0, answer.text


def test_a_marking_never_lowers_an_object_to_the_collection_default(
    world: World, regional: Collection, client: TestClient, token_for: TokenFor
) -> None:
    author = _rest(client, token_for, world.author)
    other_state = _rest(client, token_for, world.other_state)
    marked: dict[str, Tlp | None] = {}
    for name, (definition, expected) in DEFINITIONS.items():
        obj = _indicator(definition["id"], name)
        _post(author, regional, [definition, obj])
        marked[obj["id"]] = expected
    # No definition sent: OpenCTI's own TLP:AMBER+STRICT id is known by its id.
    opencti = _indicator(OPENCTI_AMBER_STRICT, "opencti id")
    _post(author, regional, [opencti])
    marked[opencti["id"]] = Tlp.AMBER_STRICT
    # A definition stored earlier (in another envelope) counts as much as one sent along.
    stored = DEFINITIONS["unknown definition type"][0]
    later = _indicator(stored["id"], "stored definition")
    _post(author, regional, [later])
    marked[later["id"]] = Tlp.AMBER_STRICT
    for stix_id, expected in marked.items():
        label = expected or Tlp.GREEN
        row = author.get(f"/api/v1/sharing/objects/{stix_id}").json()
        assert row["tlp"] == label.value, row["name"]
        # The body carries the TLP 2.0 marking of its label, for consumers downstream.
        assert stix.MARKING_FOR_LABEL[label] in row["object"]["object_marking_refs"]
        seen = other_state.get(f"/api/v1/sharing/objects/{stix_id}").status_code
        assert seen == (200 if label is Tlp.GREEN else 404), row["name"]


def test_foreign_marking_definitions_come_back_exactly_as_sent(
    world: World, regional: Collection, client: TestClient, token_for: TokenFor
) -> None:
    author = _rest(client, token_for, world.author)
    custom = DEFINITIONS["statement"][0]
    _post(author, regional, [*TLP1, custom, _indicator(TLP1[1]["id"], "TLP 1.0 green")])
    for sent in [*TLP1, custom]:
        answer = author.get(
            f"{TAXII}api/collections/{regional.id}/objects/{sent['id']}/",
            headers={"Accept": TAXII_TYPE},
        )
        served = answer.json()["objects"]
        assert served == [sent]
        result = validate_instance(served[0], ValidationOptions(version="2.1"))
        assert result.is_valid, [str(error) for error in result.errors]
