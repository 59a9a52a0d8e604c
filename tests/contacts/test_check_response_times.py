"""Communication-check response times count from when the mailer sent the e-mail, not from
the launch: a queue backlog is the platform's delay, not the contact's."""

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.contacts.models import CheckTarget
from aseancyber.db import set_clock
from aseancyber.jobs.worker import run_pending
from aseancyber.manifests import JOB_HANDLERS, PERIODIC_JOBS
from aseancyber.settings import Settings
from tests.contacts.helpers import add_contact
from tests.notify.conftest import SmtpServer
from tests.readers import BrowserFor, TokenFor, World

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
LINK = re.compile(r"http://\S+(/contacts/acknowledge\?token=\S+)")


def _launch(client: TestClient, world: World, token_for: TokenFor) -> str:
    launched = client.post(
        "/api/v1/contact-checks",
        json={"title": "Backlog check", "kinds": ["technical"], "states": ["SG"]},
        headers=token_for(world.coordinator),
    )
    assert launched.status_code == 201, launched.text
    check_id: str = launched.json()["id"]
    return check_id


def _target_read(
    client: TestClient, world: World, token_for: TokenFor, check_id: str
) -> dict[str, object]:
    results = client.get(f"/api/v1/contact-checks/{check_id}", headers=token_for(world.coordinator))
    assert results.status_code == 200, results.text
    [target] = results.json()["targets"]
    assert isinstance(target, dict)
    return target


def test_the_response_time_counts_from_when_the_link_was_sent(
    *,
    client: TestClient,
    db: Session,
    session_factory: sessionmaker[Session],
    smtp_server: SmtpServer,
    mail_settings: Settings,
    world: World,
    token_for: TokenFor,
) -> None:
    set_clock(lambda: T0)
    contact = add_contact(db, world.org_admin, "Duty officer")
    db.commit()
    check_id = _launch(client, world, token_for)
    assert _target_read(client, world, token_for, check_id)["emailed_at"] is None

    # The mail server was unreachable for two hours; then the e-mail leaves.
    set_clock(lambda: T0 + timedelta(hours=2))
    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)
    [message] = [m for m in smtp_server.messages if m["To"] == contact.email]
    link = LINK.search(message.get_content())
    assert link is not None

    set_clock(lambda: T0 + timedelta(hours=2, minutes=10))
    anonymous = TestClient(client.app, raise_server_exceptions=False)
    page = anonymous.get(link.group(1))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert csrf is not None
    assert token is not None
    done = anonymous.post(
        "/contacts/acknowledge", data={"csrf_token": csrf.group(1), "token": token.group(1)}
    )
    assert done.status_code == 200, done.text

    target = _target_read(client, world, token_for, check_id)
    assert target["response_seconds"] == 10 * 60  # not 2 h 10 min
    assert target["response_from"] == "sent"
    assert target["emailed_at"] == "2026-06-01T04:00:00Z"
    results = client.get(
        f"/api/v1/contact-checks/{check_id}", headers=token_for(world.coordinator)
    ).json()
    assert results["median_seconds"] == 10 * 60


def test_an_answer_before_the_e_mail_left_counts_from_the_launch_and_says_so(
    *,
    client: TestClient,
    db: Session,
    world: World,
    token_for: TokenFor,
    browser_for: BrowserFor,
) -> None:
    set_clock(lambda: T0)
    contact = add_contact(db, world.org_admin, "Duty officer")
    db.commit()
    check_id = _launch(client, world, token_for)
    target_id = db.scalars(
        select(CheckTarget.id).where(
            CheckTarget.check_id == check_id, CheckTarget.contact_id == contact.id
        )
    ).one()

    set_clock(lambda: T0 + timedelta(minutes=30))  # the mailer has not run: nothing was sent
    answered = client.post(
        f"/api/v1/contact-checks/{check_id}/targets/{target_id}/acknowledge",
        headers=token_for(world.colleague),
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["response_seconds"] == 30 * 60
    assert answered.json()["response_from"] == "launch"
    assert answered.json()["emailed_at"] is None

    target = _target_read(client, world, token_for, check_id)
    assert target["response_from"] == "launch"
    page = browser_for(world.coordinator).client.get(f"/contacts/checks/{check_id}")
    assert page.status_code == 200
    assert "counted from the launch: the e-mail had not been sent" in page.text
