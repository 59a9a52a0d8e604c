"""Incremental envelope reading, the fast pattern check, and ref columns filled at ingest."""

import json
import uuid
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from stix2patterns.validator import run_validator

from aseancyber.sharing import ingest as ingest_service
from aseancyber.sharing import stix, stix_types
from aseancyber.sharing.envelope_stream import WHOLE_BODY_BYTES, EnvelopeError, iter_objects
from aseancyber.sharing.models import Collection, StixObject
from tests.factories import actor
from tests.readers import TokenFor, World

TAXII_TYPE = "application/taxii+json;version=2.1"
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _chunks(raw: bytes, size: int) -> list[bytes]:
    return [raw[i : i + size] for i in range(0, len(raw), size)]


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    objects=st.lists(JSON_VALUES, max_size=6),
    extra=st.dictionaries(st.sampled_from(["type", "id", "more", "next"]), JSON_VALUES),
    size=st.integers(min_value=1, max_value=64),
    indent=st.booleans(),
)
def test_any_envelope_cut_anywhere_gives_the_same_objects(
    objects: list[Any], extra: dict[str, Any], size: int, indent: bool
) -> None:
    document = {**extra, "objects": objects}
    raw = json.dumps(document, indent=2 if indent else None, ensure_ascii=False).encode()
    expected = json.loads(raw)
    for whole_body_bytes in (0, WHOLE_BODY_BYTES):  # object by object, then decoded whole
        others: dict[str, Any] = {}
        read = iter_objects(_chunks(raw, size), others=others, whole_body_bytes=whole_body_bytes)
        assert list(read) == expected.pop("objects")
        assert others == expected
        expected["objects"] = objects


@pytest.mark.parametrize(
    "raw",
    [
        # Integers past any machine integer, exactly (a double would pass STIX's checks).
        b'{"objects": [{"a": 18446744073709551616, "b": -9223372036854775809}]}',
        # Two objects keys: the members of both; a string saying "objects": read as usual.
        b'{"objects": [{"a": 1}], "more": false, "objects": [{"b": 2}]}',
        b'{"objects": [{"labels": ["objects"]}]}',
        # What the whole-body decoder refuses, the object-by-object reader decodes.
        b'{"objects": [{"a": NaN, "b": 1e400, "c": "\\ud800"}]}',
        b'{"objects": [' + b"[" * 2000 + b"]" * 2000 + b', {"id": "kept"}]}',
    ],
)
def test_a_small_body_decoded_whole_gives_what_the_reader_gives(raw: bytes) -> None:
    def read(whole_body_bytes: int) -> list[Any]:
        return list(iter_objects(_chunks(raw, 7), whole_body_bytes=whole_body_bytes))

    whole = read(WHOLE_BODY_BYTES)
    assert repr(whole) == repr(read(0))  # repr: NaN is not equal to itself
    if b'"more"' in raw:
        assert whole == [{"a": 1}, {"b": 2}]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"[1, 2]", "JSON object"),
        (b'{"objects": {}}', "must be a list"),
        (b'{"objects": [1,]}', "not valid JSON"),
        (b'{"objects": [{"a": 1}', "not valid JSON"),
        (b'{"objects": []} trailing', "after the envelope"),
        (b'{"objects": [], }', "not valid JSON"),
        (b'{"objects": ["\xff"]}', "UTF-8"),
        (b"", "JSON object"),
    ],
)
def test_malformed_envelopes_name_the_problem(raw: bytes, words: str) -> None:
    for size in (1, 3, 1000):
        with pytest.raises(EnvelopeError) as caught:
            list(iter_objects(_chunks(raw, size) or [b""]))
        assert words in caught.value.detail


def test_a_bundle_file_needs_objects_and_one_object_has_a_size_limit() -> None:
    assert list(iter_objects([b'{"type": "bundle"}'])) == []
    with pytest.raises(EnvelopeError, match="objects list"):
        list(iter_objects([b'{"type": "bundle"}'], require_objects=True))
    big = orjson.dumps({"objects": [{"name": "x" * 5000}]})
    with pytest.raises(EnvelopeError, match="larger than"):
        list(iter_objects(_chunks(big, 100), max_object_bytes=1000))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.from_regex(stix_types._SIMPLE_PATTERN, fullmatch=True))
def test_every_pattern_the_fast_path_accepts_the_grammar_accepts(pattern: str) -> None:
    assert run_validator(pattern, stix_version="2.1") == []


