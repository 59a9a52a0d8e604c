"""Bad input gets a clear message naming the problem, never a 500, and nothing half-written."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.service import actor_for
from aseancyber.cases.measures import service as measures
from aseancyber.cases.models import Case, Participant
from tests.cases.conftest import Scenario
from tests.readers import TokenFor


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("", {"version": 99, "title": "x"}, 409, "someone else changed this case"),
        ("", {"version": 1, "tlp": "TLP:PURPLE"}, 422, "tlp"),
        ("", {"version": 1, "title": "bad\u0000title"}, 422, "NUL"),
        ("", {"version": 1, "surprise": 1}, 422, "surprise"),
        ("/events", {"event": "Q"}, 422, "event"),
        ("/embargo", {"action": "propose"}, 422, "is needed to propose"),
        ("/embargo", {"action": "propose", "ends_at": "2020-01-01T00:00:00Z"}, 422, "future"),
        ("/embargo", {"action": "propose", "ends_at": "2030-01-01T00:00:00"}, 422, "ends_at"),
        ("/embargo", {"action": "accept"}, 422, "no embargo proposal"),
        ("/vulnerabilities", {"title": "x", "cvss_vector": "CVSS:4.0/AV:Q"}, 422, "CVSS 4.0"),
        ("/vulnerabilities", {"title": "x", "cve": "CVE-12"}, 422, "cve"),
        (
            "/vulnerabilities",
            {"title": "x", "ssvc": {"table": "deployer", "inputs": {"exposure": "huge"}}},
            422,
            "exposure",
        ),
        ("/participants", {"role": "vendor"}, 422, "name an organisation"),
        ("/participants", {"role": "vendor", "organisation_id": "nope"}, 422, "directory"),
        ("/participants", {"role": "vendor", "email": "new@x.example"}, 422, "no account"),
        ("/messages", {"body": "x", "audience": "participant"}, 422, "name the participant"),
        ("/messages", {"body": "x", "thread_id": "nope"}, 404, "no such thread"),
        ("/messages", {"body": ""}, 422, "body"),
        ("/products", {"vendor_name": "v", "product_name": "p", "cpe": "nope"}, 422, "cpe"),
    ],
)
def test_bad_requests_are_refused_with_the_reason(
    *,
    path: str,
    body: dict[str, object],
    status: int,
    message: str,
    scenario: Scenario,
    client: TestClient,
    token_for: TokenFor,
    db: Session,
) -> None:
    rest = scenario.rest(client, token_for, scenario.sg)
    url = f"/api/v1/cases/{scenario.case.id}{path}"
    cases_before = db.scalar(select(func.count()).select_from(Case))
    response = rest.patch(url, json=body) if path == "" else rest.post(url, json=body)
    assert response.status_code == status, response.text
    assert message in response.text
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Case)) == cases_before


def test_unknown_and_hostile_ids_are_not_found(
    scenario: Scenario, client: TestClient, token_for: TokenFor
) -> None:
    rest = scenario.rest(client, token_for, scenario.sg)
    base = f"/api/v1/cases/{scenario.case.id}"
    for url in (
        "/api/v1/cases/nope",
        "/api/v1/cases/" + "x" * 300,
        f"{base}/participants/nope/events",
        f"{base}/attachments/..%2F..%2Fetc%2Fpasswd",
    ):
        response = (
            rest.get(url)
            if "attachments" in url or url.count("/") == 4
            else rest.post(url, json={"event": "V"})
        )
        assert response.status_code == 404, (url, response.text)


def test_viewers_and_non_coordinators_are_refused(
    scenario: Scenario, client: TestClient, token_for: TokenFor
) -> None:
    vendor = scenario.rest(client, token_for, scenario.vendor_users[0])
    base = f"/api/v1/cases/{scenario.case.id}"
    response = vendor.post(f"{base}/embargo", json={"action": "end"})
    assert response.status_code == 403
    assert "only the case's coordinators" in response.text
    handover = vendor.patch(
        f"{base}/participants/{scenario.vendor_seats[0].id}",
        json={"version": 1, "role": "coordinator"},
    )
    assert handover.status_code == 403


def test_hand_over_between_coordinators(
    scenario: Scenario, client: TestClient, token_for: TokenFor, db: Session
) -> None:
    sg = scenario.rest(client, token_for, scenario.sg)
    base = f"/api/v1/cases/{scenario.case.id}"
    seats = sg.get(base).json()["participants"]
    sg_seat = next(p for p in seats if p["organisation_id"] == scenario.sg_cert.id)
    my_seat = next(p for p in seats if p["organisation_id"] == scenario.my_cert.id)
    stepped = sg.patch(
        f"{base}/participants/{sg_seat['id']}",
        json={"version": sg_seat["version"], "role": "other_cert"},
    )
    assert stepped.status_code == 200, stepped.text
    my = scenario.rest(client, token_for, scenario.my)
    last = my.patch(
        f"{base}/participants/{my_seat['id']}",
        json={"version": my_seat["version"], "role": "other_cert"},
    )
    assert last.status_code == 422
    assert "at least one coordinator" in last.text
    assert my.get(base).json()["you_coordinate"] is True
    assert sg.get(base).json()["you_coordinate"] is False
    assert (db.scalar(select(func.count()).select_from(Participant)) or 0) >= 6


def test_evidence_for_state_gives_aggregates_only(db: Session, scenario: Scenario) -> None:
    from aseancyber.cases import service  # noqa: PLC0415 - the public entry point

    evidence = service.evidence_for_state(
        db, reader=actor_for(scenario.sg), member_state_id=scenario.sg_cert.member_state_id or ""
    )
    assert evidence["norm"] == "j"
    assert evidence["cases"] == 1  # SingCERT coordinates the flagship case only
    text = str(evidence)
    assert scenario.case.id not in text
    assert scenario.case.title not in text
    my_state = scenario.my_cert.member_state_id or ""
    my_evidence = measures.evidence_for_state(
        db, reader=actor_for(scenario.my), member_state_id=my_state
    )
    assert my_evidence["cases"] == 2  # MyCERT co-coordinates and runs the other case
    # A reader outside both cases counts neither: hidden cases are never counted.
    outside = measures.evidence_for_state(
        db, reader=actor_for(scenario.outsider), member_state_id=my_state
    )
    assert outside["cases"] < my_evidence["cases"]
