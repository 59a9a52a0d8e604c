"""Attacks through a peer's figures: the push queue, a run's counts and outcomes, dead
letters and their retry show an administrator only the objects they may see themselves
(roles never widen), over REST and the peer page."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.policy import Tlp
from aseancyber.federation import health, sync
from aseancyber.federation.models import DeadLetter
from tests.federation.conftest import Setup, indicator, store
from tests.federation.test_api import _rejecting_peer
from tests.readers import TokenFor

BASE = "/api/v1/federation"


def test_an_admin_sees_only_their_own_view_of_queue_runs_outcomes_and_dead_letters(
    *,
    db: Session,
    session_factory: sessionmaker[Session],
    setup: Setup,
    client: TestClient,
    token_for: TokenFor,
) -> None:
    world = setup.world
    # Anyone may read the collection; each object is still filtered by its own label.
    setup.local.public_read = True
    # Hidden from the peer's owner organisation itself: never a push candidate, and no
    # longer counted in its admin's queue.
    hidden_red = indicator(1, label=Tlp.RED)
    store(db, world.author, setup.local, [hidden_red], audience=[world.recipient_org.id])
    # The owner organisation's own AMBER: withheld from the peer, or pushed (the peer's
    # organisation is named) and refused there. A platform administrator may see neither.
    amber_withheld = indicator(2, label=Tlp.AMBER)
    store(db, world.author, setup.local, [amber_withheld])
    amber_pushed = indicator(3, label=Tlp.AMBER)
    store(db, world.author, setup.local, [amber_pushed], audience=[world.other_state_org.id])
    green_pushed = indicator(4, label=Tlp.GREEN)
    store(db, world.author, setup.local, [green_pushed])
    db.commit()
    amber = {amber_withheld["id"], amber_pushed["id"]}
    admin = token_for(world.org_admin)
    platform = token_for(world.platform_admin)
    everything = health.push_queue(db, mapping=setup.mapping, reader=None)
    for headers, hidden_count in ((admin, 1), (platform, 3)):
        peer = client.get(f"{BASE}/peers/{setup.peer.id}", headers=headers).json()
        assert peer["mappings"][0]["queue"] == everything - hidden_count
        assert peer["health"]["queue"] == everything - hidden_count

    report = sync.sync_peer(
        session_factory,
        peer_id=setup.peer.id,
        client_factory=_rejecting_peer("pattern not allowed here"),
    )
    assert report.ok, report.error
    assert (report.rejected, report.withheld) == (2, 1)  # the node's own record is whole

    # The owner organisation's admin may see all three.
    run = client.get(f"{BASE}/peers/{setup.peer.id}/runs", headers=admin).json()[0]
    assert (run["rejected"], run["withheld"]) == (2, 1)
    outcomes = client.get(f"{BASE}/runs/{run['id']}/outcomes", headers=admin).json()
    assert amber | {green_pushed["id"]} <= {o["stix_id"] for o in outcomes}
    letters = client.get(f"{BASE}/peers/{setup.peer.id}/dead-letters", headers=admin).json()
    assert {letter["stix_id"] for letter in letters} == {amber_pushed["id"], green_pushed["id"]}

    # A platform administrator sees every peer, and still only what they may see.
    run = client.get(f"{BASE}/peers/{setup.peer.id}/runs", headers=platform).json()[0]
    assert (run["rejected"], run["withheld"]) == (1, 0)
    outcomes = client.get(f"{BASE}/runs/{run['id']}/outcomes", headers=platform).json()
    listed = {o["stix_id"] for o in outcomes}
    assert green_pushed["id"] in listed
    assert not listed & amber
    letters = client.get(f"{BASE}/peers/{setup.peer.id}/dead-letters", headers=platform).json()
    assert [letter["stix_id"] for letter in letters] == [green_pushed["id"]]
    peer = client.get(f"{BASE}/peers/{setup.peer.id}", headers=platform).json()
    assert peer["health"]["open_dead_letters"] == 1
    page = client.get(f"/federation/peers/{setup.peer.id}?run={run['id']}", headers=platform)
    assert page.status_code == 200
    assert green_pushed["id"] in page.text
    assert not any(stix_id in page.text for stix_id in amber)
    # The hidden dead letter's id answers as an unknown one would.
    hidden_letter = db.scalar(select(DeadLetter.id).where(DeadLetter.stix_id == amber_pushed["id"]))
    assert hidden_letter is not None
    retry = client.post(f"{BASE}/dead-letters/{hidden_letter}/retry", headers=platform)
    unknown = client.post(f"{BASE}/dead-letters/{'0' * 36}/retry", headers=platform)
    assert retry.status_code == unknown.status_code == 404
    assert retry.json()["detail"] == unknown.json()["detail"]
