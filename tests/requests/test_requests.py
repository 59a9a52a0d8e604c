"""Cross-border requests: required fields by kind, the life of a request, its deadlines with
a controllable clock, the dashboard's aggregates, pages, and the evidence for the norms."""

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import Role
from aseancyber.db import set_clock
from aseancyber.notify.models import Notification, NotificationKind
from aseancyber.requests import workflow
from aseancyber.requests.models import CrossBorderRequest, RequestStatus
from aseancyber.settings import Settings
from tests.factories import actor
from tests.readers import BrowserFor, TokenFor, World, make_user

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)

PRESERVATION: dict[str, Any] = {
    "kind": "preservation",
    "subject": "Preserve mailbox used in BEC fraud",
    "requesting_contact": "SPF 24/7 desk, +65 6000 0000, desk@example.org",
    "case_reference": "SPF-2026-0412",
    "offence": "Fraud by business e-mail compromise (Penal Code s 420)",
    "facts_summary": "Invoices redirected to a mule account; the attacker used a webmail account.",
    "data_to_preserve": "Subscriber data, login IP logs and stored e-mail of the account",
    "identifiers": "attacker@mail.example.net; 203.0.113.7 at 2026-05-30T03:14Z (UTC)",
    "custodian": "Example Mail Services",
    "custodian_location": "Manila, Philippines",
    "urgency_reason": "The provider deletes logs after 30 days.",
    "mla_will_follow": True,
    "preservation_days": 90,
    "confidentiality": "Do not notify the account holder.",
}


def _create(client: TestClient, headers: dict[str, str], world: World, **fields: Any) -> Any:
    body = {**PRESERVATION, "receiving_organisation_id": world.recipient_org.id, **fields}
    return client.post("/api/v1/requests", json=body, headers=headers)


def _move(client: TestClient, headers: dict[str, str], request_id: str, **body: Any) -> Any:
    return client.post(f"/api/v1/requests/{request_id}/transitions", json=body, headers=headers)


def test_a_request_missing_a_field_its_kind_requires_is_refused_naming_it(
    client: TestClient, world: World, token_for: TokenFor
) -> None:
    headers = token_for(world.author)
    for field in ("custodian", "identifiers", "urgency_reason", "case_reference"):
        response = _create(client, headers, world, **{field: ""})
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert (
        _create(client, headers, world, mla_will_follow=False).json()["errors"][0]["field"]
        == "mla_will_follow"
    )
    short = _create(client, headers, world, preservation_days=30)
    assert short.status_code == 422
    assert "preservation_days" in short.text
    info = client.post(
        "/api/v1/requests",
        json={
            "kind": "information",
            "subject": "Logs",
            "receiving_organisation_id": world.recipient_org.id,
        },
        headers=headers,
    )
    assert info.status_code == 422
    assert info.json()["errors"][0]["field"] == "body"
    own = _create(client, headers, world, receiving_organisation_id=world.owner_org.id)
    assert own.status_code == 422
    assert "another member state" in own.text
    vendor = _create(client, headers, world, receiving_organisation_id=world.external_org.id)
    assert vendor.status_code == 422
    unknown = _create(client, headers, world, receiving_organisation_id="nope")
    assert unknown.status_code == 422
    assert "receiving_organisation_id" in unknown.text


