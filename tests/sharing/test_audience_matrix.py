"""A named audience is the audience: no collection, grant or sharing group widens it.

Tested as combinations, not one axis at a time: label x named audience (present or not) x
collection kind and grant x reader kind, over every read path (REST list, get and export,
TAXII objects, object, versions and manifest). The expected answers are written from the
trust model in BRIEF.md, not derived from the code under test.
"""

import dataclasses
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import Role, User
from aseancyber.access.policy import Actor, Tlp
from aseancyber.sharing import service, stix
from aseancyber.sharing.models import Collection, CollectionKind
from tests.factories import actor, make_org, make_state
from tests.readers import TokenFor, World, make_user
from tests.sharing.conftest import TAXII

TAXII_TYPE = "application/taxii+json;version=2.1"
LABELS = (Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED)
# Readers: the author and a colleague (owner organisation), the named organisation and
# the named user, a group member not named (another state), the Secretariat, a dialogue
# partner in the group, and a member state outside the group and every grant.
READERS = (
    "author",
    "colleague",
    "recipient",
    "named_user",
    "other_state",
    "coordinator",
    "external",
    "outsider",
)
KINDS = ("sharing_group", "organisation_grants", "group_grant", "regional")


@dataclasses.dataclass
class Setting:
    world: World
    outsider: User
    collections: dict[str, Collection]

    def user(self, reader: str) -> User:
        return self.outsider if reader == "outsider" else getattr(self.world, reader)


def _as_coordinator(user: User) -> Actor:
    return dataclasses.replace(actor(user), roles=frozenset({Role.REGIONAL_COORDINATOR}))


@pytest.fixture
def setting(db: Session, world: World) -> Setting:
    outsider_org = make_org(db, state=make_state(db, "TH"), name="Test ThaiCERT")
    outsider = make_user(db, outsider_org, Role.CONTRIBUTOR)
    members = [
        world.other_state_org.id,
        world.recipient_org.id,
        world.recipient_user_org.id,
        world.secretariat.id,
        world.external_org.id,
    ]
    owner = _as_coordinator(world.author)
    group = service.create_sharing_group(
        db, actor=owner, name="Test CERT group", organisation_ids=members
    )
    collections = {
        "sharing_group": service.create_collection(
            db,
            actor=owner,
            title="Group feed",
            kind=CollectionKind.SHARING_GROUP,
            sharing_group_id=group.id,
        ),
        "organisation_grants": service.create_collection(
            db,
            actor=owner,
            title="Granted feed",
            kind=CollectionKind.OWN,
            grants=[(org, None, True, False) for org in members],
        ),
        "group_grant": service.create_collection(
            db,
            actor=owner,
            title="Group-granted feed",
            kind=CollectionKind.OWN,
            grants=[(None, group.id, True, False)],
        ),
        "regional": service.create_collection(
            db,
            actor=_as_coordinator(world.coordinator),
            title="Regional feed",
            kind=CollectionKind.REGIONAL,
        ),
    }
    db.commit()
    return Setting(world, outsider, collections)


def _reads_collection(kind: str, reader: str) -> bool:
    if kind == "regional":
        return reader != "external"  # the community: member states and the Secretariat
    return reader != "outsider"  # the group members, or the organisations granted


def _expected(kind: str, label: Tlp, named: bool, reader: str) -> bool:
    """Whether ``reader`` may read the object, from the trust model alone."""
    if not _reads_collection(kind, reader):
        return False
    if reader == "author":
        return True
    if named:
        audience = {"recipient", "named_user"}
    elif kind == "sharing_group" and label in (Tlp.AMBER, Tlp.RED):
        # Nobody named (a TAXII POST cannot name anyone): the group is the implied audience.
        audience = {
            "colleague",
            "recipient",
            "named_user",
            "other_state",
            "coordinator",
            "external",
        }
    else:
        audience = set()
    if reader in audience:
        return True
    return label is not Tlp.RED and reader == "colleague"


def _indicator(marker: str, label: Tlp) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-02-01T00:00:00.000Z",
        "modified": "2026-02-01T00:00:00.000Z",
        "name": f"Matrix {marker}",
        "pattern": f"[domain-name:value = '{marker}.example.net']",
        "pattern_type": "stix",
        "valid_from": "2026-02-01T00:00:00Z",
        "object_marking_refs": [stix.MARKING_FOR_LABEL[label]],
    }


