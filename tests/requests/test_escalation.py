"""Missed deadlines reach someone who can act (the organisation's administrators, or the
state's national focal point and the Secretariat desk), the answer deadline, and the
preservation period with its renewal prompt, driven through the API with a set clock."""

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import OrganisationKind, Role, User
from aseancyber.audit.models import AuditEntry
from aseancyber.contacts.models import ContactKind
from aseancyber.db import set_clock
from aseancyber.notify.models import Notification, NotificationKind, OutboundEmail
from aseancyber.requests import workflow
from aseancyber.settings import Settings
from tests.contacts.helpers import add_contact
from tests.factories import make_org
from tests.readers import BrowserFor, TokenFor, World, make_user
from tests.requests.test_requests import PRESERVATION, T0, _create, _move


def _notes(db: Session, user: User) -> list[Notification]:
    return list(
        db.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at, Notification.id)
        )
    )


def _focal_point(db: Session, world: World) -> tuple[User, str]:
    """A national cyber agency of the receiving state, whose admin keeps its focal point."""
    state = world.recipient_org.member_state
    assert state is not None
    agency = make_org(db, kind=OrganisationKind.NATIONAL_CYBER_AGENCY, state=state)
    admin = make_user(db, agency, Role.ORGANISATION_ADMIN)
    contact = add_contact(db, admin, "National Focal Point", kind=ContactKind.TECHNICAL)
    contact.focal_point = True
    add_contact(db, admin, "Another Desk")  # not the focal point: never told
    db.flush()
    return admin, contact.email


def test_escalation_with_no_organisation_admin_reaches_the_focal_point_and_the_desk(
    *,
    db: Session,
    client: TestClient,
    world: World,
    token_for: TokenFor,
    browser_for: BrowserFor,
    settings: Settings,
) -> None:
    # The receiving organisation has a contributor and no administrator at all.
    focal_admin, focal_email = _focal_point(db, world)
    db.commit()
    set_clock(lambda: T0)
    created = _create(client, token_for(world.author), world, send=True)
    assert created.status_code == 201
    request_id = created.json()["id"]
    subject = PRESERVATION["subject"]
    hours = settings.request_ack_hours["preservation"]

    set_clock(lambda: T0 + timedelta(hours=hours, minutes=1))
    workflow.run_deadlines(db, {})
    assert [n.title.split(":")[0] for n in _notes(db, world.recipient)] == [
        "New 24/7 cybercrime preservation request",
        "Overdue",
    ]
    assert _notes(db, focal_admin) == []  # a reminder is not an escalation

    set_clock(
        lambda: T0 + timedelta(hours=hours + settings.request_escalate_after_hours, minutes=1)
    )
    assert workflow.has_deadlines(db)
    workflow.run_deadlines(db, {})
    workflow.run_deadlines(db, {})  # once only
    db.commit()

    # The focal point's organisation admin and the Secretariat desk are told, without the
    # subject or a link to a request they may not open; the focal point is e-mailed.
    for person in (focal_admin, world.coordinator):
        [note] = _notes(db, person)
        assert note.kind is NotificationKind.REQUEST_DEADLINE
        assert (
            note.title == f"Escalation: a request to {world.recipient_org.name} is not acknowledged"
        )
        assert subject not in note.title + note.body
        assert "no active organisation administrator" in note.body
        assert note.link == ""
        assert (
            client.get(f"/api/v1/requests/{request_id}", headers=token_for(person)).status_code
            == 404
        )
    mailed = db.scalars(select(OutboundEmail).where(OutboundEmail.to_address == focal_email)).all()
    assert len(mailed) == 1
    assert subject not in mailed[0].subject + mailed[0].body
    assert (
        db.scalars(
            select(OutboundEmail).where(OutboundEmail.to_address == "another.desk@example.org")
        ).all()
        == []
    )

    # The requester is told, and sees who it went to, when and why.
    told = [n for n in _notes(db, world.author) if n.title.startswith("Escalated")]
    assert len(told) == 1
    assert "National focal point" in told[0].body
    assert "Secretariat desk" in told[0].body
    read = client.get(f"/api/v1/requests/{request_id}", headers=token_for(world.author)).json()
    [escalation] = read["escalations"]
    assert escalation["deadline"] == "acknowledgement"
    assert escalation["at"].startswith((T0 + timedelta(hours=hours + 24)).date().isoformat())
    assert "no active organisation administrator" in escalation["reason"]
    assert escalation["recipients"][0].startswith("National focal point of")
    assert "National Focal Point" in escalation["recipients"][0]
    assert escalation["recipients"][1] == "ASEAN Secretariat desk (regional coordinators)"
    assert escalation["people_told"] == 3  # the agency's admin, the coordinator, one e-mail
    page = browser_for(world.author).client.get(f"/requests/{request_id}")
    assert 'id="escalations"' in page.text
    assert "National Focal Point" in page.text
    assert "escalated" in page.text


def test_an_organisation_with_an_admin_escalates_to_it_and_the_requester_sees_it(
    db: Session, client: TestClient, world: World, token_for: TokenFor, settings: Settings
) -> None:
    admin = make_user(db, world.recipient_org, Role.ORGANISATION_ADMIN)
    focal_admin, _ = _focal_point(db, world)
    inactive = make_user(db, world.recipient_user_org, Role.ORGANISATION_ADMIN)
    inactive.is_active = False
    db.commit()
    set_clock(lambda: T0)
    request_id = _create(client, token_for(world.author), world, send=True).json()["id"]
    hours = settings.request_ack_hours["preservation"] + settings.request_escalate_after_hours
    set_clock(lambda: T0 + timedelta(hours=hours, minutes=1))
    workflow.run_deadlines(db, {})
    assert any(n.title.startswith("Escalation: the request") for n in _notes(db, admin))
    assert _notes(db, focal_admin) == []
    assert _notes(db, world.coordinator) == []
    read = client.get(f"/api/v1/requests/{request_id}", headers=token_for(world.author)).json()
    assert [e["recipients"] for e in read["escalations"]] == [
        [f"Organisation administrators of {world.recipient_org.name}"]
    ]


