"""OpenCTI round trip: an OpenCTI export ingested over TAXII comes back over TAXII with
its ``x_opencti_*`` properties and extension intact, and with OpenCTI's own TLP marking
for the label the platform gave each object (next to the TLP 2.0 one)."""

import uuid
from typing import Any

from taxii2client.v21 import Collection

from aseancyber.access.policy import Tlp
from aseancyber.sharing import stix
from aseancyber.sharing.models import Collection as CollectionRow
from tests.interop.conftest import load
from tests.readers import World
from tests.sharing.conftest import TAXII, TaxiiConnection

OPENCTI_AMBER = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
OPENCTI_AMBER_STRICT = "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37"
OPENCTI_GREEN = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"


def _taxii(conn: Any, collection: CollectionRow) -> Collection:
    return Collection(f"{TAXII}api/collections/{collection.id}/", conn=conn)


def _by_id(envelope: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {obj["id"]: obj for obj in envelope.get("objects", [])}


def test_opencti_export_round_trips_over_taxii(
    world: World, shared: CollectionRow, taxii_conn: TaxiiConnection
) -> None:
    export = load("opencti_export.json")
    sent = {obj["id"]: obj for obj in load("opencti_export.json")["objects"]}
    author = _taxii(taxii_conn(world.author), shared)
    status = author.add_objects({"objects": export["objects"]})
    assert status.failure_count == 0, status.failures
    back = _by_id(author.get_objects())
    expected_markings = {
        "indicator--3c1b8d7e-6f2a-4b5c-9d0e-1f2a3b4c5d6e": (Tlp.AMBER, OPENCTI_AMBER),
        "ipv4-addr--0f6c3a58-8b54-5c5e-8f7c-5f0d3e3e9a01": (Tlp.AMBER_STRICT, OPENCTI_AMBER_STRICT),
        "malware--5d2e9f80-1a3b-4c4d-8e5f-6a7b8c9d0e1f": (Tlp.GREEN, OPENCTI_GREEN),
        # GREEN as sent, but never wider than the AMBER indicator it points at: OpenCTI
        # gets its own AMBER back, not the GREEN it sent.
        "relationship--8e9f0a1b-2c3d-4e5f-9a6b-7c8d9e0f1a2b": (Tlp.AMBER, OPENCTI_AMBER),
    }
    for stix_id, original in sent.items():
        received = back[stix_id]
        if original["type"] == "marking-definition":
            assert received == original  # OpenCTI's definitions are served as OpenCTI wrote them
            continue
        label, opencti_marking = expected_markings[stix_id]
        assert received["object_marking_refs"] == [stix.MARKING_FOR_LABEL[label], opencti_marking]
        assert stix.label_of(received) is label
        without_markings = {k: v for k, v in received.items() if k != "object_marking_refs"}
        assert without_markings == {k: v for k, v in original.items() if k != "object_marking_refs"}
        opencti_keys = {k for k in original if k.startswith("x_opencti_")}
        assert opencti_keys <= set(received)
    # Another state's analyst sees the GREEN malware only, with OpenCTI's GREEN marking.
    other = _taxii(taxii_conn(world.other_state), shared)
    seen = {k: v for k, v in _by_id(other.get_objects()).items() if not k.startswith("marking-")}
    assert set(seen) == {"malware--5d2e9f80-1a3b-4c4d-8e5f-6a7b8c9d0e1f"}


def test_an_unknown_opencti_marking_fails_closed_and_keeps_its_reference(
    world: World, shared: CollectionRow, taxii_conn: TaxiiConnection
) -> None:
    custom = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": f"marking-definition--{uuid.uuid4()}",
        "created": "2024-01-01T00:00:00.000Z",
        "definition_type": "TLP",
        "name": "TLP:EX:CHR",
        "definition": {"TLP": "TLP:EX:CHR"},
        "x_opencti_definition_type": "TLP",
        "x_opencti_definition": "TLP:EX:CHR",
    }
    malware = load("opencti_export.json")["objects"][5]
    malware["object_marking_refs"] = [custom["id"]]
    author = _taxii(taxii_conn(world.author), shared)
    assert author.add_objects({"objects": [custom, malware]}).failure_count == 0
    received = _by_id(author.get_objects(type="malware"))[malware["id"]]
    assert received["object_marking_refs"] == [
        stix.MARKING_FOR_LABEL[Tlp.AMBER_STRICT],
        OPENCTI_AMBER_STRICT,
        custom["id"],
    ]
    other = _taxii(taxii_conn(world.other_state), shared)
    assert malware["id"] not in _by_id(other.get_objects(type="malware"))


def test_tlp1_markings_without_opencti_are_still_mapped_to_tlp2(
    world: World, shared: CollectionRow, taxii_conn: TaxiiConnection
) -> None:
    malware = load("opencti_export.json")["objects"][5]
    for key in [k for k in malware if k.startswith("x_opencti_")]:
        del malware[key]
    author = _taxii(taxii_conn(world.author), shared)
    assert author.add_objects({"objects": [malware]}).failure_count == 0
    received = _by_id(author.get_objects(type="malware"))[malware["id"]]
    assert received["object_marking_refs"] == [stix.MARKING_FOR_LABEL[Tlp.GREEN]]