@pytest.mark.parametrize(
    "pattern",
    [
        "[ipv4-addr:value = '198.51.100.1']",
        "[domain-name:value != 'example.com']",
        "[file:name = 'a\\\\b.exe']",
        "[url:value = 'http://x/it\\'s']",
        "[ipv4-addr:value = '1.2.3.4'] AND [url:value = 'x']",
        "[file:hashes.'SHA-256' = 'ab']",
        "[ipv4-addr:value = 1]",
        "[ipv4-addr:value = 'x'",
        "[ipv4-addr:value = 'x' ]]",
        "[ipv4-addr:value = 'it's']",
        "[IPV4:value = 'x']",
    ],
)
def test_the_fast_path_and_the_grammar_agree(pattern: str) -> None:
    grammar_ok = run_validator(pattern, stix_version="2.1") == []
    try:
        stix.check_pattern(pattern)
        ours_ok = True
    except stix.StixProblem:
        ours_ok = False
    assert ours_ok == grammar_ok


def test_relationship_and_sighting_refs_are_stored_in_columns(
    db: Session, world: World, collection: Collection
) -> None:
    target = f"malware--{uuid.uuid4()}"
    source = f"indicator--{uuid.uuid4()}"
    stamp = "2026-01-01T00:00:00.000Z"
    common = {"spec_version": "2.1", "created": stamp, "modified": stamp}
    report = ingest_service.ingest(
        db,
        actor=actor(world.author),
        collection=collection,
        objects=[
            {
                **common,
                "type": "relationship",
                "id": f"relationship--{uuid.uuid4()}",
                "relationship_type": "indicates",
                "source_ref": source,
                "target_ref": target,
            },
            {
                **common,
                "type": "sighting",
                "id": f"sighting--{uuid.uuid4()}",
                "sighting_of_ref": source,
            },
        ],
    )
    assert report.failures == 0
    rows = db.execute(
        select(StixObject.type, StixObject.source_ref, StixObject.target_ref)
        .where(StixObject.collection_id == collection.id, StixObject.type != "marking-definition")
        .order_by(StixObject.type)
    ).all()
    assert [tuple(row) for row in rows] == [
        ("relationship", source, target),
        ("sighting", None, None),
    ]
    sighting = db.scalar(select(StixObject).where(StixObject.sighting_of_ref == source))
    assert sighting is not None
    assert sighting.type == "sighting"


def test_an_envelope_broken_part_way_keeps_nothing(
    client: TestClient, db: Session, world: World, collection: Collection, token_for: TokenFor
) -> None:
    db.commit()
    stamp = "2026-01-01T00:00:00.000Z"
    objects = [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--{uuid.uuid4()}",
            "created": stamp,
            "modified": stamp,
            "pattern": f"[url:value = 'http://x/{n}']",
            "pattern_type": "stix",
            "valid_from": stamp,
        }
        for n in range(2500)
    ]
    # 2,500 good objects (two batches are stored before the break) and then it breaks off.
    body = orjson.dumps({"objects": objects})[:-20]
    headers = token_for(world.author) | {"Accept": TAXII_TYPE, "Content-Type": TAXII_TYPE}
    url = f"/taxii2/api/collections/{collection.id}/objects/"
    answer = client.post(url, headers=headers, content=body)
    assert answer.status_code == 400
    assert "not valid JSON" in answer.json()["description"]
    listed = client.get(url, headers=headers, params={"match[type]": "indicator"})
    assert listed.status_code == 200
    assert listed.json() == {}


def test_a_chunked_envelope_over_the_limit_keeps_nothing(
    client: TestClient, db: Session, world: World, collection: Collection, token_for: TokenFor
) -> None:
    db.commit()
    client.app.state.settings = client.app.state.settings.model_copy(  # type: ignore[attr-defined]
        update={"max_body_bytes": 300_000}
    )
    stamp = "2026-01-01T00:00:00.000Z"
    objects = [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--{uuid.uuid4()}",
            "created": stamp,
            "modified": stamp,
            "pattern": f"[url:value = 'http://x/{n}']",
            "pattern_type": "stix",
            "valid_from": stamp,
        }
        for n in range(3000)
    ]
    body = orjson.dumps({"objects": objects})

    def chunked() -> Any:  # no Content-Length: the limit is met while reading
        yield from _chunks(body, 65536)

    headers = token_for(world.author) | {"Accept": TAXII_TYPE, "Content-Type": TAXII_TYPE}
    url = f"/taxii2/api/collections/{collection.id}/objects/"
    answer = client.post(url, headers=headers, content=chunked())
    assert answer.status_code == 413
    listed = client.get(url, headers=headers, params={"match[type]": "indicator"})
    assert listed.json() == {}
