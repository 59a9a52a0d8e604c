"""The issue's "done when": two states' CERTs coordinate a case with three vendors and a CI
operator through an embargo to a published, validated CSAF advisory, over REST."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aseancyber.db import set_clock
from aseancyber.notify.models import Notification, OutboundEmail
from tests.cases.conftest import Scenario
from tests.readers import TokenFor

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
VECTOR = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def test_two_cert_coordination_to_a_published_advisory(
    scenario: Scenario, client: TestClient, token_for: TokenFor, db: Session
) -> None:
    clock = [NOW]
    set_clock(lambda: clock[0])
    sg = scenario.rest(client, token_for, scenario.sg)
    my = scenario.rest(client, token_for, scenario.my)
    vendor = [scenario.rest(client, token_for, user) for user in scenario.vendor_users]
    operator = scenario.rest(client, token_for, scenario.operator_user)
    case_url = f"/api/v1/cases/{scenario.case.id}"
    seat = [p.id for p in scenario.vendor_seats]

    detail = sg.get(case_url).json()
    assert detail["participant_count"] == 6
    assert detail["you_coordinate"] is True
    assert my.get(case_url).json()["you_coordinate"] is True

    # Embargo: proposed by one coordinator; it becomes active only when every participant
    # accepted (a rejection holds it, with its reason), times in UTC.
    ends = NOW + timedelta(days=30)
    response = my.post(
        f"{case_url}/embargo", json={"action": "propose", "ends_at": ends.isoformat()}
    )
    assert response.status_code == 200, response.text
    rejected = vendor[0].post(
        f"{case_url}/participants/{seat[0]}/embargo-response",
        json={"response": "rejected", "reason": "our release train ships in 40 days"},
    )
    assert rejected.status_code == 200, rejected.text
    early = sg.post(f"{case_url}/embargo", json={"action": "accept"})
    assert early.status_code == 422
    assert "our release train ships in 40 days" in early.text
    sg_seat = next(
        p["id"]
        for p in sg.get(f"{case_url}/participants?limit=50").json()["items"]
        if p["organisation_id"] == scenario.sg_cert.id
    )
    answers = [
        (sg, sg_seat),
        *((client_, seat[n]) for n, client_ in enumerate(vendor)),
        (operator, scenario.operator_seat.id),
    ]
    for client_, participant_id in answers:
        answer = client_.post(
            f"{case_url}/participants/{participant_id}/embargo-response",
            json={"response": "accepted"},
        )
        assert answer.status_code == 200, answer.text
    assert sg.get(case_url).json()["embargo_state"] == "active"

    # Vendors record their own V and F; F before V and editing another vendor are refused.
    refused = vendor[1].post(f"{case_url}/participants/{seat[1]}/events", json={"event": "F"})
    assert refused.status_code == 422
    assert "cannot come before vendor aware (V)" in refused.text
    other = vendor[1].post(f"{case_url}/participants/{seat[0]}/events", json={"event": "V"})
    assert other.status_code == 403
    assert "a vendor records only its own status" in other.text
    for n, client_ in enumerate(vendor):
        clock[0] += timedelta(days=1)
        assert (
            client_.post(
                f"{case_url}/participants/{seat[n]}/events", json={"event": "V"}
            ).status_code
            == 200
        )
    for n, client_ in enumerate(vendor):
        clock[0] += timedelta(days=3)
        assert (
            client_.post(
                f"{case_url}/participants/{seat[n]}/events", json={"event": "F"}
            ).status_code
            == 200
        )
        clock[0] += timedelta(days=1)
        assert (
            client_.post(
                f"{case_url}/participants/{seat[n]}/events", json={"event": "D"}
            ).status_code
            == 200
        )

    # A product per vendor, a scored vulnerability, and statuses set by each vendor.
    products = []
    for n, client_ in enumerate(vendor):
        response = client_.post(
            f"{case_url}/products",
            json={
                "vendor_name": f"Vendor {n}",
                "product_name": "GridGate",
                "version_range": "vers:generic/>=2.0|<2.4",
                "cpe": f"cpe:2.3:h:vendor{n}:gridgate:*:*:*:*:*:*:*:*",
                "vendor_participant_id": seat[n],
            },
        )
        assert response.status_code == 201, response.text
        products.append(response.json()["id"])
    detail = sg.post(
        f"{case_url}/vulnerabilities",
        json={
            "title": "Stack buffer overflow in the Modbus parser",
            "cve": "CVE-2026-12345",
            "cwe": "CWE-121",
            "cwe_name": "Stack-based Buffer Overflow",
            "description": "A crafted Modbus frame overflows a stack buffer.",
            "remediation": "Update the firmware to 2.4.",
            "cvss_vector": VECTOR,
            "ssvc": {
                "table": "deployer",
                "inputs": {
                    "exploitation": "poc",
                    "exposure": "open",
                    "automatable": "yes",
                    "human_impact": "very high",
                },
            },
            "epss_score": 0.12,
        },
    ).json()
    vulnerability = detail["vulnerabilities"][0]
    assert vulnerability["cvss_score"] == 9.3
    assert vulnerability["ssvc_decision"] == "out-of-cycle"  # published row 48
    for n, client_ in enumerate(vendor):
        response = client_.post(
            f"{case_url}/vulnerabilities/{vulnerability['id']}/status",
            json={"product_id": products[n], "status": "fixed" if n else "known_affected"},
        )
        assert response.status_code == 204, response.text
    cross = vendor[0].post(
        f"{case_url}/vulnerabilities/{vulnerability['id']}/status",
        json={"product_id": products[1], "status": "known_not_affected"},
    )
    assert cross.status_code == 403
    assert "belongs to another vendor" in cross.text

    # A coordinators-only message: the vendors and the operator never read it anywhere.
    db.execute(delete(OutboundEmail))
    db.commit()
    secret = my.post(
        f"{case_url}/messages",
        json={"body": "zanzibar: coordinators only", "audience": "coordinators"},
    )
    assert secret.status_code == 201, secret.text
    public = sg.post(f"{case_url}/messages", json={"body": "zanzibar: for everyone"})
    assert public.status_code == 201
    for reader in (*vendor, operator):
        bodies = [m["body"] for m in reader.get(f"{case_url}/messages").json()["items"]]
        assert bodies == ["zanzibar: for everyone"]
        searched = reader.get(f"{case_url}/messages", params={"q": "coordinators"}).json()
        assert searched["items"] == []
        assert "coordinators only" not in reader.get(f"{case_url}/messages/export").text
    assert len(sg.get(f"{case_url}/messages").json()["items"]) == 2
    mails = db.scalars(select(OutboundEmail)).all()
    vendor_addresses = {u.email for u in (*scenario.vendor_users, scenario.operator_user)}
    secret_mails = [m for m in mails if "coordinators only" in m.body]
    assert secret_mails
    assert not {m.to_address for m in secret_mails} & vendor_addresses
    assert all(f"[{scenario.case.reference}]" in m.subject for m in mails)
    inbox = db.scalars(
        select(Notification).where(Notification.user_id == scenario.vendor_users[0].id)
    ).all()
    assert not [n for n in inbox if "coordinators only" in n.body]

    # A vendor of another case sees nothing of this one.
    outsider = scenario.rest(client, token_for, scenario.outsider)
    assert outsider.get(case_url).status_code == 404
    assert outsider.get(f"{case_url}/messages").status_code == 404
    assert scenario.case.id not in outsider.get("/api/v1/cases").text

    # The advisory: publishing is refused during the embargo, then P ends it.
    draft = sg.post(
        f"{case_url}/advisories", json={"publish_tlp": "TLP:CLEAR", "summary": "Fixed in 2.4."}
    ).json()
    approved = sg.post(f"{case_url}/advisories/{draft['id']}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "draft"  # MyCERT has not approved yet
    waiting = sg.get(f"{case_url}/advisories/{draft['id']}/approvals").json()
    assert [p["name"] for p in waiting["pending"]] == ["Case MyCERT"]
    assert my.post(f"{case_url}/advisories/{draft['id']}/approve").json()["status"] == "approved"
    blocked = sg.post(f"{case_url}/advisories/{draft['id']}/publish")
    assert blocked.status_code == 422
    assert "embargo is active" in blocked.text
    clock[0] += timedelta(days=2)
    detail = vendor[2].post(f"{case_url}/events", json={"event": "P"}).json()
    assert detail["embargo_state"] == "exited"
    published = sg.post(f"{case_url}/advisories/{draft['id']}/publish")
    assert published.status_code == 200, published.text
    assert published.json()["tlp"] == "TLP:CLEAR"

    # Public in the provider's WHITE folder, for anonymous readers too.
    index = client.get("/.well-known/csaf/white/index.txt").text.split()
    assert len(index) == 1
    document = client.get(f"/.well-known/csaf/white/{index[0]}").json()
    assert document["document"]["distribution"]["tlp"]["label"] == "WHITE"
    assert document["vulnerabilities"][0]["cve"] == "CVE-2026-12345"
    assert client.get(f"/api/v1/advisories/{draft['id']}").status_code == 200
    assert client.get(case_url).status_code == 404  # the case itself stays AMBER

    # The measures: a good history (V, F, D before P).
    measures = sg.get("/api/v1/cases/measures").json()
    assert measures["good_histories"] >= 1
    assert measures["vendor_aware_to_fix_ready"]["count"] == 3
