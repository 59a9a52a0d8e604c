"""Interoperation with third-party TAXII 2.1 software: medallion (the OASIS reference
server, memory backend, its own process) as a peer we pull from and push to; and
taxii2-client (the OASIS reference client) reading what our node pulled."""

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.policy import Tlp
from aseancyber.access.service import actor_for
from aseancyber.federation import service, sync
from aseancyber.federation.client import Credentials, TaxiiClient
from aseancyber.federation.models import OutcomeKind, Peer, PeerAuth, SyncOutcome
from aseancyber.sharing.models import StixObject
from tests.federation.conftest import indicator, make_collection, store
from tests.federation.nodes import ROOT, wait_until
from tests.ports import free_port
from tests.readers import TokenFor, World
from tests.sharing.conftest import AppAdapter

pytestmark = pytest.mark.slow
COLLECTION = "472c94ae-3113-4e3e-a4dd-a9f4ac7471d4"
MEDIA = "application/stix+json;version=2.1"
ACCEPT = {"Accept": "application/taxii+json;version=2.1"}


def _medallion_data(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "/discovery": {
            "title": "medallion",
            "default": "http://127.0.0.1/api1/",
            "api_roots": ["http://127.0.0.1/api1/"],
        },
        "api1": {
            "information": {
                "title": "third-party node",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 10_000_000,
            },
            "status": [],
            "collections": [
                {
                    "id": COLLECTION,
                    "title": "third-party feed",
                    "can_read": True,
                    "can_write": True,
                    "media_types": [MEDIA],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }


@pytest.fixture(scope="module")
def medallion(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """medallion 3 on a loopback port; a few objects posted to it over TAXII first."""
    directory: Path = tmp_path_factory.mktemp("medallion")
    (directory / "data.json").write_text(json.dumps(_medallion_data([])))
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(directory / "data.json"),
        },
        "users": {"peer": "medallion-password"},
        "taxii": {"max_page_size": 4},
    }
    (directory / "config.json").write_text(json.dumps(config))
    port = free_port()
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "medallion"),
            "--port",
            str(port),
            str(directory / "config.json"),
        ],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    root = f"http://127.0.0.1:{port}/api1/"

    def answers() -> bool:
        try:
            return (
                httpx.get(
                    root, auth=("peer", "medallion-password"), headers=ACCEPT, timeout=1
                ).status_code
                == 200
            )
        except httpx.HTTPError:
            return False

    try:
        wait_until(answers, 60, "medallion to serve")
        theirs = [indicator(1000 + n, label=Tlp.GREEN if n % 2 else None) for n in range(10)]
        response = httpx.post(
            f"{root}collections/{COLLECTION}/objects/",
            content=json.dumps({"objects": theirs}),
            auth=("peer", "medallion-password"),
            headers={
                "Content-Type": "application/taxii+json;version=2.1",
                "Accept": "application/taxii+json;version=2.1",
            },
            timeout=30,
        )
        assert response.status_code == 202, response.text
        yield root
    finally:
        process.terminate()
        process.wait(10)


def test_pull_from_and_push_to_medallion(
    *,
    db: Session,
    session_factory: sessionmaker[Session],
    world: World,
    medallion: str,
    client: TestClient,
    token_for: TokenFor,
) -> None:
    local = make_collection(db, owner_id=world.owner_org.id, title="SingCERT feed")
    admin = actor_for(world.org_admin)
    peer = service.create_peer(
        db,
        actor=admin,
        name=f"medallion-{uuid.uuid4().hex[:6]}",
        api_root_url=medallion,
        auth=PeerAuth.BASIC,
        username="peer",
        secret="medallion-password",
        organisation_id=world.other_state_org.id,
    )
    service.add_mapping(
        db,
        actor=admin,
        peer=peer,
        remote_collection_id=COLLECTION,
        local_collection_id=local.id,
        pull=True,
        push=True,
    )
    ours = [indicator(2000 + n, label=Tlp.GREEN) for n in range(3)]
    store(db, world.author, local, ours)
    store(db, world.author, local, [indicator(2999, label=Tlp.RED)], audience=[world.owner_org.id])
    db.commit()

    report = sync.sync_peer(session_factory, peer_id=peer.id)
    assert report.ok, report.error
    db.expire_all()
    pulled = db.scalars(
        select(StixObject).where(
            StixObject.collection_id == local.id,
            StixObject.owner_organisation_id == world.other_state_org.id,
        )
    ).all()
    # Ten objects over pages of four (medallion's own next tokens); unlabelled ones took
    # the collection's default label.
    assert len(pulled) == 10
    assert {row.tlp for row in pulled} == {Tlp.GREEN, Tlp.AMBER}
    # What we pushed is in medallion, read back with its own API; the RED one is not.
    remote = TaxiiClient(medallion, Credentials(PeerAuth.BASIC, "peer", "medallion-password"))
    there: set[str] = set()
    page = remote.get_objects(COLLECTION, limit=100)
    there |= {obj["id"] for obj in page.objects}
    while page.more and page.next:
        page = remote.get_objects(COLLECTION, limit=100, next_token=page.next)
        there |= {obj["id"] for obj in page.objects}
    remote.close()
    assert {obj["id"] for obj in ours} <= there
    assert indicator(2999, label=None)["id"] not in there
    outcomes = {
        row.stix_id: row.outcome
        for row in db.scalars(select(SyncOutcome).where(SyncOutcome.run_id == report.run_id))
    }
    assert outcomes[indicator(2999, label=None)["id"]] is OutcomeKind.WITHHELD
    assert all(outcomes[obj["id"]] is OutcomeKind.ACCEPTED for obj in ours)

    # taxii2-client, the OASIS reference client, reads the pulled objects from our node.
    from taxii2client.common import _HTTPConnection  # noqa: PLC0415
    from taxii2client.v21 import Collection as ClientCollection  # noqa: PLC0415

    secret = token_for(world.author)["Authorization"].removeprefix("Bearer ")
    connection = _HTTPConnection(user=world.author.email, password=secret, version="2.1")
    connection.session.mount("http://testserver", AppAdapter(client))
    collection = ClientCollection(
        f"http://testserver/taxii2/api/collections/{local.id}/", conn=connection
    )
    seen = collection.get_objects()
    seen_ids = {obj["id"] for obj in seen.get("objects", [])}
    assert {row.stix_id for row in pulled} <= seen_ids
    assert isinstance(peer, Peer)
