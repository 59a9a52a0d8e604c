"""Attacks through records derived from a STIX object, and through answers about objects:
a sighting made by a named recipient, a TAXII status resource, a read-only token's
collection. Each reaches no one who may not see what it points at, on every exit path."""

import uuid
from typing import Any

import pytest
from sqlalchemy.orm import Session
from taxii2client.v21 import ApiRoot
from taxii2client.v21 import Collection as TaxiiCollection

import requests
from aseancyber.access.models import Role, TokenScope, User
from aseancyber.access.policy import Tlp
from aseancyber.sharing import service
from aseancyber.sharing.models import (
    Collection,
    CollectionGrant,
    CollectionKind,
    SharingGroup,
    SharingGroupMember,
)
from aseancyber.sharing.schemas import IndicatorShare
from aseancyber.sharing.share_service import share_indicator
from tests.factories import actor, bearer
from tests.readers import ClientsFor, World, make_user
from tests.sharing.conftest import TAXII, AppAdapter, TaxiiConnection, make_collection

TAXII_TYPE = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def _writable_feed(db: Session, world: World) -> Collection:
    """The author's public-read feed, writable by both kinds of named recipient."""
    collection = make_collection(db, world, public_read=True)
    for org in (world.recipient_org, world.recipient_user_org):
        db.add(CollectionGrant(collection_id=collection.id, organisation_id=org.id, can_write=True))
    db.flush()
    return collection


def _share(
    db: Session, world: World, collection: Collection, tlp: Tlp, *, organisations: list[str]
) -> str:
    data = IndicatorShare(
        collection_id=collection.id,
        observable_type="domain-name",
        share_anyway=True,  # documentation domains: on a warninglist
        value=f"{uuid.uuid4().hex}.example.net",
        name="Parent indicator",
        tlp=tlp,
        audience_organisation_ids=organisations,
        audience_user_ids=[world.named_user.id],
    )
    return share_indicator(db, actor=actor(world.author), data=data).id


def _sees(
    clients_for: ClientsFor,
    taxii_conn: TaxiiConnection,
    user: User,
    *,
    collection: Collection,
    stored: dict[str, Any],
) -> set[str]:
    """On which exit paths ``user`` finds the ``stored`` version: REST detail, list,
    export, page, page export, TAXII."""
    record_id, stix_id = stored["id"], stored["stix_id"]
    rest, page = clients_for(user)
    found = set()
    if rest.get(f"/api/v1/sharing/objects/{record_id}").status_code == 200:
        found.add("rest")
    listed = rest.get("/api/v1/sharing/objects", params={"type": "sighting"}).json()["items"]
    if record_id in {item["id"] for item in listed}:
        found.add("list")
    exported = rest.get("/api/v1/sharing/objects/export", params={"format": "json"}).json()
    if record_id in {item["id"] for item in exported["items"]}:
        found.add("export")
    if page.get(f"/sharing/objects/{record_id}").status_code == 200:
        found.add("page")
    if record_id in page.get("/sharing/objects/export", params={"format": "json"}).text:
        found.add("page-export")
    url = f"{TAXII}api/collections/{collection.id}/"
    envelope = TaxiiCollection(url, conn=taxii_conn(user)).get_objects(type="sighting")
    if stix_id in {o["id"] for o in envelope.get("objects", [])}:
        found.add("taxii")
    return found


EVERY_PATH = {"rest", "list", "export", "page", "page-export", "taxii"}


def test_a_recipients_sighting_of_a_red_object_reaches_only_the_objects_readers(
    db: Session, world: World, clients_for: ClientsFor, taxii_conn: TaxiiConnection
) -> None:
    feed = _writable_feed(db, world)
    red = _share(db, world, feed, Tlp.RED, organisations=[world.recipient_org.id])
    db.commit()
    rest, _ = clients_for(world.recipient)
    answer = rest.post(f"/api/v1/sharing/objects/{red}/sightings", json={"count": 2})
    assert answer.status_code == 201, answer.text
    sighting = answer.json()
    assert sighting["tlp"] == "TLP:RED"
    for reader in (world.author, world.recipient, world.named_user):
        seen = _sees(clients_for, taxii_conn, reader, collection=feed, stored=sighting)
        assert seen == EVERY_PATH, reader.email
    # The RED object's owner organisation may not see it, so neither its sighting: before
    # the fix the sighting named the whole owner organisation as its audience.
    for reader in (world.colleague, world.org_admin, world.other_state, world.coordinator):
        seen = _sees(clients_for, taxii_conn, reader, collection=feed, stored=sighting)
        assert seen == set(), reader.email
    # The object's own page counts the sighting only for readers of both.
    _, author_page = clients_for(world.author)
    assert "Sightings you may see</dt><dd>1" in author_page.get(f"/sharing/objects/{red}").text


def test_a_sighting_by_a_user_named_alone_is_raised_to_red_for_their_colleagues(
    db: Session, world: World, clients_for: ClientsFor, taxii_conn: TaxiiConnection
) -> None:
    feed = _writable_feed(db, world)
    amber = _share(db, world, feed, Tlp.AMBER, organisations=[])
    # A colleague of the named user: their organisation was never named, only the person.
    bystander = make_user(db, world.recipient_user_org, Role.CONTRIBUTOR)
    db.commit()
    rest, _ = clients_for(world.named_user)
    answer = rest.post(f"/api/v1/sharing/objects/{amber}/sightings", json={"count": 1})
    assert answer.status_code == 201, answer.text
    sighting = answer.json()
    assert sighting["tlp"] == "TLP:RED"
    for reader in (world.author, world.colleague, world.named_user):
        seen = _sees(clients_for, taxii_conn, reader, collection=feed, stored=sighting)
        assert seen == EVERY_PATH, reader.email
    for reader in (bystander, world.recipient, world.other_state):
        seen = _sees(clients_for, taxii_conn, reader, collection=feed, stored=sighting)
        assert seen == set(), reader.email


