"""STIX 2.1 validation and TLP labelling, as input / expected-output pairs."""

import uuid
from typing import Any

import pytest
from stix2validator import ValidationOptions, validate_instance

from aseancyber.access.policy import Tlp
from aseancyber.sharing import stix

NOW = "2026-01-01T00:00:00.000Z"


def sdo(kind: str, **properties: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": f"{kind}--{uuid.uuid4()}",
        "created": NOW,
        "modified": NOW,
        **properties,
    }


def sco(kind: str, **properties: Any) -> dict[str, Any]:
    return {"type": kind, "id": f"{kind}--{uuid.uuid4()}", **properties}


REF = f"identity--{uuid.uuid4()}"
VALID = [
    sdo("attack-pattern", name="Spear phishing"),
    sdo("campaign", name="Op Zebra"),
    sdo("course-of-action", name="Block"),
    sdo("grouping", context="suspicious-activity", object_refs=[REF]),
    sdo("identity", name="SingCERT", identity_class="organization"),
    sdo("incident", name="Outage"),
    sdo(
        "indicator",
        pattern=f"[file:hashes.'SHA-256' = '{'ab' * 32}']",
        pattern_type="stix",
        valid_from=NOW,
    ),
    sdo("indicator", pattern="yara rule", pattern_type="yara", valid_from=NOW),
    sdo("infrastructure", name="C2"),
    sdo("intrusion-set", name="APT Zebra"),
    sdo("location", country="SG"),
    sdo("malware", is_family=False),
    sdo("malware-analysis", product="sandbox", result="malicious"),
    sdo("note", content="seen", object_refs=[REF]),
    sdo(
        "observed-data", first_observed=NOW, last_observed=NOW, number_observed=1, object_refs=[REF]
    ),
    sdo("opinion", opinion="agree", object_refs=[REF]),
    sdo("report", name="Weekly", published=NOW, object_refs=[REF]),
    sdo("threat-actor", name="Zebra"),
    sdo("tool", name="nmap"),
    sdo("vulnerability", name="CVE-2026-0001"),
    sdo("relationship", relationship_type="uses", source_ref=REF, target_ref=REF),
    sdo("sighting", sighting_of_ref=REF),
    sco("ipv4-addr", value="198.51.100.1"),
    sco("domain-name", value="example.com"),
    sco("file", name="a.exe"),
    sco("network-traffic", protocols=["tcp"]),
    sco("ipv6-addr", value="2001:db8::1", spec_version="2.1"),
    sdo("x-asean-custom", anything=1),
    sco("x-asean-observable", value="ok"),
    *stix.tlp_marking_definitions(),
]


@pytest.mark.parametrize("obj", VALID, ids=lambda obj: obj["type"])
def test_valid_objects_are_accepted(obj: dict[str, Any]) -> None:
    assert stix.check_object(obj) is None


def _with(obj: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = {**obj, **changes}
    return {key: value for key, value in changed.items() if value is not None}


INDICATOR = sdo(
    "indicator", pattern="[url:value = 'http://x/']", pattern_type="stix", valid_from=NOW
)
INVALID = [
    ("not an object", [INDICATOR], "JSON object"),
    (
        "unknown type",
        _with(INDICATOR, type="bogus", id=f"bogus--{uuid.uuid4()}"),
        "not a STIX 2.1 type",
    ),
    ("id of another type", _with(INDICATOR, id=f"malware--{uuid.uuid4()}"), "indicator--"),
    ("id not a uuid", _with(INDICATOR, id="indicator--1234"), "type--UUID"),
    ("spec 2.0", _with(INDICATOR, spec_version="2.0"), "spec_version"),
    ("no spec", _with(INDICATOR, spec_version=None), "spec_version"),
    ("local time", _with(INDICATOR, created="2026-01-01T08:00:00.000+08:00"), "created"),
    ("seconds only", _with(INDICATOR, modified="2026-01-01T00:00:00Z"), "millisecond"),
    ("impossible date", _with(INDICATOR, created="2026-02-30T00:00:00.000Z"), "real date"),
    ("line break", _with(INDICATOR, created="2026-01-01T00:00:00.000Z\n"), "RFC 3339"),
    (
        "fullwidth digits",
        _with(INDICATOR, created="\uff12\uff10\uff12\uff16-01-01T00:00:00.000Z"),
        "RFC 3339",
    ),
    ("modified first", _with(INDICATOR, modified="2025-01-01T00:00:00.000Z"), "earlier"),
    ("no pattern", _with(INDICATOR, pattern=None), "pattern"),
    ("bad pattern", _with(INDICATOR, pattern="[url:value = 'x'"), "not a valid STIX pattern"),
    ("bad hash", _with(INDICATOR, pattern="[file:hashes.MD5 = 'zz']"), "MD5"),
    ("wrong ref", _with(INDICATOR, created_by_ref=f"malware--{uuid.uuid4()}"), "identity--"),
    ("marking ref", _with(INDICATOR, object_marking_refs=["TLP:RED"]), "object_marking_refs"),
    ("relationship", sdo("relationship", source_ref=REF, target_ref=REF), "relationship_type"),
    ("report refs", sdo("report", name="r", published=NOW, object_refs=[]), "object_refs"),
    ("location", sdo("location", name="somewhere"), "region"),
    ("family name", sdo("malware", is_family=True), "name"),
    ("sco value", sco("ipv4-addr"), "value"),
]


@pytest.mark.parametrize(("case", "obj", "reason"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_objects_name_the_problem(case: str, obj: Any, reason: str) -> None:
    problem = stix.check_object(obj)
    assert problem is not None, case
    assert reason in problem, (case, problem)


def test_labels_strictest_marking_wins_and_tlp1_maps() -> None:
    green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
    red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
    tlp1_white = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
    obj = _with(
        INDICATOR,
        object_marking_refs=[green],
        granular_markings=[{"marking_ref": red, "selectors": ["name"]}],
    )
    assert stix.label_of(obj) is Tlp.RED
    old = _with(INDICATOR, object_marking_refs=[tlp1_white])
    assert stix.label_of(old) is Tlp.CLEAR
    assert stix.map_tlp1(old)
    assert old["object_marking_refs"] == [
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
    ]
    assert stix.label_of(INDICATOR) is None


def test_timestamps_round_trip_to_the_microsecond() -> None:
    moment = stix.parse_timestamp("2026-01-02T03:04:05.123456789Z", "t")
    assert stix.format_timestamp(moment) == "2026-01-02T03:04:05.123456Z"


def test_the_tlp_marking_definitions_we_serve_are_valid_stix() -> None:
    for definition in stix.tlp_marking_definitions():
        result = validate_instance(definition, ValidationOptions(version="2.1"))
        assert result.is_valid, (definition["name"], result.errors)
