"""TAXII 2.1 driven by the real taxii2-client, and checked with stix2-validator."""

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

import requests
from aseancyber.access.policy import Tlp
from aseancyber.app import create_app
from aseancyber.audit.models import AuditEntry
from aseancyber.db import set_clock
from aseancyber.settings import Settings
from aseancyber.sharing import stix
from aseancyber.sharing.ingest import purge_expired_statuses
from aseancyber.sharing.models import Collection as CollectionRow
from aseancyber.sharing.models import CollectionGrant
from tests.factories import PASSWORD
from tests.readers import TokenFor, World
from tests.sharing.conftest import TAXII, AppAdapter, TaxiiConnection, make_collection

TAXII_TYPE = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
AMBER_STRICT = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
TLP1_AMBER = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"


def indicator(
    n: int, marking: str | None = GREEN, modified: str = "2026-01-01T00:00:00.000Z"
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, str(n))}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": modified,
        "name": f"Bad host {n}",
        "pattern": f"[ipv4-addr:value = '198.51.100.{n % 250}']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    if marking:
        obj["object_marking_refs"] = [marking]
    return obj


def _collection(conn: Any, collection: CollectionRow) -> Collection:
    return Collection(f"{TAXII}api/collections/{collection.id}/", conn=conn)


@pytest.fixture
def ticking_clock() -> None:
    moments = iter(datetime(2026, 3, 1, tzinfo=UTC) + timedelta(seconds=i) for i in range(10**6))
    set_clock(lambda: next(moments))


def test_discovery_api_root_and_collections(
    db: Session, world: World, collection: CollectionRow, taxii_conn: TaxiiConnection
) -> None:
    db.commit()
    conn = taxii_conn(world.author)
    server = Server(TAXII, conn=conn)
    assert server.default is not None
    assert [root.url for root in server.api_roots] == [f"{TAXII}api/"]
    root = ApiRoot(f"{TAXII}api/", conn=conn)
    assert root.max_content_length > 0
    ids = [c.id for c in root.collections]
    assert collection.id in ids
    assert ids == sorted(ids)
    assert _collection(conn, collection).can_write
    # Another state's analyst has no grant: the collection does not exist for them.
    other = ApiRoot(f"{TAXII}api/", conn=taxii_conn(world.other_state))
    assert collection.id not in [c.id for c in other.collections]


def test_post_then_pull_every_page_with_filters(
    db: Session,
    world: World,
    collection: CollectionRow,
    taxii_conn: TaxiiConnection,
    ticking_clock: None,
) -> None:
    db.commit()
    taxii = _collection(taxii_conn(world.author), collection)
    objects = [indicator(n) for n in range(1, 26)]
    status = taxii.add_objects({"objects": objects})
    assert status.status == "complete"
    assert status.success_count == 25
    assert status.failure_count == 0
    # Resending is a no-op success, not a duplicate.
    again = taxii.add_objects({"objects": objects[:3]})
    assert again.success_count == 3
    pulled: list[dict[str, Any]] = []
    for envelope in as_pages(taxii.get_objects, per_request=7, type="indicator"):
        pulled.extend(envelope.get("objects", []))
    assert [o["id"] for o in pulled] == [o["id"] for o in objects]
    manifest = [
        m
        for page in as_pages(taxii.get_manifest, per_request=4, type="indicator")
        for m in page.get("objects", [])
    ]
    assert len(manifest) == 25
    added = [m["date_added"] for m in manifest]
    assert added == sorted(added)
    assert len(set(added)) == 25
    later = taxii.get_objects(added_after=added[9], type="indicator")
    assert len(later["objects"]) == 15
    some = taxii.get_objects(id=f"{objects[0]['id']},{objects[4]['id']}")
    assert {o["id"] for o in some["objects"]} == {objects[0]["id"], objects[4]["id"]}
    for obj in pulled:
        result = validate_instance(obj, ValidationOptions(version="2.1"))
        assert result.is_valid, result.errors


