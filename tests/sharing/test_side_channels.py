"""A reader who may not see an object learns nothing about it: not that its id exists, on
any path (TAXII, REST, sightings, re-posting the same id and version)."""

import uuid
from typing import Any

from sqlalchemy.orm import Session
from taxii2client.v21 import Collection as TaxiiCollection

from aseancyber.access.policy import Tlp
from aseancyber.sharing import service
from aseancyber.sharing.models import Collection, CollectionKind
from tests.factories import actor
from tests.readers import ClientsFor, World
from tests.sharing.conftest import TAXII, TaxiiConnection

TAXII_TYPE = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"


def _regional(db: Session, world: World) -> Collection:
    return service.create_collection(
        db,
        actor=actor(world.coordinator),
        title="ASEAN regional",
        kind=CollectionKind.REGIONAL,
        default_tlp=Tlp.GREEN,
    )


def _indicator(name: str, marking: str, stix_id: str | None = None) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": stix_id or f"indicator--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": name,
        "pattern": "[domain-name:value = 'c2.example']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        "object_marking_refs": [marking],
    }


def test_posting_the_id_of_a_hidden_object_keeps_the_posters_own_copy(
    db: Session, world: World, taxii_conn: TaxiiConnection
) -> None:
    regional = _regional(db, world)
    db.commit()
    url = f"{TAXII}api/collections/{regional.id}/"
    author = TaxiiCollection(url, conn=taxii_conn(world.author))
    other = TaxiiCollection(url, conn=taxii_conn(world.other_state))
    hidden = _indicator("Author's secret name", RED)
    author.add_objects({"objects": [hidden]})
    # The other state sends an object with the same id and version: the answer is the plain
    # success any new object gets, and they can read back exactly what they sent.
    theirs = _indicator("Their own name", GREEN, stix_id=hidden["id"])
    status = other.add_objects({"objects": [theirs]})
    assert status.success_count == 1
    assert status.failure_count == 0
    assert status.successes == [{"id": hidden["id"], "version": hidden["modified"]}]
    got = other.get_object(hidden["id"])["objects"]
    assert [o["name"] for o in got] == ["Their own name"]
    assert "secret" not in str(other.get_objects()).lower()
    # The author still has their RED version untouched.
    names = {o["name"] for o in author.get_object(hidden["id"], version="all")["objects"]}
    assert "Author's secret name" in names
    # Sending it again is a no-op for them now (they can see their own copy).
    again = other.add_objects({"objects": [theirs]})
    assert again.success_count == 1
    assert len(other.get_object(hidden["id"], version="all")["objects"]) == 1


def test_hidden_and_unknown_ids_answer_identically_on_every_path(
    db: Session, world: World, clients_for: ClientsFor, taxii_conn: TaxiiConnection
) -> None:
    regional = _regional(db, world)
    db.commit()
    url = f"{TAXII}api/collections/{regional.id}/"
    author = TaxiiCollection(url, conn=taxii_conn(world.author))
    hidden = _indicator("Hidden", RED)
    author.add_objects({"objects": [hidden]})
    unknown = f"indicator--{uuid.uuid4()}"
    session = taxii_conn(world.other_state).session
    headers = {"Accept": TAXII_TYPE}
    for path in ("objects/{}/", "objects/{}/versions/", "manifest/?match[id]={}"):
        seen = session.get(url + path.format(hidden["id"]), headers=headers)
        never = session.get(url + path.format(unknown), headers=headers)
        assert (seen.status_code, seen.content) == (never.status_code, never.content), path
    deleted = session.delete(url + f"objects/{hidden['id']}/", headers=headers)
    never_deleted = session.delete(url + f"objects/{unknown}/", headers=headers)
    assert (deleted.status_code, deleted.content) == (
        never_deleted.status_code,
        never_deleted.content,
    )
    assert deleted.status_code == 404
    rest, _ = clients_for(world.other_state)
    for method, path, body in (
        ("GET", "/api/v1/sharing/objects/{}", None),
        ("POST", "/api/v1/sharing/objects/{}/sightings", {"count": 1}),
    ):
        seen = rest.request(method, path.format(hidden["id"]), json=body)
        never = rest.request(method, path.format(unknown), json=body)
        assert seen.status_code == never.status_code == 404, path
        # The same problem document, but for the echo of the id that was asked for.
        assert seen.json() | {"instance": ""} == never.json() | {"instance": ""}, path
    # Relationships to the hidden object are stored (the id is the poster's knowledge), but
    # the hidden object's own page lists nothing to someone who cannot see it.
    listed = rest.get("/api/v1/sharing/objects", params={"q": "Hidden"}).json()
    assert listed["items"] == []
