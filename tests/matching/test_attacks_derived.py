"""Attacks through matching's recorded sightings: a named recipient's run over a RED
indicator records a sighting that only the indicator's readers may see."""

from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.sharing.models import CollectionGrant
from tests.matching.conftest import indicator, store
from tests.readers import ClientsFor, World
from tests.sharing.conftest import make_collection


def test_a_recipients_recorded_sighting_of_red_stays_with_the_indicators_readers(
    db: Session, world: World, clients_for: ClientsFor
) -> None:
    collection = make_collection(db, world, public_read=True)
    db.add(
        CollectionGrant(
            collection_id=collection.id, organisation_id=world.recipient_org.id, can_write=True
        )
    )
    store(
        db,
        author=world.author,
        collection=collection,
        audience=[world.recipient_org.id],
        objects=[indicator("[domain-name:value = 'red.example']", tlp=Tlp.RED, name="red c2")],
    )
    db.commit()
    recipient, _ = clients_for(world.recipient)
    answer = recipient.post(
        "/api/v1/matching", json={"observables": ["red.example"], "record_sightings": True}
    )
    assert answer.status_code == 200, answer.text
    [sighted] = answer.json()["sightings"]
    assert sighted["problem"] == ""
    sighting_id = sighted["sighting_id"]
    for reader in (world.author, world.recipient):
        rest, _ = clients_for(reader)
        found = rest.get(f"/api/v1/sharing/objects/{sighting_id}")
        assert found.status_code == 200, reader.email
        assert found.json()["tlp"] == "TLP:RED"
    # The RED indicator's owner organisation is not its audience: nor the sighting's.
    for reader in (world.colleague, world.org_admin, world.other_state):
        rest, page = clients_for(reader)
        assert rest.get(f"/api/v1/sharing/objects/{sighting_id}").status_code == 404
        listed = rest.get("/api/v1/sharing/objects", params={"type": "sighting"}).json()
        assert listed["items"] == []
        assert page.get(f"/sharing/objects/{sighting_id}").status_code == 404