def test_versions_first_last_all_and_delete(
    db: Session,
    world: World,
    collection: CollectionRow,
    taxii_conn: TaxiiConnection,
    ticking_clock: None,
) -> None:
    db.commit()
    taxii = _collection(taxii_conn(world.author), collection)
    first = indicator(1)
    second = indicator(1, modified="2026-02-01T00:00:00.000Z")
    taxii.add_objects({"objects": [first, second]})
    versions = taxii.object_versions(first["id"])
    assert versions["versions"] == ["2026-01-01T00:00:00.000000Z", "2026-02-01T00:00:00.000000Z"]
    last = taxii.get_object(first["id"])
    assert [o["modified"] for o in last["objects"]] == ["2026-02-01T00:00:00.000Z"]
    oldest = taxii.get_object(first["id"], version="first")
    assert [o["modified"] for o in oldest["objects"]] == ["2026-01-01T00:00:00.000Z"]
    both = taxii.get_object(first["id"], version="all")
    assert len(both["objects"]) == 2
    taxii.delete_object(first["id"])
    with pytest.raises(requests.HTTPError):
        taxii.get_object(first["id"])


def test_only_writers_delete_and_only_their_own_organisations_objects(
    db: Session, world: World, taxii_conn: TaxiiConnection
) -> None:
    collection = make_collection(db, world, public_read=True)
    db.commit()
    mine = _collection(taxii_conn(world.author), collection)
    mine.add_objects({"objects": [indicator(1)]})
    theirs = _collection(taxii_conn(world.other_state), collection)
    assert theirs.get_object(indicator(1)["id"])["objects"]  # they may read it (GREEN)
    # Sent as is: taxii2-client itself refuses to DELETE where the collection says it can't.
    session = taxii_conn(world.other_state).session
    url = f"{TAXII}api/collections/{collection.id}/objects/{indicator(1)['id']}/"
    reader_only = session.delete(url, headers={"Accept": TAXII_TYPE})
    assert reader_only.status_code == 403
    db.add(
        CollectionGrant(
            collection_id=collection.id, organisation_id=world.other_state_org.id, can_write=True
        )
    )
    db.commit()
    not_theirs = session.delete(url, headers={"Accept": TAXII_TYPE})
    assert not_theirs.status_code == 403
    assert "own organisation" in not_theirs.json()["description"]
    assert mine.get_object(indicator(1)["id"])["objects"]
    mine.delete_object(indicator(1)["id"])
    with pytest.raises(requests.HTTPError):
        mine.get_object(indicator(1)["id"])


def test_status_reports_each_failure_with_a_reason_and_keeps_the_valid_objects(
    db: Session, world: World, collection: CollectionRow, taxii_conn: TaxiiConnection
) -> None:
    db.commit()
    taxii = _collection(taxii_conn(world.author), collection)
    bad_pattern = indicator(2)
    bad_pattern["pattern"] = "[ipv4-addr:value = '1.2.3.4'"
    wrong_id = indicator(3)
    wrong_id["id"] = f"malware--{uuid.uuid4()}"
    unknown_marking = indicator(4, marking=f"marking-definition--{uuid.uuid4()}")
    hostile = indicator(5)
    hostile["name"] = "nul \x00 here"
    status = taxii.add_objects(
        {"objects": [indicator(1), bad_pattern, wrong_id, unknown_marking, hostile, "junk", {}]}
    )
    assert status.success_count == 1
    assert status.failure_count == 6
    reasons = " | ".join(f["message"] for f in status.failures)
    assert "pattern" in reasons
    assert "must start with 'indicator--'" in reasons
    assert "unknown marking definition" in reasons
    assert "NUL" in reasons
    assert taxii.get_object(indicator(1)["id"])["objects"]


def test_markings_label_objects_tlp1_is_mapped_and_unmarked_get_the_default(
    db: Session, world: World, collection: CollectionRow, taxii_conn: TaxiiConnection
) -> None:
    db.commit()
    taxii = _collection(taxii_conn(world.author), collection)
    old = indicator(1, marking=TLP1_AMBER)
    unmarked = indicator(2, marking=None)
    granular = indicator(3)
    granular["granular_markings"] = [{"marking_ref": RED, "selectors": ["description"]}]
    granular["description"] = "x"
    taxii.add_objects({"objects": [old, unmarked, granular]})
    labels = {
        o["id"]: o["object_marking_refs"] for o in taxii.get_objects(type="indicator")["objects"]
    }
    assert labels[old["id"]] == [stix.MARKING_FOR_LABEL[Tlp.AMBER]]
    assert labels[unmarked["id"]] == [stix.MARKING_FOR_LABEL[collection.default_tlp]]
    # The strictest marking wins: the author sees it, the colleague does not (RED).
    assert granular["id"] in labels
    colleague = _collection(taxii_conn(world.colleague), collection)
    seen = {o["id"] for o in colleague.get_objects(type="indicator")["objects"]}
    assert seen == {old["id"], unmarked["id"]}
    tlp_ids = {o["id"] for o in colleague.get_objects(type="marking-definition")["objects"]}
    assert set(stix.TLP2_MARKINGS) <= tlp_ids


