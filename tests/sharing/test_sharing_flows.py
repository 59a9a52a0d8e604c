"""People and scripts sharing: the indicator form, bundle upload, sightings, export, grants."""

import uuid

import orjson
from sqlalchemy.orm import Session
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import Collection as TaxiiCollection

from aseancyber.access.models import Role
from aseancyber.access.policy import Tlp
from aseancyber.sharing import service
from aseancyber.sharing.models import Collection, CollectionKind
from tests.factories import actor
from tests.readers import BrowserFor, ClientsFor, World, make_user
from tests.sharing.conftest import TAXII, TaxiiConnection, make_collection


def _regional(db: Session, world: World) -> Collection:
    coordinator = actor(world.coordinator)
    return service.create_collection(
        db,
        actor=coordinator,
        title="ASEAN regional",
        kind=CollectionKind.REGIONAL,
        default_tlp=Tlp.GREEN,
    )


def test_shared_from_the_page_and_pulled_by_another_state_over_taxii(
    db: Session, world: World, browser_for: BrowserFor, taxii_conn: TaxiiConnection
) -> None:
    regional = _regional(db, world)
    db.commit()
    browser = browser_for(world.author)
    answer = browser.client.post(
        "/sharing/share",
        data={
            "csrf_token": browser.csrf,
            "collection_id": regional.id,
            "observable_type": "domain-name",
            "share_anyway": "true",  # a documentation domain
            "value": "evil.example.com",
            "tlp": "TLP:GREEN",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    page = browser.client.get(answer.headers["location"])
    assert "[domain-name:value = &#39;evil.example.com&#39;]" in page.text
    pulled = TaxiiCollection(
        f"{TAXII}api/collections/{regional.id}/", conn=taxii_conn(world.other_state)
    ).get_objects(type="indicator")
    assert [o["pattern"] for o in pulled["objects"]] == ["[domain-name:value = 'evil.example.com']"]
    # The vendor is not in the TLP:GREEN community and has no grant on the regional collection.
    vendor = TaxiiCollection(
        f"{TAXII}api/collections/{regional.id}/", conn=taxii_conn(world.external)
    )
    assert (
        vendor._conn.session.get(
            vendor.url, headers={"Accept": "application/taxii+json;version=2.1"}
        ).status_code
        == 404
    )


def test_amber_strict_stays_inside_its_organisation(
    db: Session, world: World, clients_for: ClientsFor, taxii_conn: TaxiiConnection
) -> None:
    regional = _regional(db, world)
    db.commit()
    rest, _ = clients_for(world.author)
    created = rest.post(
        "/api/v1/sharing/indicators",
        json={
            "collection_id": regional.id,
            "observable_type": "ipv4-addr",
            "share_anyway": True,  # documentation values: on a warninglist
            "value": "203.0.113.9",
            "name": "strict zebra",
            "tlp": "TLP:AMBER+STRICT",
        },
    )
    assert created.status_code == 201, created.text
    record = created.json()
    colleague_rest, _ = clients_for(world.colleague)
    assert colleague_rest.get(f"/api/v1/sharing/objects/{record['id']}").status_code == 200
    for user in (world.other_state, world.coordinator, world.recipient, world.external):
        other_rest, other_page = clients_for(user)
        for url in (
            f"/api/v1/sharing/objects/{record['id']}",
            f"/api/v1/sharing/objects/{record['stix_id']}",
            f"/sharing/objects/{record['id']}",
        ):
            denied = (other_page if url.startswith("/sharing") else other_rest).get(url)
            assert denied.status_code == 404
            assert "strict zebra" not in denied.text
        listing = other_rest.get("/api/v1/sharing/objects", params={"q": "zebra"}).json()
        assert listing["items"] == []
        bundle = other_rest.get("/api/v1/sharing/objects/export", params={"format": "stix"})
        assert record["stix_id"] not in bundle.text


def test_bundle_upload_reports_accepted_and_rejected(
    db: Session, world: World, clients_for: ClientsFor, browser_for: BrowserFor
) -> None:
    collection = make_collection(db, world, public_read=False)
    db.commit()
    rest, _ = clients_for(world.author)
    good = {
        "type": "malware",
        "spec_version": "2.1",
        "id": f"malware--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": "Zebra loader",
        "is_family": True,
    }
    custom = {
        "type": "x-asean-note",
        "spec_version": "2.1",
        "id": f"x-asean-note--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "text": "ok",
    }
    bad = {
        "type": "relationship",
        "spec_version": "2.1",
        "id": f"relationship--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
    }
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [good, custom, bad]}
    answer = rest.post(f"/api/v1/sharing/collections/{collection.id}/bundles", json=bundle)
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert (report["accepted"], report["rejected"]) == (2, 1)
    assert "relationship_type" in report["failures"][0]["message"]
    browser = browser_for(world.author)
    page = browser.client.post(
        "/sharing/upload",
        data={"csrf_token": browser.csrf, "collection_id": collection.id},
        files={"file": ("bundle.json", orjson.dumps(bundle), "application/json")},
    )
    assert page.status_code == 200
    assert "3 of 3 objects accepted" not in page.text
    assert "relationship_type" in page.text
    assert (
        rest.post(
            f"/api/v1/sharing/collections/{collection.id}/bundles", content=b"{nope"
        ).status_code
        == 422
    )
    exported = rest.get("/api/v1/sharing/objects/export", params={"format": "stix"}).json()
    assert exported["type"] == "bundle"
    assert good["id"] in {o["id"] for o in exported["objects"]}
    for obj in exported["objects"]:
        if not obj["type"].startswith("x-"):
            result = validate_instance(obj, ValidationOptions(version="2.1"))
            assert result.is_valid, (obj, result.errors)


def test_sighting_counts_only_what_the_reader_may_see(
    db: Session, world: World, clients_for: ClientsFor
) -> None:
    regional = _regional(db, world)
    db.commit()
    author, _ = clients_for(world.author)
    shared = author.post(
        "/api/v1/sharing/indicators",
        json={
            "collection_id": regional.id,
            "observable_type": "url",
            "share_anyway": True,  # documentation values: on a warninglist
            "value": "http://bad.example/x",
            "tlp": "TLP:AMBER",
            "audience_organisation_ids": [world.other_state_org.id],
        },
    ).json()
    other, _ = clients_for(world.other_state)
    saw = other.post(f"/api/v1/sharing/objects/{shared['id']}/sightings", json={"count": 3})
    assert saw.status_code == 201, saw.text
    assert author.get(f"/api/v1/sharing/objects/{shared['id']}").json()["sighting_count"] == 1
    assert other.get(f"/api/v1/sharing/objects/{shared['id']}").json()["sighting_count"] == 1
    # A third state's analyst cannot see the AMBER indicator, nor its sightings.
    third_user = make_user(db, world.recipient_user_org, Role.CONTRIBUTOR)
    db.commit()
    third, _ = clients_for(third_user)
    assert third.get(f"/api/v1/sharing/objects/{shared['id']}").status_code == 404
    assert third.get("/api/v1/sharing/objects", params={"type": "sighting"}).json()["items"] == []


def test_sharing_group_grants_read_to_its_members(
    db: Session, world: World, taxii_conn: TaxiiConnection
) -> None:
    coordinator = actor(world.coordinator)
    group = service.create_sharing_group(
        db,
        actor=coordinator,
        name="CERTs + vendor",
        organisation_ids=[world.owner_org.id, world.external_org.id],
    )
    collection = service.create_collection(
        db,
        actor=coordinator,
        title="Group feed",
        kind=CollectionKind.SHARING_GROUP,
        sharing_group_id=group.id,
        default_tlp=Tlp.AMBER,
    )
    db.commit()
    author = TaxiiCollection(
        f"{TAXII}api/collections/{collection.id}/", conn=taxii_conn(world.author)
    )
    status = author.add_objects(
        {
            "objects": [
                {
                    "type": "indicator",
                    "spec_version": "2.1",
                    "id": f"indicator--{uuid.uuid4()}",
                    "created": "2026-01-01T00:00:00.000Z",
                    "modified": "2026-01-01T00:00:00.000Z",
                    "pattern": "[url:value = 'http://x.example/']",
                    "pattern_type": "stix",
                    "valid_from": "2026-01-01T00:00:00Z",
                }
            ]
        }
    )
    assert status.success_count == 1
    vendor = TaxiiCollection(
        f"{TAXII}api/collections/{collection.id}/", conn=taxii_conn(world.external)
    )
    assert len(vendor.get_objects(type="indicator")["objects"]) == 1
    outsider = TaxiiCollection(
        f"{TAXII}api/collections/{collection.id}/", conn=taxii_conn(world.other_state)
    )
    answer = outsider._conn.session.get(
        outsider.url, headers={"Accept": "application/taxii+json;version=2.1"}
    )
    assert answer.status_code == 404


def test_coordinators_make_groups_and_collections_over_rest(
    db: Session, world: World, clients_for: ClientsFor
) -> None:
    coordinator, _ = clients_for(world.coordinator)
    group = coordinator.post(
        "/api/v1/sharing/groups",
        json={"name": "Zebra group", "organisation_ids": [world.external_org.id]},
    )
    assert group.status_code == 201, group.text
    made = coordinator.post(
        "/api/v1/sharing/collections",
        json={
            "title": "Vendor exchange",
            "kind": "own",
            "default_tlp": "TLP:AMBER",
            "grants": [
                {"sharing_group_id": group.json()["id"], "can_read": True, "can_write": True}
            ],
        },
    )
    assert made.status_code == 201, made.text
    vendor, _ = clients_for(world.external)
    listed = vendor.get("/api/v1/sharing/collections").json()
    assert [c["id"] for c in listed] == [made.json()["id"]]
    assert listed[0]["can_write"] is True
    bad = coordinator.post(
        "/api/v1/sharing/collections",
        json={"title": "x", "kind": "own", "grants": [{"organisation_id": "nope"}]},
    )
    assert bad.status_code == 422
    both = coordinator.post(
        "/api/v1/sharing/collections",
        json={"title": "x", "kind": "own", "grants": [{}]},
    )
    assert both.status_code == 422
    author, _ = clients_for(world.author)
    refused = author.post("/api/v1/sharing/groups", json={"name": "mine"})
    assert refused.status_code == 403


def test_pages_render_for_a_signed_in_analyst(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    regional = _regional(db, world)
    db.commit()
    browser = browser_for(world.author)
    for url in ("/sharing/collections", "/sharing/share", "/sharing/upload", "/sharing/objects"):
        page = browser.client.get(url)
        assert page.status_code == 200, url
    assert regional.title in browser.client.get("/sharing/collections").text
    refused = browser.client.post(
        "/sharing/share",
        data={
            "csrf_token": browser.csrf,
            "collection_id": regional.id,
            "observable_type": "url",
            "value": "",
            "tlp": "TLP:GREEN",
        },
    )
    assert refused.status_code == 422
    assert "value" in refused.text
