"""Dialogue-partner engagements: participants are the audience, follow-up actions and their
reminders, and a dialogue partner sees only what it took part in."""

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.db import set_clock
from aseancyber.notify.models import Notification, NotificationKind
from aseancyber.positions import engagements_service
from tests.readers import BrowserFor, TokenFor, World

API = "/api/v1/engagements"


def _record(client: TestClient, headers: dict[str, str], **fields: object) -> dict[str, object]:
    body = {
        "title": "ARF ISM on ICT Security, ninth meeting",
        "kind": "arf_ism",
        "starts_on": "2026-04-20",
        "ends_on": "2026-04-21",
        "location": "Singapore",
        "tlp": "TLP:AMBER",
    }
    response = client.post(API, json={**body, **fields}, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


def test_a_dialogue_partner_sees_only_engagements_it_took_part_in(
    client: TestClient, world: World, partner: User, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    author = token_for(world.author)
    joined = _record(
        client,
        author,
        participants=[{"organisation_id": partner.organisation_id, "role": "co-chair"}],
    )
    other = _record(client, author, title="ADMM-Plus EWG", kind="admm_plus_ewg")
    green = _record(client, author, title="ACID 2026", kind="acid", tlp="TLP:GREEN")
    headers = token_for(partner)
    listed = {item["id"] for item in client.get(API, headers=headers).json()["items"]}
    assert listed == {joined["id"]}
    assert client.get(f"{API}/{other['id']}", headers=headers).status_code == 404
    assert client.get(f"{API}/{green['id']}", headers=headers).status_code == 404
    # Nor any common position: positions are for the member-state community.
    assert client.get("/api/v1/positions", headers=headers).json()["items"] == []
    page = browser_for(partner).client.get("/engagements")
    assert "ARF ISM on ICT Security" in page.text
    assert "ADMM-Plus EWG" not in page.text
    # A partner viewer can neither record nor edit.
    assert (
        client.post(
            API, json={"title": "x", "kind": "other", "starts_on": "2026-01-01"}, headers=headers
        ).status_code
        == 403
    )
    patch = client.patch(
        f"{API}/{joined['id']}", json={"version": 1, "title": "x"}, headers=headers
    )
    assert patch.status_code == 403


def test_actions_with_owners_due_dates_and_reminders(
    client: TestClient, db: Session, world: World, partner: User, token_for: TokenFor
) -> None:
    author = token_for(world.author)
    engagement = _record(
        client,
        author,
        participants=[
            {"organisation_id": world.other_state_org.id},
            {"organisation_id": partner.organisation_id},
        ],
        initiative_ref="https://example.org/initiatives/42",
    )
    eid = engagement["id"]
    refused = client.post(
        f"{API}/{eid}/actions",
        json={
            "description": "Share the drill report",
            "owner_organisation_id": world.recipient_org.id,
            "due_on": "2026-05-10",
        },
        headers=author,
    )
    assert refused.status_code == 422  # not a participant
    action = client.post(
        f"{API}/{eid}/actions",
        json={
            "description": "Share the drill report",
            "owner_organisation_id": world.other_state_org.id,
            "due_on": "2026-05-10",
        },
        headers=author,
    )
    assert action.status_code == 201, action.text
    told = db.scalars(
        select(Notification.user_id).where(Notification.kind == NotificationKind.ENGAGEMENT_ACTION)
    ).all()
    assert world.other_state.id in told

    set_clock(lambda: datetime(2026, 5, 1, 9, tzinfo=UTC))
    assert (
        not engagements_service.has_due_action_reminders(db)
        or engagements_service.remind_actions(db) == 0
    )
    set_clock(lambda: datetime(2026, 5, 8, 9, tzinfo=UTC))
    assert engagements_service.has_due_action_reminders(db)
    assert engagements_service.remind_actions(db) == 1
    assert not engagements_service.has_due_action_reminders(db)  # once a day
    set_clock(lambda: datetime(2026, 5, 12, 9, tzinfo=UTC))
    assert engagements_service.remind_actions(db) == 1
    titles = db.scalars(
        select(Notification.title).where(
            Notification.user_id == world.other_state.id,
            Notification.kind == NotificationKind.ENGAGEMENT_ACTION,
        )
    ).all()
    assert any(title.startswith("Overdue") for title in titles)

    # The owner organisation marks it done; reminders stop.
    done = client.patch(
        f"{API}/{eid}/actions/{action.json()['id']}",
        json={"status": "done"},
        headers=token_for(world.other_state),
    )
    assert done.status_code == 200
    assert done.json()["status"] == "done"
    set_clock(lambda: datetime(2026, 5, 14, 9, tzinfo=UTC))
    assert not engagements_service.has_due_action_reminders(db)


def test_bad_engagement_input(client: TestClient, world: World, token_for: TokenFor) -> None:
    author = token_for(world.author)
    for body in (
        {"title": "x", "kind": "nope", "starts_on": "2026-01-01"},
        {"title": "x", "kind": "acid", "starts_on": "2026-01-02", "ends_on": "2026-01-01"},
        {
            "title": "x",
            "kind": "acid",
            "starts_on": "2026-01-01",
            "participants": [{"organisation_id": "missing"}],
        },
        {"title": "x", "kind": "acid", "starts_on": "2026-01-01", "tlp": "TLP:RED"},
        {"title": "x\x00", "kind": "acid", "starts_on": "2026-01-01"},
    ):
        assert client.post(API, json=body, headers=author).status_code == 422, body
    created = _record(client, author)
    stale = client.patch(
        f"{API}/{created['id']}", json={"version": 9, "title": "y"}, headers=author
    )
    assert stale.status_code == 409
    lowered = client.patch(
        f"{API}/{created['id']}", json={"version": 1, "tlp": "TLP:CLEAR"}, headers=author
    )
    assert lowered.status_code == 200
    assert (
        client.delete(f"{API}/{created['id']}", headers=token_for(world.other_state)).status_code
        == 403
    )  # sees (CLEAR), may not delete
    assert client.delete(f"{API}/{created['id']}", headers=author).status_code == 204
    assert date.fromisoformat(str(created["starts_on"])) == date(2026, 4, 20)


def test_red_needs_a_participating_organisation_on_create_and_on_update(
    client: TestClient, world: World, token_for: TokenFor
) -> None:
    author = token_for(world.author)
    body = {"title": "x", "kind": "acid", "starts_on": "2026-01-01", "tlp": "TLP:RED"}
    refused = client.post(API, json=body, headers=author)
    created = _record(client, author)
    raised = client.patch(
        f"{API}/{created['id']}", json={"version": 1, "tlp": "TLP:RED"}, headers=author
    )
    for response in (refused, raised):
        assert response.status_code == 422
        answer = response.json()
        assert (
            answer["detail"]
            == "participants: TLP:RED needs at least one participating organisation"
        )
        assert answer["errors"] == [
            {
                "field": "participants",
                "message": "TLP:RED needs at least one participating organisation",
            }
        ], answer
