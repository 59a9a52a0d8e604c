"""Matching through the service and REST: the index in step with ingest and deletion,
validity and revocation, visibility for every kind of reader, sightings, bad input."""

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.models import TokenScope
from aseancyber.access.policy import Tlp
from aseancyber.audit.models import AuditEntry
from aseancyber.db import set_clock
from aseancyber.matching import indexer, service
from aseancyber.matching.models import IndexedIndicator, IndexEntry
from aseancyber.sharing.models import Collection, StixObject
from tests import factories
from tests.factories import actor
from tests.matching.conftest import indicator, store
from tests.matrix import EXPECTED, LABELS
from tests.readers import ClientsFor, World
from tests.sharing.conftest import make_collection


def _hits(db: Session, user: object, values: list[str]) -> dict[str, set[str]]:
    report = service.match_values(db, actor=actor(user), values=values)  # type: ignore[arg-type]
    return {r.input: {h.name for h in r.hits} for r in report.results}


def test_new_indicators_are_matched_at_once_and_deleted_ones_never(
    db: Session, session_factory: sessionmaker[Session], world: World
) -> None:
    collection = make_collection(db, world)
    store(
        db,
        author=world.author,
        collection=collection,
        objects=[
            indicator("[ipv4-addr:value = '203.0.113.9']", name="ip"),
            indicator("[domain-name:value = 'Evil.Example']", name="domain"),
        ],
    )
    assert _hits(db, world.author, ["203.0.113.9", "evil.example.", "192.0.2.1"]) == {
        "203.0.113.9": {"ip"},
        "evil.example.": {"domain"},
        "192.0.2.1": set(),
    }
    # Stored after the first match: the next request compiles it itself (no hook in sharing).
    store(
        db,
        author=world.author,
        collection=collection,
        objects=[
            indicator("[ipv4-addr:value ISSUBSET '192.0.2.0/24']", name="net"),
        ],
    )
    assert _hits(db, world.author, ["192.0.2.1"]) == {"192.0.2.1": {"net"}}
    # Requests only read: the index is written by the background job, in short units.
    assert db.scalar(select(func.count()).select_from(IndexedIndicator)) == 0
    assert indexer.refresh(session_factory) == 3
    assert db.scalar(select(func.count()).select_from(IndexedIndicator)) == 3
    assert indexer.refresh(session_factory) == 0
    assert _hits(db, world.author, ["192.0.2.1", "evil.example."]) == {
        "192.0.2.1": {"net"},
        "evil.example.": {"domain"},
    }
    # Deleting stored versions (here with their collection) takes their index rows along.
    db.execute(delete(Collection).where(Collection.id == collection.id))
    assert db.scalar(select(func.count()).select_from(IndexEntry)) == 0
    assert _hits(db, world.author, ["192.0.2.1", "203.0.113.9"]) == {
        "192.0.2.1": set(),
        "203.0.113.9": set(),
    }


def test_the_sweep_indexes_rows_older_than_the_catch_up_window(
    db: Session, session_factory: sessionmaker[Session], world: World
) -> None:
    collection = make_collection(db, world)
    set_clock(lambda: datetime(2026, 1, 1, tzinfo=UTC))
    store(
        db,
        author=world.author,
        collection=collection,
        objects=[indicator("[ipv4-addr:value = '10.9.9.9']")],
    )
    set_clock(lambda: datetime(2026, 3, 1, tzinfo=UTC))
    store(
        db,
        author=world.author,
        collection=collection,
        objects=[indicator("[ipv4-addr:value = '10.9.9.8']")],
    )
    assert indexer.catch_up(db) == 2
    # A row that slipped in far behind the mark (a long transaction committing late):
    late = store(
        db,
        author=world.author,
        collection=collection,
        objects=[indicator("[ipv4-addr:value = '10.9.9.7']")],
    )
    db.execute(
        StixObject.__table__.update()  # type: ignore[attr-defined]
        .where(StixObject.id == late[0])
        .values(date_added=datetime(2025, 1, 1, tzinfo=UTC))
    )
    assert indexer.catch_up(db) == 0
    assert indexer.has_unindexed(db)
    indexer.sweep(session_factory, {})
    assert not indexer.has_unindexed(db)


