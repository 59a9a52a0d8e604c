"""REST for peers: admins of the owning organisation only, credentials never returned,
bad input named; dead letters from a peer's rejections, retried by a person."""

from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.policy import Tlp
from aseancyber.errors import Invalid
from aseancyber.federation import secrets, sync
from aseancyber.federation.client import Credentials, TaxiiClient
from aseancyber.federation.models import DeadLetter, OutcomeKind, Peer, PeerAuth, SyncOutcome
from aseancyber.federation.service import check_url
from aseancyber.jobs.models import Job
from tests.federation.conftest import API_ROOT, Setup, indicator, store
from tests.readers import TokenFor, World

BASE = "/api/v1/federation"


def _peer_body(world: World, **changes: Any) -> dict[str, Any]:
    body = {
        "name": "ph-node",
        "api_root_url": "https://taxii.cert.example.ph/api1",
        "auth": "basic",
        "username": "sg-node",
        "secret": "s3cret-password",
        "organisation_id": world.recipient_org.id,
    }
    return {**body, **changes}


def test_an_admin_registers_a_peer_and_the_secret_stays_encrypted(
    db: Session, client: TestClient, world: World, token_for: TokenFor
) -> None:
    answer = client.post(
        f"{BASE}/peers", json=_peer_body(world), headers=token_for(world.org_admin)
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["api_root_url"] == "https://taxii.cert.example.ph/api1/"
    assert "secret" not in body
    assert "s3cret" not in answer.text
    assert body["health"]["state"] == "never run"
    stored = db.get(Peer, body["id"])
    assert stored is not None
    assert "s3cret" not in stored.secret_encrypted
    assert secrets.decrypt(stored.secret_encrypted) == "s3cret-password"
    # Another organisation's admin cannot tell it exists; a contributor may not manage peers.
    other_admin_headers = token_for(world.platform_admin)
    assert client.get(f"{BASE}/peers/{body['id']}", headers=other_admin_headers).status_code == 200
    from aseancyber.access.models import Role  # noqa: PLC0415
    from tests.readers import make_user  # noqa: PLC0415

    stranger = make_user(db, world.other_state_org, Role.ORGANISATION_ADMIN)
    assert client.get(f"{BASE}/peers/{body['id']}", headers=token_for(stranger)).status_code == 404
    assert client.get(f"{BASE}/peers", headers=token_for(stranger)).json() == []
    assert client.get(f"{BASE}/peers", headers=token_for(world.author)).status_code == 403


def test_bad_peer_input_is_named(client: TestClient, world: World, token_for: TokenFor) -> None:
    headers = token_for(world.org_admin)
    cases = [
        (_peer_body(world, api_root_url="ftp://x.example/"), "api_root_url"),
        (_peer_body(world, api_root_url="https://user:pw@x.example/"), "api_root_url"),
        (_peer_body(world, api_root_url="http://[x/taxii2/"), "api_root_url"),
        (_peer_body(world, api_root_url="https://x.example:99999/"), "api_root_url"),
        (
            _peer_body(world, organisation_id="00000000-0000-0000-0000-000000000000"),
            "organisation_id",
        ),
        (_peer_body(world, username=""), "username"),
        (_peer_body(world, auth="kerberos"), "auth"),
        (_peer_body(world, secret=""), "secret"),
        (_peer_body(world, extra=1), "extra"),
    ]
    for body, field in cases:
        answer = client.post(f"{BASE}/peers", json=body, headers=headers)
        assert answer.status_code == 422, (field, answer.text)
        assert field in answer.text
    assert client.post(f"{BASE}/peers", json=_peer_body(world), headers=headers).status_code == 201
    again = client.post(f"{BASE}/peers", json=_peer_body(world), headers=headers)
    assert again.status_code == 409


def test_mapping_needs_a_collection_the_organisation_may_use(
    client: TestClient, setup: Setup, token_for: TokenFor
) -> None:
    headers = token_for(setup.world.org_admin)
    # The remote-side collection belongs to MyCERT: SingCERT may read it (granted) and
    # also write it; a collection id it cannot see is 404.
    answer = client.post(
        f"{BASE}/peers/{setup.peer.id}/mappings",
        json={
            "remote_collection_id": "x",
            "local_collection_id": "00000000-0000-0000-0000-000000000000",
        },
        headers=headers,
    )
    assert answer.status_code == 404
    answer = client.post(
        f"{BASE}/peers/{setup.peer.id}/mappings",
        json={"remote_collection_id": "x", "local_collection_id": setup.local.id, "pull": False},
        headers=headers,
    )
    assert answer.status_code == 422
    assert "pull" in answer.text


def _rejecting_peer(reason: str) -> Any:
    """A TAXII server that refuses every indicator with a reason in its status resource."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(
                200, json={}, headers={"Content-Type": "application/taxii+json;version=2.1"}
            )
        envelope = orjson.loads(request.content)
        failures, successes = [], []
        for obj in envelope["objects"]:
            detail = {"id": obj["id"], "version": obj.get("modified", obj.get("created", ""))}
            if obj["type"] == "indicator":
                failures.append({**detail, "message": reason})
            else:
                successes.append(detail)
        status = {
            "id": "status-1",
            "status": "complete",
            "total_count": len(envelope["objects"]),
            "success_count": len(successes),
            "successes": successes,
            "failure_count": len(failures),
            "failures": failures,
            "pending_count": 0,
        }
        return httpx.Response(202, json=status)

    def make(peer: Peer) -> TaxiiClient:
        http = httpx.Client(transport=httpx.MockTransport(handle))
        return TaxiiClient(API_ROOT, Credentials(PeerAuth.BEARER, "", "x"), http=http)

    return make


def test_rejections_become_dead_letters_a_person_retries(
    *,
    db: Session,
    session_factory: sessionmaker[Session],
    setup: Setup,
    client: TestClient,
    token_for: TokenFor,
    client_factory: Any,
) -> None:
    world = setup.world
    store(db, world.author, setup.local, [indicator(1, label=Tlp.GREEN)])
    db.commit()
    report = sync.sync_peer(
        session_factory,
        peer_id=setup.peer.id,
        client_factory=_rejecting_peer("pattern not allowed here"),
    )
    assert report.ok
    assert report.rejected == 1
    db.expire_all()
    rejected = db.scalars(
        select(SyncOutcome).where(
            SyncOutcome.run_id == report.run_id, SyncOutcome.outcome == OutcomeKind.REJECTED
        )
    ).all()
    assert [(r.stix_id, r.reason) for r in rejected] == [
        (indicator(1, label=None)["id"], "pattern not allowed here")
    ]
    headers = token_for(world.org_admin)
    letters = client.get(f"{BASE}/peers/{setup.peer.id}/dead-letters", headers=headers).json()
    assert [(item["reason"], item["attempts"]) for item in letters] == [
        ("pattern not allowed here", 1)
    ]
    outcomes = client.get(
        f"{BASE}/runs/{report.run_id}/outcomes?outcome=rejected", headers=headers
    ).json()
    assert outcomes[0]["reason"] == "pattern not allowed here"
    page = client.get(f"/federation/peers/{setup.peer.id}?run={report.run_id}", headers=headers)
    assert page.status_code == 200
    assert "pattern not allowed here" in page.text
    # A person retries: queued for the worker; run here directly against the real peer.
    assert (
        client.post(f"{BASE}/dead-letters/{letters[0]['id']}/retry", headers=headers).status_code
        == 202
    )
    assert db.scalars(select(Job).where(Job.kind == "federation.sync_due")).first() is not None
    retried = sync.retry_dead_letter(
        session_factory, dead_letter_id=letters[0]["id"], client_factory=client_factory
    )
    assert retried.ok, retried.error
    db.expire_all()
    letter = db.get(DeadLetter, letters[0]["id"])
    assert letter is not None
    assert letter.resolved_at is not None
    assert client.get(f"{BASE}/peers/{setup.peer.id}/dead-letters", headers=headers).json() == []


def test_sync_now_is_queued_and_the_worker_runs_it(
    db: Session,
    session_factory: sessionmaker[Session],
    setup: Setup,
    client: TestClient,
    token_for: TokenFor,
) -> None:
    headers = token_for(setup.world.org_admin)
    assert client.post(f"{BASE}/peers/{setup.peer.id}/sync", headers=headers).status_code == 202
    job = db.scalars(select(Job).where(Job.kind == "federation.sync_due")).first()
    assert job is not None
    assert job.payload == {"peer_id": setup.peer.id}
    assert sync.has_due_work(db)
    page = client.get("/federation/peers", headers=headers)
    assert page.status_code == 200
    assert "mycert-node" in page.text


@pytest.mark.parametrize("url", ["http://[x/taxii2/", "https://x.example:99999/", "ftp://x/"])
def test_an_api_root_that_is_no_url_is_refused_by_name(url: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_url(url)
    assert refused.value.problems[0].field == "api_root_url"
