"""A communication check with an empty scope is confirmed before it goes to everyone, and
response times are shown over time and by state (SVG with a data table, visible contacts
only)."""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import Role
from aseancyber.access.policy import Tlp
from aseancyber.contacts.models import CheckTarget, ContactCheck
from aseancyber.db import set_clock
from tests.contacts.helpers import add_contact
from tests.readers import BrowserFor, TokenFor, World, make_user

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def _at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def _checks(db: Session) -> int:
    return db.scalar(select(func.count(ContactCheck.id))) or 0


def test_an_empty_api_launch_needs_everyone_and_says_how_many(
    client: TestClient, db: Session, world: World, token_for: TokenFor
) -> None:
    add_contact(db, world.org_admin, "Duty officer")
    add_contact(db, world.org_admin, "Night desk")
    db.commit()
    headers = token_for(world.coordinator)
    refused = client.post("/api/v1/contact-checks", json={"title": "All"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "everyone"
    assert "all 2 contacts you may see" in refused.text
    assert _checks(db) == 0
    sent = client.post(
        "/api/v1/contact-checks", json={"title": "All", "everyone": True}, headers=headers
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["asked"] == 2


def test_an_empty_launch_form_asks_for_confirmation_first(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    add_contact(db, world.org_admin, "Duty officer")
    db.commit()
    browser = browser_for(world.coordinator)
    asked = browser.client.post(
        "/contacts/checks/new", data={"csrf_token": browser.csrf, "title": "Everyone"}
    )
    assert asked.status_code == 200
    assert 'id="confirm-everyone"' in asked.text
    assert "Send to all 1 contacts" in asked.text
    assert 'name="everyone" value="on"' in asked.text
    assert _checks(db) == 0
    confirmed = browser.client.post(
        "/contacts/checks/new",
        data={"csrf_token": browser.csrf, "title": "Everyone", "everyone": "on"},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    assert _checks(db) == 1
    # A chosen scope goes at once.
    scoped = browser.client.post(
        "/contacts/checks/new",
        data={"csrf_token": browser.csrf, "title": "SG only", "states": "SG"},
        follow_redirects=False,
    )
    assert scoped.status_code == 303
    assert _checks(db) == 2


def _acknowledge(
    client: TestClient, token_for: TokenFor, db: Session, check_id: str, who: object
) -> None:
    for target_id in db.scalars(select(CheckTarget.id).where(CheckTarget.check_id == check_id)):
        response = client.post(
            f"/api/v1/contact-checks/{check_id}/targets/{target_id}/acknowledge",
            headers=token_for(who),  # type: ignore[arg-type]
        )
        if response.status_code == 200:
            return
    raise AssertionError("nothing to acknowledge")


def test_response_times_over_time_and_by_state_count_only_visible_contacts(
    *,
    client: TestClient,
    db: Session,
    world: World,
    token_for: TokenFor,
    browser_for: BrowserFor,
) -> None:
    ph_admin = make_user(db, world.recipient_org, Role.ORGANISATION_ADMIN)
    add_contact(db, world.org_admin, "Duty officer")  # Singapore, GREEN
    # The Philippine desk is AMBER, shared with the Secretariat only.
    add_contact(
        db,
        ph_admin,
        "Restricted desk",
        tlp=Tlp.AMBER,
        audience_organisation_ids=[world.secretariat.id],
    )
    db.commit()
    headers = token_for(world.coordinator)
    for day, minutes in ((0, 30), (7, 10)):
        launched_at = T0 + timedelta(days=day)
        set_clock(_at(launched_at))
        check = client.post(
            "/api/v1/contact-checks",
            json={"title": f"Check day {day}", "everyone": True},
            headers=headers,
        ).json()
        answered_at = launched_at + timedelta(minutes=minutes)
        set_clock(_at(answered_at))
        _acknowledge(client, token_for, db, check["id"], world.colleague)
        _acknowledge(client, token_for, db, check["id"], ph_admin)
    singapore, philippines = (world.owner_org.member_state, world.recipient_org.member_state)
    assert singapore is not None
    assert philippines is not None

    times = client.get("/api/v1/contact-checks/response-times", headers=headers).json()
    assert [(p["title"], p["asked"], p["median_seconds"]) for p in times["over_time"]] == [
        ("Check day 0", 2, 30 * 60.0),
        ("Check day 7", 2, 10 * 60.0),
    ]
    assert sorted(
        (r["state"], r["asked"], r["median_seconds"]) for r in times["by_state"]
    ) == sorted([(singapore.name, 2, 20 * 60.0), (philippines.name, 2, 20 * 60.0)])
    # Another state's reader does not see the Philippine desk: it is in no figure of theirs.
    other = client.get(
        "/api/v1/contact-checks/response-times", headers=token_for(world.other_state)
    ).json()
    assert [p["asked"] for p in other["over_time"]] == [1, 1]
    assert [r["state"] for r in other["by_state"]] == [singapore.name]

    html = browser_for(world.coordinator).client.get("/contacts/checks").text
    for chart_id in ("times-over-time", "times-by-state"):
        svg = re.search(rf'<svg[^>]*id="{chart_id}".*?</svg>', html, re.S)
        assert svg is not None
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg.group(0)
        assert f'<desc id="{chart_id}-desc">' in svg.group(0)
        assert "<script" not in svg.group(0)
        assert f'id="{chart_id}-data"' in html  # the table fallback
    assert f"{singapore.name}: median 20.0 min, 2 of 2 answered" in html
    other_page = browser_for(world.other_state).client.get("/contacts/checks")
    assert other_page.status_code == 200
    assert philippines.name not in other_page.text