def test_a_preservation_request_goes_from_draft_to_closed_with_its_timers(
    client: TestClient, db: Session, world: World, token_for: TokenFor, settings: Settings
) -> None:
    requester, receiver = token_for(world.author), token_for(world.recipient)
    set_clock(lambda: T0)
    draft = _create(client, requester, world, emergency=True)
    assert draft.status_code == 201, draft.text
    request_id = draft.json()["id"]
    assert draft.json()["tlp"] == "TLP:AMBER+STRICT"
    assert draft.json()["status"] == "draft"
    # A draft is the requester's alone.
    assert client.get(f"/api/v1/requests/{request_id}", headers=receiver).status_code == 404

    impossible = _move(client, requester, request_id, status="answered", answer="x")
    assert impossible.status_code == 422
    assert "a draft request cannot become answered" in impossible.json()["detail"]

    sent = _move(client, requester, request_id, status="sent")
    assert sent.status_code == 200
    due = datetime.fromisoformat(sent.json()["ack_due_at"])
    assert due == T0 + timedelta(hours=settings.request_emergency_ack_hours)
    assert client.get(f"/api/v1/requests/{request_id}", headers=receiver).status_code == 200
    assert (
        client.get(
            f"/api/v1/requests/{request_id}", headers=token_for(world.other_state)
        ).status_code
        == 404
    )
    told = db.scalars(select(Notification).where(Notification.user_id == world.recipient.id)).all()
    assert [n.kind for n in told] == [NotificationKind.REQUEST]
    assert "EMERGENCY" in told[0].title

    assert _move(client, requester, request_id, status="acknowledged").status_code == 403
    set_clock(lambda: T0 + timedelta(hours=1))
    assert _move(client, receiver, request_id, status="acknowledged").status_code == 200
    assert _move(client, receiver, request_id, status="in_progress").status_code == 200
    no_outcome = _move(client, receiver, request_id, status="answered", answer="Done")
    assert no_outcome.status_code == 422
    assert "outcome" in no_outcome.text
    set_clock(lambda: T0 + timedelta(hours=5))
    answered = _move(
        client,
        receiver,
        request_id,
        status="answered",
        answer="Preserved for 90 days.",
        outcome="preserved",
    )
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["outcome"] == "preserved"
    assert datetime.fromisoformat(body["acknowledged_at"]) == T0 + timedelta(hours=1)
    assert datetime.fromisoformat(body["answered_at"]) == T0 + timedelta(hours=5)
    assert _move(client, receiver, request_id, status="closed").status_code == 403
    mla = client.patch(
        f"/api/v1/requests/{request_id}",
        json={"version": body["version"], "mla_reference": "MLA/SG/2026/77"},
        headers=requester,
    )
    assert mla.status_code == 200
    assert mla.json()["mla_reference"] == "MLA/SG/2026/77"
    locked = client.patch(
        f"/api/v1/requests/{request_id}",
        json={"version": mla.json()["version"], "subject": "changed"},
        headers=requester,
    )
    assert locked.status_code == 422
    assert "subject" in locked.text
    set_clock(lambda: T0 + timedelta(hours=6))
    closed = _move(client, requester, request_id, status="closed")
    assert closed.status_code == 200
    assert [m["event"] for m in closed.json()["messages"]] == [
        "sent",
        "acknowledged",
        "in_progress",
        "answered",
        "closed",
    ]
    after = _move(client, requester, request_id, status="sent")
    assert after.status_code == 422
    assert "from closed it can become: nothing" in after.text
    evidence = workflow.evidence_for_state(
        db, reader=actor(world.recipient), member_state_id=world.recipient_org.member_state_id or ""
    )
    assert evidence == {
        "requests_received": 1,
        "requests_answered": 1,
        "median_hours_to_answer": 5.0,
        "assistance_requests_answered": 0,
        "cybercrime_requests_handled": 1,
    }


def test_refusing_needs_grounds_and_withdrawing_is_the_requesters(
    client: TestClient, world: World, token_for: TokenFor
) -> None:
    requester, receiver = token_for(world.author), token_for(world.recipient)
    request_id = _create(client, requester, world, send=True).json()["id"]
    assert _move(client, receiver, request_id, status="refused").status_code == 422
    assert _move(client, receiver, request_id, status="withdrawn").status_code == 403
    refused = _move(
        client, receiver, request_id, status="refused", refusal_grounds="Dual criminality not met."
    )
    assert refused.status_code == 200
    assert refused.json()["outcome"] == "refused"
    other = _create(client, requester, world, send=True).json()["id"]
    assert _move(client, requester, other, status="withdrawn").status_code == 200
    assert (
        client.post(
            f"/api/v1/requests/{other}/messages", json={"body": "hello"}, headers=receiver
        ).status_code
        == 422
    )


