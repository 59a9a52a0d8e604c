"""/metrics: who may read it, request metrics by route template, the queues from the database."""

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from aseancyber.access.models import OrganisationKind
from aseancyber.db import utcnow
from aseancyber.federation.models import Peer, PeerAuth, RunState, SyncRun
from aseancyber.jobs.models import Job, JobStatus
from aseancyber.notify.models import EmailStatus, OutboundEmail
from tests import factories

TOKEN = "metrics-token-" + "x" * 32


@pytest.fixture
def scraper(app: FastAPI) -> dict[str, str]:
    app.state.settings = app.state.settings.model_copy(update={"metrics_token": TOKEN})
    return {"Authorization": f"Bearer {TOKEN}"}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def requests_counted(route: str, status: str, method: str = "GET") -> float:
    labels = {"method": method, "route": route, "status": status}
    return REGISTRY.get_sample_value("aseancyber_http_requests_total", labels) or 0.0


def test_metrics_are_off_until_a_token_is_configured(client: TestClient) -> None:
    response = client.get("/metrics", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_metrics_need_the_configured_token(client: TestClient, scraper: dict[str, str]) -> None:
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer " + "y" * 46})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert "aseancyber_" not in wrong.text
    right = client.get("/metrics", headers=scraper)
    assert right.status_code == 200
    assert right.headers["content-type"].startswith("text/plain; version=")


def test_a_short_metrics_token_is_refused_and_an_empty_one_is_unset(app: FastAPI) -> None:
    settings = app.state.settings
    with pytest.raises(ValueError, match="at least 32"):
        type(settings)(**(settings.model_dump() | {"metrics_token": "short"}))
    assert type(settings)(**(settings.model_dump() | {"metrics_token": ""})).metrics_token is None


def test_requests_are_counted_by_route_template_never_by_raw_path(
    client: TestClient, db: Session, scraper: dict[str, str]
) -> None:
    factories.make_state(db, "SG")
    route = "/api/v1/member-states/{iso2}"
    before_ok, before_missing = requests_counted(route, "200"), requests_counted(route, "404")
    before_unmatched = requests_counted("unmatched", "404")
    assert client.get("/api/v1/member-states/SG").status_code == 200
    assert client.get("/api/v1/member-states/ZZ").status_code == 404
    assert client.get("/no/such/page/42").status_code == 404
    assert requests_counted(route, "200") == before_ok + 1
    assert requests_counted(route, "404") == before_missing + 1
    assert requests_counted("unmatched", "404") == before_unmatched + 1
    text = client.get("/metrics", headers=scraper).text
    assert 'route="/api/v1/member-states/{iso2}"' in text
    assert "aseancyber_http_request_duration_seconds_bucket" in text
    assert "/member-states/SG" not in text
    assert "/no/such/page" not in text


def test_an_unknown_method_is_one_label_value(client: TestClient) -> None:
    before = requests_counted("/healthz", "405", method="OTHER")
    client.request("BREW", "/healthz")
    assert requests_counted("/healthz", "405", method="OTHER") == before + 1


def test_the_request_id_is_echoed_when_plain_and_replaced_when_not(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == (
        "abc-123"
    )
    replaced = client.get("/healthz", headers={"X-Request-ID": "<script>"}).headers["x-request-id"]
    assert replaced != "<script>"
    assert len(replaced) == 32


def test_queues_jobs_and_federation_are_read_from_the_database(
    client: TestClient, db: Session, scraper: dict[str, str]
) -> None:
    now = utcnow()
    db.add_all(
        [
            Job(kind="email.send", run_after=now - timedelta(minutes=10)),
            Job(kind="email.send", attempts=2, last_error="refused"),
            Job(kind="federation.sync", status=JobStatus.FAILED, attempts=5),
            Job(kind="federation.sync", status=JobStatus.DONE),
            OutboundEmail(to_address="a@example.org", subject="s", body="b"),
            OutboundEmail(
                to_address="b@example.org", subject="s", body="b", status=EmailStatus.FAILED
            ),
        ]
    )
    org = factories.make_org(db, kind=OrganisationKind.NATIONAL_CERT)
    peer = Peer(
        name="node-my",
        api_root_url="https://node.example.org/taxii2/api/",
        auth=PeerAuth.BEARER,
        secret_encrypted="not-read-here",
        owner_organisation_id=org.id,
        organisation_id=org.id,
        last_success_at=now - timedelta(hours=2),
        consecutive_failures=3,
    )
    db.add(peer)
    db.flush()
    db.add_all(
        [
            SyncRun(peer_id=peer.id, state=RunState.SUCCEEDED, pulled=5, rejected=1),
            SyncRun(peer_id=peer.id, state=RunState.SUCCEEDED, pulled=2, pushed=4, withheld=3),
        ]
    )
    db.commit()

    found = samples(client.get("/metrics", headers=scraper).text)

    assert found[("aseancyber_database_up", ())] == 1
    assert found[("aseancyber_jobs", (("kind", "email.send"), ("status", "queued")))] == 2
    assert found[("aseancyber_jobs", (("kind", "federation.sync"), ("status", "failed")))] == 1
    assert ("aseancyber_jobs", (("kind", "federation.sync"), ("status", "done"))) not in found
    assert found[("aseancyber_jobs_retrying", (("kind", "email.send"),))] == 1
    assert found[("aseancyber_job_oldest_due_seconds", ())] >= 600
    assert found[("aseancyber_email_queue", (("status", "queued"),))] == 1
    assert found[("aseancyber_email_queue", (("status", "failed"),))] == 1
    lag = found[("aseancyber_federation_sync_lag_seconds", (("peer", "node-my"),))]
    assert 7200 <= lag < 7200 + 300
    assert found[("aseancyber_federation_consecutive_failures", (("peer", "node-my"),))] == 3
    outcomes = {
        outcome: found[
            ("aseancyber_federation_objects_total", (("outcome", outcome), ("peer", "node-my")))
        ]
        for outcome in ("pulled", "pushed", "rejected", "withheld")
    }
    assert outcomes == {"pulled": 7, "pushed": 4, "rejected": 1, "withheld": 3}
