"""Fixtures for federation: a "remote" collection and a local one in the same database.

The remote node is this same app reached through its ASGI interface (TestClient is an
httpx client), so a sync really speaks TAXII 2.1 over HTTP while every write stays in the
test's rolled-back transaction.
"""

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.policy import Actor, Tlp
from aseancyber.access.service import actor_for
from aseancyber.federation import service
from aseancyber.federation.client import Credentials, TaxiiClient
from aseancyber.federation.models import Mapping, Peer, PeerAuth
from aseancyber.sharing import ingest, stix
from aseancyber.sharing.models import Collection, CollectionGrant, CollectionKind
from aseancyber.sharing.service import add_tlp_definitions
from tests.readers import TokenFor, World

API_ROOT = "http://testserver/taxii2/api/"


@dataclass
class Setup:
    world: World
    remote: Collection  # "their" collection, owned by MyCERT, writable by our account
    local: Collection  # our collection, owned by SingCERT
    peer: Peer
    mapping: Mapping
    admin: Actor


def make_collection(db: Session, *, owner_id: str, title: str) -> Collection:
    collection = Collection(
        title=title, kind=CollectionKind.OWN, owner_organisation_id=owner_id, default_tlp=Tlp.AMBER
    )
    db.add(collection)
    db.flush()
    add_tlp_definitions(db, collection=collection, owner_organisation_id=owner_id)
    return collection


def indicator(
    n: int, *, label: Tlp | None, created_by: str | None = None, modified: str | None = None
) -> dict[str, Any]:
    when = "2026-10-01T00:00:00.000Z"
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, f'fed/{n}')}",
        "created": when,
        "modified": modified or when,
        "name": f"test indicator {n}",
        "pattern": f"[ipv4-addr:value = '198.51.100.{n % 250}']",
        "pattern_type": "stix",
        "valid_from": when,
    }
    if label is not None:
        obj["object_marking_refs"] = [stix.MARKING_FOR_LABEL[label]]
    if created_by is not None:
        obj["created_by_ref"] = created_by
    return obj


def store(
    db: Session,
    user: User,
    collection: Collection,
    objects: list[dict[str, Any]],
    audience: list[str] | None = None,
) -> None:
    report = ingest.ingest(
        db,
        actor=actor_for(user),
        collection=collection,
        objects=objects,
        audience_organisation_ids=audience or [],
    )
    assert report.failures == 0, report.failed


@pytest.fixture
def setup(db: Session, world: World, token_for: TokenFor) -> Setup:
    remote = make_collection(db, owner_id=world.other_state_org.id, title="MyCERT feed")
    # Our account on their node: SingCERT's author may read and write their collection.
    db.add(
        CollectionGrant(
            collection_id=remote.id,
            organisation_id=world.owner_org.id,
            can_read=True,
            can_write=True,
        )
    )
    local = make_collection(db, owner_id=world.owner_org.id, title="SingCERT feed")
    db.flush()
    admin = actor_for(world.org_admin)
    secret = token_for(world.author)["Authorization"].removeprefix("Bearer ")
    peer = service.create_peer(
        db,
        actor=admin,
        name="mycert-node",
        api_root_url=API_ROOT,
        auth=PeerAuth.BEARER,
        secret=secret,
        organisation_id=world.other_state_org.id,
    )
    mapping = service.add_mapping(
        db,
        actor=admin,
        peer=peer,
        remote_collection_id=remote.id,
        local_collection_id=local.id,
        pull=True,
        push=True,
    )
    db.commit()
    return Setup(world, remote, local, peer, mapping, admin)


@pytest.fixture
def client_factory(client: TestClient) -> Any:
    """TAXII clients that reach the app in-process, with no real waiting between retries."""

    def make(peer: Peer) -> TaxiiClient:
        from aseancyber.federation.secrets import decrypt  # noqa: PLC0415

        credentials = Credentials(peer.auth, peer.username, decrypt(peer.secret_encrypted))
        return TaxiiClient(peer.api_root_url, credentials, http=client, sleep=lambda _: None)

    return make