def test_hidden_objects_never_show_in_manifest_versions_headers_or_errors(
    db: Session, world: World, taxii_conn: TaxiiConnection, ticking_clock: None
) -> None:
    shared = make_collection(db, world, public_read=True)
    db.commit()
    author = _collection(taxii_conn(world.author), shared)
    green, strict, red = indicator(1), indicator(2, AMBER_STRICT), indicator(3, RED)
    newer_red = indicator(1, RED, modified="2026-05-01T00:00:00.000Z")
    author.add_objects({"objects": [green, strict, red, newer_red]})
    other = _collection(taxii_conn(world.other_state), shared)
    everything = other.get_objects(version="all", type="indicator")
    assert {o["id"] for o in everything["objects"]} == {green["id"]}
    # The newer RED version is invisible: "last" is the newest version the reader may see.
    assert [o["modified"] for o in other.get_object(green["id"])["objects"]] == [green["modified"]]
    assert other.object_versions(green["id"])["versions"] == ["2026-01-01T00:00:00.000000Z"]
    manifest = other.get_manifest(type="indicator")
    assert [m["id"] for m in manifest["objects"]] == [green["id"]]
    raw = other._conn.session.get(  # headers: only dates of what the reader sees
        f"{other.url}objects/",
        params={"match[type]": "indicator", "match[version]": "all"},
        headers={"Accept": TAXII_TYPE},
    )
    assert raw.headers["X-TAXII-Date-Added-First"] == raw.headers["X-TAXII-Date-Added-Last"]
    for hidden in (strict, red):
        for url in (f"objects/{hidden['id']}/", f"objects/{hidden['id']}/versions/"):
            answer = other._conn.session.get(other.url + url, headers={"Accept": TAXII_TYPE})
            assert answer.status_code == 404
            assert hidden["name"] not in answer.text
    assert other.get_manifest(id=strict["id"]) == {}


