"""A hostile member of the community cannot borrow another organisation's name, publish
versions of its objects, or learn that a hidden id exists by posting it."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import Role, User
from aseancyber.access.policy import Tlp, set_audience
from aseancyber.sharing import service, stix
from aseancyber.sharing.models import Collection, CollectionKind, StixObject
from tests.factories import actor
from tests.readers import BrowserFor, TokenFor, World, make_user

TAXII_TYPE = "application/taxii+json;version=2.1"
TAXII = "http://testserver/taxii2/"
WHEN = "2026-03-01T00:00:00.000Z"
LATER = "2026-03-02T00:00:00.000Z"


def _indicator(
    name: str,
    label: Tlp | None,
    *,
    stix_id: str | None = None,
    modified: str = WHEN,
    created_by: str | None = None,
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": stix_id or f"indicator--{uuid.uuid4()}",
        "created": WHEN,
        "modified": modified,
        "name": name,
        "pattern": "[domain-name:value = 'c2.example.org']",
        "pattern_type": "stix",
        "valid_from": "2026-03-01T00:00:00Z",
    }
    if label is not None:
        obj["object_marking_refs"] = [stix.MARKING_FOR_LABEL[label]]
    if created_by is not None:
        obj["created_by_ref"] = created_by
    return obj


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


class Member:
    """One signed-in organisation member speaking REST and TAXII with an API token."""

    def __init__(self, client: TestClient, token_for: TokenFor, user: User, collection: str):
        self.rest = TestClient(client.app, raise_server_exceptions=False)
        self.rest.headers.update(token_for(user))
        self.url = f"{TAXII}api/collections/{collection}/"
        self.collection = collection

    def post(self, *objects: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        answer = self.rest.post(
            self.url + "objects/",
            content=stix.dumps({"objects": list(objects)}),
            headers={"Content-Type": TAXII_TYPE, "Accept": TAXII_TYPE},
        )
        return answer.status_code, answer.json()

    def upload(self, *objects: dict[str, Any]) -> dict[str, Any]:
        bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": list(objects)}
        answer = self.rest.post(
            f"/api/v1/sharing/collections/{self.collection}/bundles", json=bundle
        )
        assert answer.status_code == 201, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def versions(self, stix_id: str) -> list[dict[str, Any]]:
        answer = self.rest.get(
            self.url + f"objects/{stix_id}/",
            params={"match[version]": "all"},
            headers={"Accept": TAXII_TYPE},
        )
        if answer.status_code == 404:
            return []
        objects: list[dict[str, Any]] = answer.json().get("objects", [])
        return objects


def _member(client: TestClient, token_for: TokenFor, user: User, collection: Collection) -> Member:
    return Member(client, token_for, user, collection.id)


def _normalised(status: dict[str, Any], stix_id: str) -> str:
    """A status resource without what differs between any two posts (its id and time) and
    with the object id replaced, so a hidden id and a fresh one can be compared."""
    kept = {k: v for k, v in status.items() if k not in ("id", "request_timestamp")}
    return stix.dumps(kept).replace(stix_id, "<id>")


@pytest.mark.parametrize("claim", ["none", "own", "owner", "external"])
def test_reposting_a_hidden_id_and_version_answers_as_a_fresh_id(
    *,
    claim: str,
    db: Session,
    world: World,
    regional: Collection,
    client: TestClient,
    token_for: TokenFor,
) -> None:
    author = _member(client, token_for, world.author, regional)
    hostile = _member(client, token_for, world.other_state, regional)
    colleague_user = make_user(db, world.owner_org, Role.CONTRIBUTOR)
    db.commit()
    colleague = _member(client, token_for, colleague_user, regional)
    hidden = _indicator("SingCERT secret", Tlp.RED)
    assert author.post(hidden)[1]["success_count"] == 1
    created_by = {
        "none": None,
        "own": stix.identity_id_for(world.other_state_org.id),
        "owner": stix.identity_id_for(world.owner_org.id),
        "external": f"identity--{uuid.uuid4()}",
    }[claim]
    fresh_id = f"indicator--{uuid.uuid4()}"
    for poster in (hostile, colleague):  # another state, and the author's own colleague
        if poster is colleague and claim in ("own", "owner"):
            continue  # the colleague's own identity is the owner's: nothing to compare
        over_hidden = poster.post(
            _indicator("Theirs", Tlp.GREEN, stix_id=hidden["id"], created_by=created_by)
        )
        over_fresh = poster.post(
            _indicator("Theirs", Tlp.GREEN, stix_id=fresh_id, created_by=created_by)
        )
        assert over_hidden[0] == over_fresh[0] == 202
        assert _normalised(over_hidden[1], hidden["id"]) == _normalised(over_fresh[1], fresh_id)
        fresh_id = f"indicator--{uuid.uuid4()}"
    # Whoever can read the original never meets a second content under its id + version.
    assert [o["name"] for o in author.versions(hidden["id"])] == ["SingCERT secret"]
    assert "SingCERT secret" not in str(hostile.versions(hidden["id"]))
    assert "SingCERT secret" not in str(colleague.versions(hidden["id"]))


def test_another_organisations_identity_is_refused_per_object_on_every_direct_path(
    *,
    db: Session,
    world: World,
    regional: Collection,
    client: TestClient,
    token_for: TokenFor,
    browser_for: BrowserFor,
) -> None:
    hostile = _member(client, token_for, world.other_state, regional)
    singcert = stix.identity_id_for(world.owner_org.id)
    external_author = f"identity--{uuid.uuid4()}"
    forged = _indicator("Forged", Tlp.GREEN, created_by=singcert)
    claimed = _indicator("Claimed", Tlp.GREEN, created_by=external_author)
    own = _indicator("Own", Tlp.GREEN, created_by=stix.identity_id_for(world.other_state_org.id))
    identity = {
        "type": "identity",
        "spec_version": "2.1",
        "id": singcert,
        "created": WHEN,
        "modified": WHEN,
        "name": "Test SingCERT (not really)",
        "identity_class": "organization",
    }
    code, status = hostile.post(forged, claimed, own, identity)
    assert code == 202
    failures = {f["id"]: f["message"] for f in status["failures"]}
    assert set(failures) == {forged["id"], singcert}
    assert "created_by_ref is the identity of another organisation" in failures[forged["id"]]
    assert "identity of another organisation" in failures[singcert]
    assert {s["id"] for s in status["successes"]} == {claimed["id"], own["id"]}
    upload = hostile.upload(_indicator("Forged again", Tlp.GREEN, created_by=singcert))
    assert upload["rejected"] == 1
    assert "created_by_ref is the identity of another organisation" in str(upload["failures"])
    # Nothing is shown as shared by SingCERT; the external claim is shown, unverified.
    owners = set(
        db.scalars(
            select(StixObject.owner_organisation_id).where(StixObject.type != "marking-definition")
        )
    )
    assert owners == {world.other_state_org.id}
    reader = _member(client, token_for, world.recipient, regional)
    shown = reader.rest.get(f"/api/v1/sharing/objects/{claimed['id']}").json()
    assert shown["owner_organisation_name"] == "Test MyCERT"
    assert shown["claimed_author"] == external_author
    assert reader.rest.get(f"/api/v1/sharing/objects/{own['id']}").json()["claimed_author"] is None
    page = browser_for(world.recipient).client.get(f"/sharing/objects/{claimed['id']}").text
    assert "Claimed author (unverified)" in page
    assert external_author in page
    assert "Test MyCERT" in page
    assert "Test SingCERT" not in page


def test_only_the_owner_publishes_versions_and_no_version_loses_the_owners_label(
    db: Session, world: World, regional: Collection, client: TestClient, token_for: TokenFor
) -> None:
    author = _member(client, token_for, world.author, regional)
    hostile = _member(client, token_for, world.other_state, regional)
    first = _indicator("SingCERT v1", Tlp.RED)
    assert author.post(first)[1]["success_count"] == 1
    # The owner's next version, unmarked: the collection default (GREEN) does not lower it.
    unmarked = _indicator("SingCERT v2", None, stix_id=first["id"], modified=LATER)
    assert author.post(unmarked)[1]["success_count"] == 1
    latest = author.rest.get(f"/api/v1/sharing/objects/{first['id']}").json()
    assert (latest["name"], latest["tlp"]) == ("SingCERT v2", "TLP:RED")
    assert hostile.versions(first["id"]) == []
    # The owner lowers it deliberately, with a marking: allowed.
    lowered = _indicator(
        "SingCERT v3", Tlp.GREEN, stix_id=first["id"], modified="2026-03-03T00:00:00.000Z"
    )
    assert author.post(lowered)[1]["success_count"] == 1
    assert [o["name"] for o in hostile.versions(first["id"])] == ["SingCERT v3"]
    # Now that the other state sees it, its versions are refused per object, by name, on
    # TAXII and on bundle upload, whatever their label.
    for label in (Tlp.CLEAR, Tlp.RED):
        theirs = _indicator(
            "Hijacked", label, stix_id=first["id"], modified="2026-03-04T00:00:00.000Z"
        )
        good = _indicator("Their own", Tlp.GREEN)
        code, status = hostile.post(theirs, good)
        assert code == 202
        assert status["failures"] == [
            {
                "id": first["id"],
                "version": "2026-03-04T00:00:00.000Z",
                "message": f"only Test SingCERT may publish new versions of {first['id']}",
            }
        ]
        assert status["success_count"] == 1
        uploaded = hostile.upload(theirs)
        assert uploaded["rejected"] == 1
        assert "only Test SingCERT may publish" in str(uploaded["failures"])
    names = {o["name"] for o in author.versions(first["id"])}
    assert names == {"SingCERT v1", "SingCERT v2", "SingCERT v3"}


def test_a_copy_over_a_hidden_version_never_meets_a_reader_of_the_original(
    *,
    db: Session,
    world: World,
    regional: Collection,
    client: TestClient,
    token_for: TokenFor,
    browser_for: BrowserFor,
) -> None:
    author = _member(client, token_for, world.author, regional)
    shared = author.rest.post(
        "/api/v1/sharing/indicators",
        json={
            "collection_id": regional.id,
            "observable_type": "domain-name",
            "share_anyway": True,  # documentation values: on a warninglist
            "value": "secret.example.org",
            "name": "SingCERT original",
            "tlp": "TLP:AMBER",
            "audience_organisation_ids": [world.recipient_org.id],
        },
    ).json()
    original = shared["stix_id"]
    version = author.versions(original)[0]["modified"]
    hostile = _member(client, token_for, world.other_state, regional)
    copy = _indicator("Hostile copy", Tlp.GREEN, stix_id=original, modified=version)
    copy["created"] = version
    assert hostile.post(copy)[1]["success_count"] == 1
    later = _indicator(
        "Hostile later", Tlp.CLEAR, stix_id=original, modified="2030-01-01T00:00:00.000Z"
    )
    assert hostile.post(later)[1]["success_count"] == 1
    # The poster reads back what they sent; nobody else reads it, on any path.
    assert {o["name"] for o in hostile.versions(original)} == {"Hostile copy", "Hostile later"}
    for user in (
        world.author,
        world.colleague,
        world.recipient,
        world.coordinator,
        world.named_user,
    ):
        reader = _member(client, token_for, user, regional)
        assert "Hostile" not in str(reader.versions(original)), user.email
        latest = reader.rest.get(f"/api/v1/sharing/objects/{original}")
        assert "Hostile" not in latest.text
        listed = reader.rest.get("/api/v1/sharing/objects", params={"q": "Hostile"}).json()
        assert listed["items"] == []
        exported = reader.rest.get("/api/v1/sharing/objects/export", params={"format": "stix"})
        assert "Hostile" not in exported.text
        page = browser_for(user).client.get(f"/sharing/objects/{original}")
        assert "Hostile" not in page.text
    anonymous = client.get(f"{TAXII}api/collections/{regional.id}/objects/{original}/")
    assert "Hostile" not in anonymous.text
    # Should the owner later name the copier's organisation, it reads the original alone.
    row = db.scalar(
        select(StixObject).where(StixObject.stix_id == original, StixObject.owner_only.is_(False))
    )
    assert row is not None
    set_audience(db, row, organisation_ids=[world.recipient_org.id, world.other_state_org.id])
    db.commit()
    assert [o["name"] for o in hostile.versions(original)] == ["SingCERT original"]