def test_deadlines_remind_then_escalate_with_the_clock(
    db: Session, client: TestClient, world: World, token_for: TokenFor, settings: Settings
) -> None:
    admin = make_user(db, world.recipient_org, Role.ORGANISATION_ADMIN)
    db.commit()
    set_clock(lambda: T0)
    request_id = _create(client, token_for(world.author), world, send=True).json()["id"]
    hours = settings.request_ack_hours["preservation"]

    def deadline_notes() -> list[tuple[str, str]]:
        rows = db.scalars(
            select(Notification).where(Notification.kind == NotificationKind.REQUEST_DEADLINE)
        )
        return sorted((n.user_id, n.title.split(":")[0]) for n in rows)

    set_clock(lambda: T0 + timedelta(hours=hours - 1))
    assert not workflow.has_deadlines(db)
    workflow.run_deadlines(db, {})
    assert deadline_notes() == []

    set_clock(lambda: T0 + timedelta(hours=hours, minutes=1))
    assert workflow.has_deadlines(db)
    workflow.run_deadlines(db, {})
    workflow.run_deadlines(db, {})
    assert deadline_notes() == sorted([(admin.id, "Overdue"), (world.recipient.id, "Overdue")])
    listed = client.get("/api/v1/requests", headers=token_for(world.recipient)).json()["items"]
    assert listed[0]["overdue"] is True

    set_clock(
        lambda: T0 + timedelta(hours=hours + settings.request_escalate_after_hours, minutes=1)
    )
    workflow.run_deadlines(db, {})
    assert (admin.id, "Escalation") in deadline_notes()
    assert (world.recipient.id, "Escalation") not in deadline_notes()
    assert not workflow.has_deadlines(db)
    request = db.get(CrossBorderRequest, request_id)
    assert request is not None
    assert request.status is RequestStatus.SENT


def test_the_dashboard_counts_only_the_requests_the_reader_may_see(
    client: TestClient, db: Session, world: World, token_for: TokenFor
) -> None:
    set_clock(lambda: T0)
    mine = _create(client, token_for(world.author), world, send=True).json()["id"]
    # A request between two other organisations the recipient has nothing to do with.
    hidden = _create(
        client,
        token_for(world.other_state),
        world,
        receiving_organisation_id=world.recipient_user_org.id,
        send=True,
    )
    assert hidden.status_code == 201
    set_clock(lambda: T0 + timedelta(hours=2))
    _move(client, token_for(world.recipient), mine, status="acknowledged")

    board = client.get("/api/v1/requests/dashboard", headers=token_for(world.recipient)).json()
    assert [
        (r["requests"], r["acknowledged"], r["median_hours_to_acknowledge"])
        for r in board["by_kind"]
    ] == [(1, 1, 2.0)]
    assert len(board["by_state"]) == 1
    coordinator = client.get(
        "/api/v1/requests/dashboard", headers=token_for(world.coordinator)
    ).json()
    assert coordinator["by_kind"] == []
    assert coordinator["by_state"] == []
    assert "Preserve mailbox" not in str(board)
    anonymous = client.get("/api/v1/requests/dashboard").json()
    assert anonymous["by_kind"] == []


def test_the_pages_draft_send_answer_and_show_the_thread(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    requester = browser_for(world.author)
    form = requester.client.get("/requests/new?kind=preservation")
    assert form.status_code == 200
    assert "Budapest Convention" in form.text
    missing = requester.client.post(
        "/requests/new",
        data={
            "csrf_token": requester.csrf,
            "action": "send",
            "kind": "preservation",
            "subject": "X",
            "receiving_organisation_id": world.recipient_org.id,
        },
    )
    assert missing.status_code == 422
    assert "the custodian or service provider" in missing.text
    data = {k: ("true" if v is True else str(v)) for k, v in PRESERVATION.items()}
    sent = requester.client.post(
        "/requests/new",
        data={
            **data,
            "csrf_token": requester.csrf,
            "action": "send",
            "receiving_organisation_id": world.recipient_org.id,
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    location = sent.headers["location"]
    receiver = browser_for(world.recipient)
    page = receiver.client.get(location)
    assert page.status_code == 200
    assert "Acknowledge by" in page.text
    assert "Acknowledge" in page.text
    acked = receiver.client.post(
        location + "/transition", data={"csrf_token": receiver.csrf, "status": "acknowledged"}
    )
    assert "The request is now acknowledged" in acked.text
    wrong = receiver.client.post(
        location + "/transition", data={"csrf_token": receiver.csrf, "status": "closed"}
    )
    assert "cannot become closed" in wrong.text
    talk = receiver.client.post(
        location + "/messages", data={"csrf_token": receiver.csrf, "body": "Provider contacted."}
    )
    assert "Provider contacted." in talk.text
    answered = receiver.client.post(
        location + "/transition",
        data={
            "csrf_token": receiver.csrf,
            "status": "answered",
            "answer": "Preserved.",
            "outcome": "preserved",
        },
    )
    assert "now answered" in answered.text
    assert "h after sending" in answered.text
    assert "Preserve mailbox" in requester.client.get("/requests").text
    assert "Preserve mailbox" not in browser_for(world.other_state).client.get("/requests").text
    assert browser_for(world.other_state).client.get(location).status_code == 404
    assert "Response times" in receiver.client.get("/requests/dashboard").text