def test_the_answer_deadline_is_shown_reminded_and_escalated(
    *,
    db: Session,
    client: TestClient,
    world: World,
    token_for: TokenFor,
    browser_for: BrowserFor,
    settings: Settings,
) -> None:
    admin = make_user(db, world.recipient_org, Role.ORGANISATION_ADMIN)
    db.commit()
    set_clock(lambda: T0)
    body: dict[str, Any] = {"kind": "information", "body": "Which ASN announced it?"}
    request_id = _create(client, token_for(world.author), world, send=True, **body).json()["id"]
    _move(client, token_for(world.recipient), request_id, status="acknowledged")
    days = settings.request_answer_days["information"]
    read = client.get(f"/api/v1/requests/{request_id}", headers=token_for(world.author)).json()
    assert read["answer_due_at"].startswith((T0 + timedelta(days=days)).date().isoformat())
    assert read["answer_overdue"] is False

    set_clock(lambda: T0 + timedelta(days=days, minutes=1))
    assert workflow.has_deadlines(db)
    workflow.run_deadlines(db, {})
    assert [n.title for n in _notes(db, world.recipient) if "answer" in n.title] == [
        f"Overdue: please answer the request {PRESERVATION['subject']}"
    ]
    listed = client.get("/api/v1/requests", headers=token_for(world.author)).json()["items"]
    assert listed[0]["answer_overdue"] is True
    assert listed[0]["overdue"] is False
    page = browser_for(world.author).client.get("/requests")
    assert "answer overdue" in page.text

    set_clock(
        lambda: T0 + timedelta(days=days, hours=settings.request_escalate_after_hours, minutes=1)
    )
    workflow.run_deadlines(db, {})
    assert any("still not answered" in n.title for n in _notes(db, admin))
    read = client.get(f"/api/v1/requests/{request_id}", headers=token_for(world.author)).json()
    assert [e["deadline"] for e in read["escalations"]] == ["answer"]
    assert not workflow.has_deadlines(db)

    # Answered in time, nothing is reminded.
    _move(client, token_for(world.recipient), request_id, status="answered", answer="AS64500")
    listed = client.get("/api/v1/requests", headers=token_for(world.author)).json()["items"]
    assert listed[0]["answer_overdue"] is False


def test_a_preservation_period_is_tracked_prompted_and_renewed_with_an_audit_entry(
    *,
    db: Session,
    client: TestClient,
    world: World,
    token_for: TokenFor,
    browser_for: BrowserFor,
    settings: Settings,
) -> None:
    set_clock(lambda: T0)
    request_id = _create(client, token_for(world.author), world, send=True).json()["id"]
    answered = _move(
        client,
        token_for(world.recipient),
        request_id,
        status="answered",
        answer="Preserved with the provider.",
        outcome="preserved",
    ).json()
    until = T0 + timedelta(days=PRESERVATION["preservation_days"])
    assert answered["preserved_from"].startswith(T0.date().isoformat())
    assert answered["preserved_until"].startswith(until.date().isoformat())
    assert answered["renewal_due"] is False

    notice = settings.preservation_renewal_notice_days
    set_clock(lambda: until - timedelta(days=notice + 1))
    assert not workflow.has_deadlines(db)
    set_clock(lambda: until - timedelta(days=notice))
    assert workflow.has_deadlines(db)
    workflow.run_deadlines(db, {})
    workflow.run_deadlines(db, {})  # prompted once
    for person in (world.author, world.recipient):
        prompts = [n for n in _notes(db, person) if n.title.startswith("Preservation lapses")]
        assert len(prompts) == 1
    page = browser_for(world.author).client.get(f"/requests/{request_id}")
    assert "renewal due" in page.text
    assert 'id="preservation"' in page.text

    headers = token_for(world.author)
    short = client.post(
        f"/api/v1/requests/{request_id}/preservation/renewals", json={"days": 10}, headers=headers
    )
    assert short.status_code == 422
    assert "days" in short.text
    outsider = client.post(
        f"/api/v1/requests/{request_id}/preservation/renewals",
        json={"days": 90},
        headers=token_for(world.other_state),
    )
    assert outsider.status_code == 404
    renewed = client.post(
        f"/api/v1/requests/{request_id}/preservation/renewals", json={"days": 90}, headers=headers
    )
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["preserved_until"].startswith(
        (until + timedelta(days=90)).date().isoformat()
    )
    assert renewed.json()["renewal_due"] is False
    assert renewed.json()["messages"][-1]["event"] == "preservation_renewed"
    assert any(n.title.startswith("Preservation renewed") for n in _notes(db, world.recipient))
    entries = db.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "cross_border_request.preservation_renewed",
            AuditEntry.record_id == request_id,
        )
    ).all()
    assert len(entries) == 1
    assert not workflow.has_deadlines(db)


def test_only_a_preserved_request_can_be_renewed(
    client: TestClient, world: World, token_for: TokenFor
) -> None:
    request_id = _create(client, token_for(world.author), world, send=True).json()["id"]
    response = client.post(
        f"/api/v1/requests/{request_id}/preservation/renewals",
        json={"days": 90},
        headers=token_for(world.author),
    )
    assert response.status_code == 422
    assert "preserved" in response.text
