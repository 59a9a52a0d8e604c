"""Hostile STIX input answers per object or with a 400 naming the problem, never a 500."""

import uuid
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.sharing import stix
from aseancyber.sharing.envelope_stream import EnvelopeError, iter_objects
from aseancyber.sharing.models import Collection, StixObject
from tests.readers import ClientsFor, TokenFor, World
from tests.sharing.conftest import make_collection

TAXII_TYPE = "application/taxii+json;version=2.1"
DEEP = 100_000


def indicator(pattern: str = "[ipv4-addr:value = '198.51.100.1']", **extra: Any) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": "Bad host",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        **extra,
    }


def object_text(obj: dict[str, Any], raw_property: str = "") -> bytes:
    """An object's JSON with ``raw_property`` (JSON text, e.g. ``"x_n": NaN``) spliced in."""
    text = orjson.dumps(obj)
    return text[:-1] + b"," + raw_property.encode() + b"}" if raw_property else text


def envelope(*objects: bytes) -> bytes:
    return b'{"objects":[' + b",".join(objects) + b"]}"


MANY_ORS = (
    "[" + " OR ".join(f"ipv4-addr:value = '10.0.{i // 250}.{i % 250}'" for i in range(1000)) + "]"
)
NESTED_PARENTHESES = "[" + "(" * 400 + "ipv4-addr:value = '10.0.0.1'" + ")" * 400 + "]"
NESTED_OBSERVATIONS = "(" * 400 + "[ipv4-addr:value = '10.0.0.1']" + ")" * 400

POISONED: list[tuple[str, bytes, str]] = [
    ("1000 ORs", object_text(indicator(MANY_ORS)), "pattern"),
    ("400 nested parentheses", object_text(indicator(NESTED_PARENTHESES)), "pattern"),
    ("400 nested observations", object_text(indicator(NESTED_OBSERVATIONS)), "pattern"),
    ("integer past 64 bits", object_text(indicator(), f'"x_count": {2**70}'), "integer"),
    ("negative integer past 64 bits", object_text(indicator(), f'"x_count": -{2**64}'), "integer"),
    ("integer of 5000 digits", object_text(indicator(), '"x_count": ' + "9" * 5000), "integer"),
    ("NaN", object_text(indicator(), '"x_score": NaN'), "number"),
    ("Infinity", object_text(indicator(), '"x_score": -Infinity'), "number"),
    ("1e999", object_text(indicator(), '"x_score": 1e999'), "number"),
    (
        "nested 100,000 levels",
        object_text(indicator(), '"x_t": ' + "[" * DEEP + "]" * DEEP),
        "nest",
    ),
    ("lone surrogate", object_text(indicator(), '"x_text": "\\ud800"'), "Unicode"),
    ("nested 300 levels", object_text(indicator(), '"x_tree": ' + "[" * 300 + "]" * 300), "nest"),
]


@pytest.fixture
def own_collection(db: Session, world: World) -> Collection:
    collection = make_collection(db, world, public_read=False)
    db.commit()
    return collection


@pytest.mark.parametrize(("raw", "words"), [p[1:] for p in POISONED], ids=[p[0] for p in POISONED])
def test_taxii_post_refuses_the_poisoned_object_and_stores_its_neighbours(  # noqa: PLR0917 - fixtures
    db: Session,
    client: TestClient,
    token_for: TokenFor,
    world: World,
    own_collection: Collection,
    raw: bytes,
    words: str,
) -> None:
    good = indicator()
    body = envelope(object_text(good), raw)
    answer = client.post(
        f"/taxii2/api/collections/{own_collection.id}/objects/",
        headers=token_for(world.author) | {"Content-Type": TAXII_TYPE, "Accept": TAXII_TYPE},
        content=body,
    )
    assert answer.status_code == 202, answer.text
    status = answer.json()
    assert (status["success_count"], status["failure_count"]) == (1, 1), status
    assert words in status["failures"][0]["message"]
    stored = set(
        db.scalars(select(StixObject.stix_id).where(StixObject.collection_id == own_collection.id))
    )
    assert good["id"] in stored
    assert status["failures"][0]["id"] not in stored