def test_validity_period_and_revocation_are_judged_at_match_time(db: Session, world: World) -> None:
    collection = make_collection(db, world)
    store(
        db,
        author=world.author,
        collection=collection,
        objects=[
            indicator(
                "[domain-name:value = 'future.example']",
                name="future",
                valid_from="2027-01-01T00:00:00Z",
            ),
            indicator(
                "[domain-name:value = 'expired.example']",
                name="expired",
                valid_until="2026-02-01T00:00:00Z",
            ),
            indicator("[domain-name:value = 'revoked.example']", name="revoked", revoked=True),
        ],
    )
    values = ["future.example", "expired.example", "revoked.example"]
    set_clock(lambda: datetime(2026, 6, 1, tzinfo=UTC))
    assert _hits(db, world.author, values) == {key: set() for key in values}
    set_clock(lambda: datetime(2026, 1, 15, tzinfo=UTC))
    assert _hits(db, world.author, values)["expired.example"] == {"expired"}
    set_clock(lambda: datetime(2027, 6, 1, tzinfo=UTC))
    assert _hits(db, world.author, values)["future.example"] == {"future"}


def test_only_the_latest_version_matches(db: Session, world: World) -> None:
    collection = make_collection(db, world)
    stix_id = "indicator--0f8d7a52-6a7e-4f1e-9d0b-2c1b5e8e6f10"
    store(
        db,
        author=world.author,
        collection=collection,
        objects=[
            indicator("[ipv4-addr:value = '198.51.100.1']", name="v1", stix_id=stix_id),
            indicator(
                "[ipv4-addr:value = '198.51.100.2']",
                name="v2",
                stix_id=stix_id,
                modified="2026-02-01T00:00:00.000Z",
            ),
        ],
    )
    assert _hits(db, world.author, ["198.51.100.1", "198.51.100.2"]) == {
        "198.51.100.1": set(),
        "198.51.100.2": {"v2"},
    }


def test_complex_patterns_take_the_exact_path(db: Session, world: World) -> None:
    collection = make_collection(db, world)
    store(
        db,
        author=world.author,
        collection=collection,
        objects=[
            indicator("[ipv4-addr:value != '10.0.0.1']", name="scan"),
            indicator("[ipv4-addr:value = '10.0.0.2' AND ipv4-addr:value LIKE '10.%']", name="and"),
            indicator("[url:value LIKE 'http://bad.example/%']", name="like"),
            indicator(
                "[ipv4-addr:value = '10.0.0.2'] AND [domain-name:value = 'x.example']", name="two"
            ),
        ],
    )
    hits = _hits(db, world.author, ["10.0.0.1", "10.0.0.2", "http://bad.example/a", "x.example"])
    assert hits == {
        "10.0.0.1": set(),
        "10.0.0.2": {"scan", "and"},
        "http://bad.example/a": {"like"},
        "x.example": set(),
    }


def _label_world(db: Session, world: World) -> dict[str, str]:
    """One indicator per label, each on its own IP; the IP each label is on."""
    collection = make_collection(db, world, public_read=True)
    ips = {}
    for n, (name, (tlp, external)) in enumerate(LABELS.items(), start=1):
        ip = f"203.0.113.{n}"
        store(
            db,
            author=world.author,
            collection=collection,
            objects=[indicator(f"[ipv4-addr:value = '{ip}']", tlp=tlp, name=name)],
            audience=[world.recipient_org.id],
            audience_users=[world.named_user.id],
            green_includes_external=external,
        )
        ips[name] = ip
    return ips


@pytest.mark.parametrize("reader", sorted(set(EXPECTED) - {"anonymous"}))
def test_matches_are_what_the_reader_may_see(db: Session, world: World, reader: str) -> None:
    ips = _label_world(db, world)
    hits = _hits(db, getattr(world, reader), list(ips.values()))
    seen = {name for name, ip in ips.items() if hits[ip]}
    assert seen == EXPECTED[reader]