def _share(
    author: TestClient, setting: Setting, kind: str, *, label: Tlp, named: bool, marker: str
) -> str:
    """Share through the real paths: the indicator form's REST call names an audience; a
    TAXII POST, which cannot, names nobody."""
    collection = setting.collections[kind]
    if named:
        answer = author.post(
            "/api/v1/sharing/indicators",
            json={
                "collection_id": collection.id,
                "observable_type": "domain-name",
                "share_anyway": True,  # documentation values: on a warninglist
                "value": f"{marker}.example.net",
                "name": f"Matrix {marker}",
                "tlp": label.value,
                "audience_organisation_ids": [setting.world.recipient_org.id],
                "audience_user_ids": [setting.world.named_user.id],
            },
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["stix_id"])
    obj = _indicator(marker, label)
    answer = author.post(
        f"{TAXII}api/collections/{collection.id}/objects/",
        content=stix.dumps({"objects": [obj]}),
        headers={"Content-Type": TAXII_TYPE, "Accept": TAXII_TYPE},
    )
    assert answer.status_code == 202, answer.text
    assert answer.json()["success_count"] == 1, answer.text
    return str(obj["id"])


def _ids(items: list[dict[str, Any]], key: str) -> set[str]:
    return {str(item[key]) for item in items}


@pytest.mark.parametrize("kind", KINDS)
def test_a_named_audience_is_never_widened_by_the_collection(
    kind: str, setting: Setting, client: TestClient, token_for: TokenFor
) -> None:
    def reader_client(user: User) -> TestClient:
        rest = TestClient(client.app, raise_server_exceptions=False)
        rest.headers.update(token_for(user))
        return rest

    author = reader_client(setting.world.author)
    shared: dict[str, tuple[Tlp, bool]] = {}
    for label in LABELS:
        for named in (True, False):
            marker = f"m{uuid.uuid4().hex[:10]}"
            shared[_share(author, setting, kind, label=label, named=named, marker=marker)] = (
                label,
                named,
            )
    collection_url = f"{TAXII}api/collections/{setting.collections[kind].id}/"
    taxii = {"Accept": TAXII_TYPE}
    mismatches = []
    for reader in READERS:
        rest = reader_client(setting.user(reader))
        expected = {
            stix_id
            for stix_id, (label, named) in shared.items()
            if _expected(kind, label, named, reader)
        }
        listed = rest.get(
            "/api/v1/sharing/objects",
            params={"collection": setting.collections[kind].id, "type": "indicator"},
        )
        exported = rest.get(
            "/api/v1/sharing/objects/export",
            params={"format": "json", "collection": setting.collections[kind].id},
        )
        bundle = rest.get("/api/v1/sharing/objects/export", params={"format": "stix"})
        envelope = rest.get(collection_url + "objects/", params={"limit": 500}, headers=taxii)
        manifest = rest.get(collection_url + "manifest/", params={"limit": 500}, headers=taxii)
        seen_on_lists = {
            "REST list": _ids(listed.json()["items"], "stix_id") & shared.keys(),
            "REST export": _ids(exported.json()["items"], "stix_id") & shared.keys(),
            "STIX export": _ids(bundle.json()["objects"], "id") & shared.keys(),
            "TAXII objects": (
                _ids(envelope.json().get("objects", []), "id") & shared.keys()
                if envelope.status_code == 200
                else set()
            ),
            "TAXII manifest": (
                _ids(manifest.json().get("objects", []), "id") & shared.keys()
                if manifest.status_code == 200
                else set()
            ),
        }
        for path, seen in seen_on_lists.items():
            for stix_id in seen ^ expected:
                mismatches.append((reader, path, *shared[stix_id], stix_id in seen))
        for stix_id, (label, named) in shared.items():
            want = stix_id in expected
            answers = {
                "REST get": rest.get(f"/api/v1/sharing/objects/{stix_id}").status_code,
                "TAXII object": rest.get(
                    collection_url + f"objects/{stix_id}/", headers=taxii
                ).status_code,
                "TAXII versions": rest.get(
                    collection_url + f"objects/{stix_id}/versions/", headers=taxii
                ).status_code,
            }
            for path, status in answers.items():
                assert status in (200, 404), (path, status)
                if (status == 200) != want:
                    mismatches.append((reader, path, label, named, status == 200))
    assert mismatches == [], "reader, path, label, named, seen: " + repr(mismatches)