@pytest.mark.parametrize(("raw", "words"), [p[1:] for p in POISONED], ids=[p[0] for p in POISONED])
def test_rest_bundle_upload_refuses_the_poisoned_object(
    clients_for: ClientsFor, world: World, own_collection: Collection, raw: bytes, words: str
) -> None:
    rest, _ = clients_for(world.author)
    answer = rest.post(
        f"/api/v1/sharing/collections/{own_collection.id}/bundles",
        content=envelope(object_text(indicator()), raw),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert (report["accepted"], report["rejected"]) == (1, 1)
    assert words in report["failures"][0]["message"]


def test_rest_json_bodies_nested_too_deep_or_with_huge_integers_are_a_named_400(
    clients_for: ClientsFor, world: World
) -> None:
    rest, _ = clients_for(world.author)
    for body, words in (
        ("[" * DEEP + "]" * DEEP, "nests"),
        ('{"value": ' + "9" * 5000 + "}", "digits"),
    ):
        shared = rest.post(
            "/api/v1/sharing/indicators",
            content=body.encode(),
            headers={"Content-Type": "application/json"},
        )
        assert shared.status_code == 400, shared.text
        assert shared.headers["content-type"] == "application/problem+json"
        assert words in shared.json()["detail"]


@pytest.mark.parametrize(
    "value",
    ["yesterday", "2026-01-01", "2026-13-01T00:00:00Z", "2026-01-01T00:00:00+07:00", "x" * 300],
)
def test_taxii_filters_that_are_not_rfc3339_answer_a_taxii_400(
    client: TestClient, token_for: TokenFor, world: World, own_collection: Collection, value: str
) -> None:
    headers = token_for(world.author) | {"Accept": TAXII_TYPE}
    base = f"/taxii2/api/collections/{own_collection.id}"
    for path, params in (
        ("/objects/", {"added_after": value}),
        ("/manifest/", {"added_after": value}),
        ("/objects/", {"match[version]": value}),
        (f"/objects/indicator--{uuid.uuid4()}/versions/", {"added_after": value}),
    ):
        answer = client.get(base + path, headers=headers, params=params)
        assert answer.status_code == 400, (path, answer.text)
        assert answer.headers["content-type"] == TAXII_TYPE
        body = answer.json()
        assert body["http_status"] == "400"
        assert body["title"]
        assert "added_after" in body["description"] or "match[version]" in body["description"]


NUMBERS = st.sampled_from(
    ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "9" * 5000, str(2**64), "1.5", "-0", "7"]
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(depth=st.integers(min_value=0, max_value=3000), number=NUMBERS, chunk=st.integers(1, 4096))
def test_any_nesting_or_number_is_a_problem_of_that_object_alone(
    depth: int, number: str, chunk: int
) -> None:
    poisoned = object_text(indicator(), f'"x_v": {"[" * depth}{number}{"]" * depth}')
    raw = envelope(object_text(indicator()), poisoned, object_text(indicator()))
    pieces = [raw[i : i + chunk] for i in range(0, len(raw), chunk)]
    problems = [stix.check_object(obj) for obj in iter_objects(pieces)]
    fine = depth < stix.MAX_NESTING and number in {"1.5", "-0", "7"}
    assert problems[0] is None
    assert problems[2] is None
    assert problems[1] is None if fine else problems[1] is not None


def test_pattern_limits_refuse_before_the_grammar_and_count_no_string_contents() -> None:
    quoted = "[file:name = '" + " OR " * 600 + "((((" * 50 + "']"
    assert stix.check_object(indicator(quoted)) is None
    too_long = "[file:name = '" + "x" * stix.MAX_PATTERN_LENGTH + "']"
    assert "too long" in (stix.check_object(indicator(too_long)) or "")
    assert "too complex" in (stix.check_object(indicator(MANY_ORS)) or "")
    assert "nested" in (stix.check_object(indicator(NESTED_PARENTHESES)) or "")


def test_a_too_deep_value_cut_off_by_the_end_of_the_body_is_an_envelope_error() -> None:
    raw = b'{"objects": [{"id": "x", "t": ' + b"[" * DEEP
    for size in (1000, len(raw)):
        with pytest.raises(EnvelopeError, match="ends inside a value"):
            list(iter_objects([raw[i : i + size] for i in range(0, len(raw), size)]))