def test_a_sighting_in_a_group_collection_does_not_reach_members_who_joined_later(
    db: Session, world: World, clients_for: ClientsFor, taxii_conn: TaxiiConnection
) -> None:
    group = SharingGroup(name="Incident handlers", owner_organisation_id=world.owner_org.id)
    db.add(group)
    db.flush()
    for org in (world.owner_org, world.recipient_org):
        db.add(SharingGroupMember(sharing_group_id=group.id, organisation_id=org.id))
    collection = make_collection(db, world, public_read=True)
    collection.kind = CollectionKind.SHARING_GROUP
    collection.sharing_group_id = group.id
    db.flush()
    red = _share(db, world, collection, Tlp.RED, organisations=[world.recipient_org.id])
    # MyCERT joins the group after the RED object was shared: it may not see the object.
    db.add(SharingGroupMember(sharing_group_id=group.id, organisation_id=world.other_state_org.id))
    db.commit()
    rest, _ = clients_for(world.recipient)
    answer = rest.post(f"/api/v1/sharing/objects/{red}/sightings", json={"count": 1})
    assert answer.status_code == 201, answer.text
    sighting = answer.json()
    author = _sees(clients_for, taxii_conn, world.author, collection=collection, stored=sighting)
    assert author == EVERY_PATH
    late = _sees(clients_for, taxii_conn, world.other_state, collection=collection, stored=sighting)
    assert late == set()


def _indicator(name: str) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": name,
        "pattern": "[domain-name:value = 'c2.example']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        "object_marking_refs": [GREEN],
    }


def test_a_status_lists_only_what_its_poster_may_still_see(
    db: Session, world: World, taxii_conn: TaxiiConnection
) -> None:
    regional = service.create_collection(
        db,
        actor=actor(world.coordinator),
        title="ASEAN regional",
        kind=CollectionKind.REGIONAL,
        default_tlp=Tlp.GREEN,
    )
    db.commit()
    url = f"{TAXII}api/collections/{regional.id}/"
    theirs = _indicator("Author's indicator")
    mine = _indicator("MyCERT's own indicator")
    TaxiiCollection(url, conn=taxii_conn(world.author)).add_objects({"objects": [theirs]})
    poster = TaxiiCollection(url, conn=taxii_conn(world.other_state))
    # The same id and version again is a no-op success for MyCERT (it may see the author's).
    status = poster.add_objects({"objects": [theirs, mine, {"type": "indicator"}]})
    assert status.success_count == 2
    assert status.failure_count == 1
    # The author deletes theirs: MyCERT's status no longer lists it, and its counts agree.
    author_session = taxii_conn(world.author).session
    deleted = author_session.delete(f"{url}objects/{theirs['id']}/", headers={"Accept": TAXII_TYPE})
    assert deleted.status_code == 200, deleted.text
    again = ApiRoot(f"{TAXII}api/", conn=taxii_conn(world.other_state)).get_status(status.id)
    assert [s["id"] for s in again.successes] == [mine["id"]]
    assert again.success_count == 1
    assert again.failure_count == 1
    assert again.total_count == 2
    # Anyone else, the poster's own colleagues included, gets the answer of an unknown id.
    colleague = make_user(db, world.other_state_org, Role.CONTRIBUTOR)
    db.commit()
    for reader in (colleague, world.author, world.coordinator):
        root = ApiRoot(f"{TAXII}api/", conn=taxii_conn(reader))
        with pytest.raises(requests.HTTPError, match="404"):
            root.get_status(status.id)
        with pytest.raises(requests.HTTPError, match="404"):
            root.get_status(str(uuid.uuid4()))


def test_a_read_only_token_sees_can_write_false_and_cannot_write(
    db: Session, world: World, clients_for: ClientsFor, taxii_conn: TaxiiConnection
) -> None:
    feed = make_collection(db, world, public_read=False)
    read_only = bearer(db, world.author, scope=TokenScope.READ)
    _, page = clients_for(world.author)
    rest, _ = clients_for(world.author)
    listed = {c["id"]: c for c in rest.get("/api/v1/sharing/collections").json()}
    assert listed[feed.id]["can_write"] is True
    rest.headers.update(read_only)
    listed = {c["id"]: c for c in rest.get("/api/v1/sharing/collections").json()}
    assert listed[feed.id]["can_write"] is False
    refused = rest.post(
        "/api/v1/sharing/indicators",
        json={
            "collection_id": feed.id,
            "observable_type": "domain-name",
            "share_anyway": True,  # documentation values: on a warninglist
            "value": "c2.example.net",
            "tlp": "TLP:AMBER",
        },
    )
    assert refused.status_code == 403, refused.text
    # TAXII with the same token as the Basic password (as taxii2-client sends it).
    conn = taxii_conn(world.author)
    conn.session.auth = (world.author.email, read_only["Authorization"].removeprefix("Bearer "))
    conn.session.mount("http://testserver", AppAdapter(rest))
    collection = TaxiiCollection(f"{TAXII}api/collections/{feed.id}/", conn=conn)
    assert collection.can_read is True
    assert collection.can_write is False
    listed_taxii = ApiRoot(f"{TAXII}api/", conn=conn).collections
    assert [c.can_write for c in listed_taxii if c.id == feed.id] == [False]
    # Pages: a signed-in person is not a token, and may still write.
    assert feed.id in page.get("/sharing/share").text