def test_media_types_auth_and_errors_are_taxii(
    client: TestClient, db: Session, world: World, collection: CollectionRow, token_for: TokenFor
) -> None:
    headers = token_for(world.author) | {"Accept": TAXII_TYPE}
    assert client.get("/taxii2/").status_code == 401
    assert client.get("/taxii2/", headers={"Accept": TAXII_TYPE}).json()["http_status"] == "401"
    assert client.get("/taxii2/", headers=headers | {"Accept": "text/html"}).status_code == 406
    url = f"/taxii2/api/collections/{collection.id}/objects/"
    posted = client.post(url, headers=headers | {"Content-Type": "application/json"}, content=b"{}")
    assert posted.status_code == 415
    assert posted.headers["content-type"] == TAXII_TYPE
    bad = client.post(url, headers=headers | {"Content-Type": TAXII_TYPE}, content=b"{nope")
    assert bad.status_code == 400
    assert "JSON" in bad.json()["description"]
    cursor = client.get(url, headers=headers, params={"next": "garbage"})
    assert cursor.status_code == 400
    assert cursor.json()["title"]
    missing = client.get("/taxii2/api/collections/nope/", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["http_status"] == "404"
    big = client.post(
        url,
        headers=headers | {"Content-Type": TAXII_TYPE, "Content-Length": str(10**9)},
        content=b"{}",
    )
    assert big.status_code == 413
    assert big.json()["http_status"] == "413"


def test_next_survives_a_restart_and_a_writer_between_pages(  # noqa: PLR0917 - fixtures
    settings: Settings,
    session_factory: sessionmaker[Session],
    db: Session,
    world: World,
    collection: CollectionRow,
    taxii_conn: TaxiiConnection,
    ticking_clock: None,
) -> None:
    db.commit()
    writer = _collection(taxii_conn(world.author), collection)
    writer.add_objects({"objects": [indicator(n) for n in range(1, 11)]})
    first = writer.get_objects(type="indicator", limit=4)
    assert first["more"] is True
    # Another writer adds objects; a new server process (no shared state) continues the paging.
    writer.add_objects({"objects": [indicator(n) for n in range(11, 14)]})
    fresh = TestClient(create_app(settings=settings, session_factory=session_factory))
    conn = taxii_conn(world.author)
    conn.session.mount("http://testserver", AppAdapter(fresh))
    rest: list[str] = [o["id"] for o in first["objects"]]
    token = first["next"]
    while token:
        page = _collection(conn, collection).get_objects(type="indicator", limit=4, next=token)
        rest += [o["id"] for o in page["objects"]]
        token = page.get("next")
    assert rest == [indicator(n)["id"] for n in range(1, 14)]


def test_status_of_a_many_batch_envelope_lists_every_outcome_in_envelope_order(
    db: Session, world: World, collection: CollectionRow, taxii_conn: TaxiiConnection
) -> None:
    db.commit()
    objects: list[Any] = [indicator(n) for n in range(2_600)]
    for n in (0, 999, 1_000, 2_599):  # failures at both ends of a batch and of the envelope
        objects[n] = {**objects[n], "pattern": "[ipv4-addr:value = "}
    objects.append(indicator(5))  # the same id + version again: a no-op success
    status = _collection(taxii_conn(world.author), collection).add_objects({"objects": objects})
    failed = [objects[n]["id"] for n in (0, 999, 1_000, 2_599)]
    succeeded = [o["id"] for o in objects if o["id"] not in failed]
    root = ApiRoot(f"{TAXII}api/", conn=taxii_conn(world.author))
    for seen in (status, root.get_status(status.id)):
        assert (seen.total_count, seen.success_count, seen.failure_count) == (2_601, 2_597, 4)
        assert [s["id"] for s in seen.successes] == succeeded
        assert {s["version"] for s in seen.successes} == {"2026-01-01T00:00:00.000Z"}
        assert [f["id"] for f in seen.failures] == failed
        assert all("pattern" in f["message"] for f in seen.failures)


def test_status_is_kept_a_day_and_only_for_the_poster(
    db: Session, world: World, collection: CollectionRow, taxii_conn: TaxiiConnection
) -> None:
    db.commit()
    start = datetime(2026, 3, 1, tzinfo=UTC)
    set_clock(lambda: start)
    status = _collection(taxii_conn(world.author), collection).add_objects(
        {"objects": [indicator(1)]}
    )
    set_clock(lambda: start + timedelta(hours=25))
    root = ApiRoot(f"{TAXII}api/", conn=taxii_conn(world.author))
    assert root.get_status(status.id).success_count == 1
    # Not even a colleague: a status lists what one person sent, failures included.
    for reader in (world.colleague, world.org_admin, world.other_state):
        other = ApiRoot(f"{TAXII}api/", conn=taxii_conn(reader))
        with pytest.raises(requests.HTTPError, match="404"):
            other.get_status(status.id)
    set_clock(lambda: start + timedelta(days=3))
    purge_expired_statuses(db, {})
    db.commit()
    with pytest.raises(requests.HTTPError):
        root.get_status(status.id)
    purged = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "taxii_status.purge_expired")
    ).one()
    assert purged.detail is not None
    assert purged.detail["statuses"] == 1


def test_basic_auth_with_a_password_and_refusals(
    client: TestClient, db: Session, world: World
) -> None:
    good = base64.b64encode(f"{world.author.email}:{PASSWORD}".encode()).decode()
    headers = {"Accept": TAXII_TYPE}
    answer = client.get("/taxii2/", headers=headers | {"Authorization": f"Basic {good}"})
    assert answer.status_code == 200
    bad = base64.b64encode(f"{world.author.email}:wrong".encode()).decode()
    refused = client.get("/taxii2/", headers=headers | {"Authorization": f"Basic {bad}"})
    assert refused.status_code == 401
    assert refused.json()["http_status"] == "401"
    garbage = client.get("/taxii2/", headers=headers | {"Authorization": "Basic %%%"})
    assert garbage.status_code == 401
