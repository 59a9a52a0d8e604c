"""Federation cannot be used to borrow a name or lower a label: what a peer sends is owned by
the peer's organisation (its claimed author kept, unverified), it never versions a local
owner's object, and what goes out never carries a label lower than its owner set."""

from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.policy import Tlp
from aseancyber.access.service import actor_for
from aseancyber.federation import sync
from aseancyber.federation.models import OutcomeKind, SyncOutcome
from aseancyber.sharing import ingest, stix
from aseancyber.sharing.models import Collection, StixObject
from tests.federation.conftest import Setup, indicator, store
from tests.readers import TokenFor

TAXII_TYPE = "application/taxii+json;version=2.1"
LATER = "2026-10-05T00:00:00.000Z"


def _as_foreign_node(setup: Setup, db: Session, objects: list[dict[str, Any]]) -> None:
    """Objects on the peer's node as another platform would hold them (any author claimed)."""
    report = ingest.ingest(
        db,
        actor=actor_for(setup.world.other_state),
        collection=setup.remote,
        objects=objects,
        keep_claimed_authors=True,
    )
    assert report.failures == 0, report.failed


def _local_versions(
    client: TestClient, token_for: TokenFor, setup: Setup, stix_id: str
) -> list[dict[str, Any]]:
    answer = client.get(
        f"http://testserver/taxii2/api/collections/{setup.local.id}/objects/{stix_id}/",
        params={"match[version]": "all"},
        headers={"Accept": TAXII_TYPE, **token_for(setup.world.author)},
    )
    objects: list[dict[str, Any]] = answer.json().get("objects", [])
    return objects


def _rows(db: Session, collection: Collection, stix_id: str) -> list[StixObject]:
    return list(
        db.scalars(
            select(StixObject)
            .where(StixObject.collection_id == collection.id, StixObject.stix_id == stix_id)
            .order_by(StixObject.version_at)
        )
    )


def test_a_pulled_object_is_the_peers_and_its_claimed_author_is_shown_unverified(
    *,
    db: Session,
    session_factory: sessionmaker[Session],
    setup: Setup,
    client_factory: Any,
    client: TestClient,
    token_for: TokenFor,
) -> None:
    world = setup.world
    claims_singcert = indicator(
        1, label=Tlp.GREEN, created_by=stix.identity_id_for(world.owner_org.id)
    )
    _as_foreign_node(setup, db, [claims_singcert])
    db.commit()
    report = sync.sync_peer(session_factory, peer_id=setup.peer.id, client_factory=client_factory)
    assert report.ok, report.error
    db.expire_all()
    [pulled] = _rows(db, setup.local, claims_singcert["id"])
    assert pulled.owner_organisation_id == world.other_state_org.id
    shown = client.get(
        f"/api/v1/sharing/objects/{pulled.id}", headers=token_for(world.colleague)
    ).json()
    assert shown["owner_organisation_name"] == "Test MyCERT"
    assert shown["claimed_author"] == stix.identity_id_for(world.owner_org.id)


def test_a_peer_cannot_version_or_downgrade_a_local_owners_object(
    *,
    db: Session,
    session_factory: sessionmaker[Session],
    setup: Setup,
    client_factory: Any,
    client: TestClient,
    token_for: TokenFor,
) -> None:
    world = setup.world
    # A local object the peer's organisation may see (GREEN), and one it may not (RED).
    seen = indicator(1, label=Tlp.GREEN)
    hidden = indicator(2, label=Tlp.RED)
    store(db, world.author, setup.local, [seen])
    store(db, world.author, setup.local, [hidden], audience=[world.owner_org.id])
    # The peer sends lower-labelled versions of both, and its own content under the hidden
    # one's very id + version.
    newer_seen = indicator(1, label=Tlp.CLEAR, modified=LATER) | {"name": "peer's v2"}
    same_hidden = indicator(2, label=Tlp.CLEAR) | {"name": "peer's copy"}
    newer_hidden = indicator(2, label=Tlp.CLEAR, modified=LATER) | {"name": "peer's v2"}
    _as_foreign_node(setup, db, [newer_seen, same_hidden, newer_hidden])
    db.commit()
    report = sync.sync_peer(session_factory, peer_id=setup.peer.id, client_factory=client_factory)
    assert report.ok, report.error
    db.expire_all()
    # Visible to the peer's organisation: refused per object, with the rule.
    outcome = db.scalar(
        select(SyncOutcome).where(
            SyncOutcome.run_id == report.run_id,
            SyncOutcome.stix_id == seen["id"],
            SyncOutcome.outcome == OutcomeKind.REJECTED,
        )
    )
    assert outcome is not None
    assert outcome.reason == f"only Test SingCERT may publish new versions of {seen['id']}"
    assert [o["name"] for o in _local_versions(client, token_for, setup, seen["id"])] == [
        "test indicator 1"
    ]
    # Hidden from it: kept as for any id (no side channel), read by the peer's organisation
    # only; the local owner and its readers still see only their RED version.
    local = _local_versions(client, token_for, setup, hidden["id"])
    assert [(o["name"], o["object_marking_refs"]) for o in local] == [
        ("test indicator 2", [stix.MARKING_FOR_LABEL[Tlp.RED]])
    ]
    copies = [row for row in _rows(db, setup.local, hidden["id"]) if row.owner_only]
    assert {row.owner_organisation_id for row in copies} == {world.other_state_org.id}
    assert len(copies) == 2
    # And nothing of it was pushed back out as a CLEAR version of SingCERT's object.
    remote = [row.name for row in _rows(db, setup.remote, hidden["id"])]
    assert sorted(remote) == ["peer's copy", "peer's v2"]


def test_push_never_sends_a_version_below_the_owners_label(
    db: Session,
    session_factory: sessionmaker[Session],
    setup: Setup,
    client_factory: Any,
) -> None:
    world = setup.world
    named = [world.other_state_org.id, world.owner_org.id]
    first = indicator(3, label=Tlp.RED)
    store(db, world.author, setup.local, [first], audience=named)
    # The owner's next version comes without a marking (a script that forgot it): it keeps
    # RED instead of taking the collection's AMBER default, here and on the way out.
    unmarked = indicator(3, label=None, modified=LATER)
    store(db, world.author, setup.local, [unmarked], audience=named)
    db.commit()
    report = sync.sync_peer(session_factory, peer_id=setup.peer.id, client_factory=client_factory)
    assert report.ok, report.error
    db.expire_all()
    assert [row.tlp for row in _rows(db, setup.local, first["id"])] == [Tlp.RED, Tlp.RED]
    arrived = _rows(db, setup.remote, first["id"])
    assert [row.tlp for row in arrived] == [Tlp.RED, Tlp.RED]
    for row in arrived:
        assert stix.label_of(orjson.loads(row.body)) is Tlp.RED
