"""Communication checks: e-mailed single-use links, in-app acknowledgement, deadlines with a
controllable clock, and results that count only what the reader may see."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.policy import Tlp
from aseancyber.contacts import checks_service as checks
from aseancyber.contacts import service as contacts
from aseancyber.contacts.models import CheckStatus, CheckTarget, ContactCheck, ContactKind
from aseancyber.contacts.schemas import CheckLaunch
from aseancyber.db import set_clock
from aseancyber.jobs.worker import run_pending
from aseancyber.manifests import JOB_HANDLERS, PERIODIC_JOBS
from aseancyber.notify import links
from aseancyber.notify.models import Notification, NotificationKind, OutboundEmail
from aseancyber.settings import Settings
from tests.contacts.helpers import add_contact
from tests.factories import actor
from tests.notify.conftest import SmtpServer
from tests.readers import BrowserFor, TokenFor, World, make_user

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
LINK = re.compile(r"(http://\S+/contacts/acknowledge\?token=\S+)")


def _launch(db: Session, world: World, **scope: Any) -> ContactCheck:
    return checks.launch(
        db, actor=actor(world.coordinator), data=CheckLaunch(everyone=True, **scope)
    )


def _target(db: Session, check_id: str, contact_id: str) -> CheckTarget:
    target = db.scalar(
        select(CheckTarget).where(
            CheckTarget.check_id == check_id, CheckTarget.contact_id == contact_id
        )
    )
    assert target is not None
    db.refresh(target)
    return target


def _ack_form(client: TestClient, url: str) -> tuple[int, str, str]:
    page = client.get(url)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    return page.status_code, csrf.group(1) if csrf else "", token.group(1) if token else ""


def test_the_e_mailed_link_acknowledges_exactly_once(
    *,
    db: Session,
    session_factory: sessionmaker[Session],
    app: object,
    smtp_server: SmtpServer,
    mail_settings: Settings,
    world: World,
) -> None:
    set_clock(lambda: T0)
    contact = add_contact(db, world.org_admin, "Duty officer")
    check = _launch(db, world, title="Quarterly check")
    db.commit()
    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)

    [message] = [m for m in smtp_server.messages if m["To"] == contact.email]
    assert message["Subject"] == "Communication check: Quarterly check"
    url = LINK.search(message.get_content())
    assert url is not None
    path = url.group(1).removeprefix(mail_settings.base_url)

    set_clock(lambda: T0 + timedelta(minutes=12))
    anonymous = TestClient(app, raise_server_exceptions=False)  # type: ignore[arg-type]
    status, csrf, token = _ack_form(anonymous, path)
    assert status == 200
    assert _target(db, check.id, contact.id).acknowledged_at is None  # opening records nothing
    done = anonymous.post("/contacts/acknowledge", data={"csrf_token": csrf, "token": token})
    assert done.status_code == 200, done.text
    assert "Thank you" in done.text
    target = _target(db, check.id, contact.id)
    assert target.response_seconds == 12 * 60
    assert target.acknowledged_via == "link"

    set_clock(lambda: T0 + timedelta(minutes=30))
    again = anonymous.post("/contacts/acknowledge", data={"csrf_token": csrf, "token": token})
    assert again.status_code == 400
    assert "already" in again.text
    assert anonymous.get(path).status_code == 400
    assert _target(db, check.id, contact.id).response_seconds == 12 * 60


def test_forged_expired_and_misdirected_links_record_nothing(
    client: TestClient, db: Session, world: World
) -> None:
    set_clock(lambda: T0)
    contact = add_contact(db, world.org_admin, "Duty officer")
    check = _launch(db, world)
    target = _target(db, check.id, contact.id)
    good = links.make_token(checks.PURPOSE, target.id, max_age_seconds=3600)
    body, _, signature = good.partition(".")
    forged = links.make_token(checks.PURPOSE, "someone-else")[:-4] + "AAAA"
    wrong_purpose = links.make_token("password-reset", target.id)
    db.commit()
    page = client.get("/contacts/acknowledge?token=x")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert csrf is not None
    for token, words in (
        ("", "damaged"),
        ("garbage", "damaged"),
        (body + "." + signature[::-1], "damaged"),
        (forged, "damaged"),
        (wrong_purpose, "not meant for this page"),
    ):
        response = client.post(
            "/contacts/acknowledge", data={"csrf_token": csrf.group(1), "token": token}
        )
        assert response.status_code == 400, token
        assert words in response.text, (token, response.text)
    assert page.status_code == 400
    set_clock(lambda: T0 + timedelta(hours=2))
    expired = client.post(
        "/contacts/acknowledge", data={"csrf_token": csrf.group(1), "token": good}
    )
    assert expired.status_code == 400
    assert "expired" in expired.text
    assert _target(db, check.id, contact.id).acknowledged_at is None


def test_reminders_then_escalation_then_closing_follow_the_clock(
    db: Session, world: World, settings: Settings
) -> None:
    set_clock(lambda: T0)
    answers = add_contact(db, world.org_admin, "Answering desk")
    silent = add_contact(db, world.org_admin, "Silent desk")
    check = _launch(db, world)
    checks.acknowledge_in_app(
        db,
        actor=actor(world.colleague),
        check_id=check.id,
        target_id=_target(db, check.id, answers.id).id,
    )

    def emails_to(address: str) -> int:
        return len(
            db.scalars(select(OutboundEmail).where(OutboundEmail.to_address == address)).all()
        )

    def escalations() -> list[Notification]:
        return list(
            db.scalars(
                select(Notification).where(
                    Notification.kind == NotificationKind.CONTACT_CHECK,
                    Notification.title.like("Escalation%"),
                )
            )
        )

    assert emails_to(silent.email) == 1
    set_clock(lambda: T0 + timedelta(hours=23))
    checks.run_deadlines(db, {})
    assert emails_to(silent.email) == 1
    assert escalations() == []

    set_clock(lambda: T0 + timedelta(hours=settings.check_remind_after_hours, minutes=1))
    checks.run_deadlines(db, {})
    checks.run_deadlines(db, {})  # idempotent
    assert emails_to(silent.email) == 2
    assert emails_to(answers.email) == 1  # who answered is not reminded
    assert _target(db, check.id, silent.id).reminded_at is not None
    assert escalations() == []

    set_clock(lambda: T0 + timedelta(hours=settings.check_escalate_after_hours, minutes=1))
    checks.run_deadlines(db, {})
    checks.run_deadlines(db, {})
    [escalation] = escalations()
    assert escalation.user_id == world.org_admin.id
    assert "Silent desk" in escalation.body
    assert checks.is_unreachable(_target(db, check.id, silent.id))

    set_clock(lambda: T0 + timedelta(hours=settings.check_link_max_age_hours, minutes=1))
    assert checks.has_deadlines(db)
    checks.run_deadlines(db, {})
    db.refresh(check)
    assert check.status is CheckStatus.CLOSED
    assert not checks.has_deadlines(db)


def test_only_coordinators_launch_and_only_the_own_organisation_acknowledges_in_app(
    client: TestClient, db: Session, world: World, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    contact = add_contact(db, world.org_admin, "Duty officer")
    db.commit()
    assert (
        client.post("/api/v1/contact-checks", json={}, headers=token_for(world.author)).status_code
        == 403
    )
    launched = client.post(
        "/api/v1/contact-checks",
        json={"title": "Spot check", "kinds": ["technical"], "states": ["sg"]},
        headers=token_for(world.coordinator),
    )
    assert launched.status_code == 201, launched.text
    check_id = launched.json()["id"]
    assert launched.json()["asked"] == 1
    nobody = client.post(
        "/api/v1/contact-checks", json={"states": ["XX"]}, headers=token_for(world.coordinator)
    )
    assert nobody.status_code == 422
    assert "states" in nobody.text

    target_id = _target(db, check_id, contact.id).id
    url = f"/api/v1/contact-checks/{check_id}/targets/{target_id}/acknowledge"
    assert client.post(url, headers=token_for(world.other_state)).status_code == 403
    assert client.post(url, headers=token_for(world.external)).status_code == 404

    # The in-app task reaches the organisation's users, and its button acknowledges once.
    task = db.scalars(
        select(Notification).where(
            Notification.user_id == world.colleague.id,
            Notification.kind == NotificationKind.CONTACT_CHECK,
        )
    ).one()
    browser = browser_for(world.colleague)
    page = browser.client.get(task.link)
    assert "Acknowledge for Duty officer" in page.text
    done = browser.client.post(
        f"/contacts/checks/{check_id}/targets/{target_id}/acknowledge",
        data={"csrf_token": browser.csrf},
    )
    assert "Acknowledged for Duty officer" in done.text
    assert client.post(url, headers=token_for(world.colleague)).status_code == 422


def test_results_count_only_the_contacts_the_reader_may_see(
    client: TestClient, db: Session, world: World, token_for: TokenFor
) -> None:
    set_clock(lambda: T0)
    green = add_contact(db, world.org_admin, "Green desk")
    shared_with_secretariat = add_contact(
        db,
        world.org_admin,
        "Amber desk",
        kind=ContactKind.DEFENCE,
        tlp=Tlp.AMBER,
        audience_organisation_ids=[world.secretariat.id],
    )
    check = _launch(db, world)
    set_clock(lambda: T0 + timedelta(minutes=10))
    checks.acknowledge_in_app(
        db,
        actor=actor(world.colleague),
        check_id=check.id,
        target_id=_target(db, check.id, green.id).id,
    )
    set_clock(lambda: T0 + timedelta(minutes=50))
    checks.acknowledge_in_app(
        db,
        actor=actor(world.colleague),
        check_id=check.id,
        target_id=_target(db, check.id, shared_with_secretariat.id).id,
    )
    db.commit()

    coordinator = client.get(
        f"/api/v1/contact-checks/{check.id}", headers=token_for(world.coordinator)
    ).json()
    assert (coordinator["asked"], coordinator["answered"]) == (2, 2)
    assert coordinator["median_seconds"] == 30 * 60
    assert coordinator["p90_seconds"] == 50 * 60
    assert {row["key"] for row in coordinator["by_kind"]} == {"technical", "defence"}

    other = client.get(
        f"/api/v1/contact-checks/{check.id}", headers=token_for(world.other_state)
    ).json()
    assert (other["asked"], other["answered"]) == (1, 1)
    assert other["median_seconds"] == 10 * 60
    assert [row["key"] for row in other["by_kind"]] == ["technical"]
    assert [t["contact_name"] for t in other["targets"]] == ["Green desk"]
    history = client.get("/api/v1/contact-checks", headers=token_for(world.other_state)).json()
    assert history["items"][0]["asked"] == 1

    evidence = contacts.evidence_for_state(
        db, reader=actor(world.coordinator), member_state_id=world.owner_org.member_state_id or ""
    )
    assert evidence["checks_asked"] == 2
    # The other state's analyst sees one of the two contacts: only that one is counted.
    seen_by_other = contacts.evidence_for_state(
        db, reader=actor(world.other_state), member_state_id=world.owner_org.member_state_id or ""
    )
    assert (seen_by_other["contacts"], seen_by_other["checks_asked"]) == (1, 1)
    assert evidence["reachability"] == 1.0
    assert evidence["median_response_seconds"] == 30 * 60


def test_the_results_page_refreshes_itself_while_the_check_runs(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    add_contact(db, world.org_admin, "Duty officer")
    check = _launch(db, world, title="Live check")
    db.commit()
    browser = browser_for(world.coordinator)
    page = browser.client.get(f"/contacts/checks/{check.id}")
    assert page.status_code == 200
    assert page.headers["refresh"] == "30"
    assert "Response times by state" in page.text
    assert "Duty officer" in page.text
    assert "Live check" in browser.client.get("/contacts/checks").text
    closed = browser.client.post(
        f"/contacts/checks/{check.id}/close", data={"csrf_token": browser.csrf}
    )
    assert closed.status_code == 200
    assert "refresh" not in closed.headers
    # A new admin of another organisation sees no row of a contact it may not see.
    outsider = make_user(db, world.external_org)
    db.commit()
    assert (
        "Duty officer" not in browser_for(outsider).client.get(f"/contacts/checks/{check.id}").text
    )