def test_red_of_another_organisation_never_matches_nor_leaks(
    db: Session, world: World, clients_for: ClientsFor
) -> None:
    collection = make_collection(db, world, public_read=True)
    store(
        db,
        author=world.author,
        collection=collection,
        audience=[world.recipient_org.id],
        objects=[
            indicator("[domain-name:value = 'red.example']", tlp=Tlp.RED, name="red secret"),
        ],
    )
    db.commit()
    rest, _ = clients_for(world.other_state)
    answer = rest.post(
        "/api/v1/matching",
        json={"observables": ["red.example", "nothing.example"], "record_sightings": True},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["matched"] == 0
    assert body["sightings"] == []
    assert "red secret" not in answer.text
    # The hidden answer and a never-stored value look the same.
    assert body["results"][0]["matches"] == body["results"][1]["matches"] == []
    recipient, _ = clients_for(world.recipient)
    seen = recipient.post("/api/v1/matching", json={"observables": ["red.example"]}).json()
    assert [m["name"] for m in seen["results"][0]["matches"]] == ["red secret"]
    assert seen["results"][0]["matches"][0]["tlp"] == "TLP:RED"


def test_rest_answers_with_label_owner_and_period_and_records_sightings(
    db: Session, world: World, clients_for: ClientsFor
) -> None:
    collection = make_collection(db, world)
    store(
        db,
        author=world.author,
        collection=collection,
        objects=[
            indicator(
                "[file:hashes.'SHA-256' = '" + "ab" * 32 + "']",
                name="dropper",
                valid_until="2099-01-01T00:00:00Z",
            ),
        ],
    )
    db.commit()
    rest, _ = clients_for(world.colleague)
    answer = rest.post("/api/v1/matching", json={"observables": ["AB" * 32, "ab" * 32, "hello"]})
    body = answer.json()
    assert (body["submitted"], body["recognised"], body["matched"]) == (3, 2, 2)
    db.expire_all()
    run = db.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "matching.run")
        .order_by(AuditEntry.seq.desc())
    )
    assert run is not None
    assert run.changed_fields == ["matched=2", "observables=3"]
    first = body["results"][0]
    assert first["type"] == "sha256"
    assert first["value"] == "ab" * 32
    match = first["matches"][0]
    assert match["owner_name"] == world.owner_org.name
    assert match["tlp"] == "TLP:GREEN"
    assert match["valid_from"].startswith("2020-01-01")
    assert match["valid_until"].startswith("2099-01-01")
    assert body["results"][2] == {"input": "hello", "type": None, "value": None, "matches": []}
    # The colleague is a viewer: the sighting is refused, with the reason.
    refused = rest.post(
        "/api/v1/matching", json={"observables": ["ab" * 32], "record_sightings": True}
    ).json()["sightings"]
    assert refused[0]["sighting_id"] is None
    assert "contributor" in refused[0]["problem"]
    author, _ = clients_for(world.author)
    recorded = author.post(
        "/api/v1/matching", json={"observables": ["ab" * 32, "AB" * 32], "record_sightings": True}
    ).json()["sightings"]
    assert recorded[0]["count"] == 2
    assert recorded[0]["sighting_id"].startswith("sighting--")
    db.expire_all()
    sighting = db.scalar(select(StixObject).where(StixObject.stix_id == recorded[0]["sighting_id"]))
    assert sighting is not None
    assert sighting.owner_organisation_id == world.owner_org.id
    assert match["stix_id"] in sighting.body
    assert '"count":2' in sighting.body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "observables"),
        ({"observables": []}, "observables"),
        ({"observables": "10.0.0.1"}, "observables"),
        ({"observables": [1]}, "observables"),
        ({"observables": ["x" * 3000]}, "observables"),
        ({"observables": ["a\u0000b"]}, "observables"),
        ({"observables": ["10.0.0.1"] * (service.MAX_BATCH + 1)}, "observables"),
        ({"observables": ["10.0.0.1"], "extra": True}, "extra"),
        ({"observables": ["10.0.0.1"], "record_sightings": "perhaps"}, "record_sightings"),
    ],
)
def test_bad_input_is_a_clear_422(
    world: World, clients_for: ClientsFor, body: object, field: str
) -> None:
    rest, _ = clients_for(world.author)
    answer = rest.post("/api/v1/matching", json=body)
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["detail"]


def test_malformed_json_and_anonymous_callers(
    client: TestClient, world: World, clients_for: ClientsFor
) -> None:
    rest, _ = clients_for(world.author)
    answer = rest.post(
        "/api/v1/matching", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422
    assert client.post("/api/v1/matching", json={"observables": ["10.0.0.1"]}).status_code == 401


def test_a_read_only_token_may_ask_but_not_record_sightings(
    client: TestClient, db: Session, world: World
) -> None:
    headers = factories.bearer(db, world.author, TokenScope.READ)
    asked = client.post("/api/v1/matching", json={"observables": ["10.0.0.1"]}, headers=headers)
    assert asked.status_code == 200, asked.text
    recording = client.post(
        "/api/v1/matching",
        json={"observables": ["10.0.0.1"], "record_sightings": True},
        headers=headers,
    )
    assert recording.status_code == 403
    assert "read-write" in recording.json()["detail"]
    # Only the question routes are open to read-only tokens: a write elsewhere stays refused.
    assert client.post("/api/v1/me/tokens", json={"name": "x"}, headers=headers).status_code == 403
