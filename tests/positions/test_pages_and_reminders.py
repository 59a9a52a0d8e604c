"""Position pages (draft, comment, propose, accept, answer, diff, adopted PDF) and the
deadline reminders, with the clock set by the test."""

import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.db import set_clock
from aseancyber.jobs.service import InUnits
from aseancyber.manifests import JOB_HANDLERS as HANDLERS
from aseancyber.notify.models import Notification, NotificationKind
from aseancyber.positions import consensus, service
from aseancyber.positions.manifest import REMINDERS as POSITION_REMINDERS
from aseancyber.positions.models import Position, ResponseKind
from aseancyber.positions.schemas import PositionCreate, ResponseCreate
from tests.factories import actor
from tests.positions.conftest import Delegation
from tests.readers import BrowserFor, World


def _key(html: str) -> str:
    found = re.search(r'name="paragraph_key" value="([0-9a-f]+)"', html)
    assert found is not None
    return found.group(1)


def test_draft_to_adopted_through_the_pages(
    db: Session, world: World, delegations: dict[str, Delegation], browser_for: BrowserFor
) -> None:
    drafter = browser_for(world.coordinator)
    created = drafter.client.post(
        "/positions/new",
        data={
            "csrf_token": drafter.csrf,
            "title": "ASEAN views on ICT security",
            "text": "First paragraph.\n\nSecond paragraph.",
            "tlp": "TLP:GREEN",
            "deadline": "2026-12-01T17:00",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    position = db.scalar(select(Position).where(Position.title == "ASEAN views on ICT security"))
    assert position is not None
    assert position.deadline == datetime(2026, 12, 1, 9, tzinfo=UTC)
    refused = drafter.client.post("/positions/new", data={"title": "x"}, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token

    clerk = browser_for(delegations["MY"].clerk)
    page = clerk.client.get(url)
    assert page.status_code == 200
    assert "Second paragraph." in page.text
    key = _key(page.text)
    clerk.client.post(
        f"{url}/comments",
        data={"csrf_token": clerk.csrf, "text": "Too vague.", "paragraph_key": key},
    )
    clerk.client.post(
        f"{url}/proposals",
        data={
            "csrf_token": clerk.csrf,
            "kind": "replace",
            "paragraph_key": key,
            "proposed_text": "First, and clearer, paragraph.",
            "rationale": "Clarity",
        },
    )
    sg = browser_for(delegations["SG"].delegate)
    answered = sg.client.post(
        f"{url}/responses",
        data={"csrf_token": sg.csrf, "version_number": "1", "kind": "endorse"},
        follow_redirects=False,
    )
    assert answered.status_code == 303

    detail = drafter.client.get(url)
    assert "Too vague." in detail.text
    assert "Accept (new version)" in detail.text
    proposal_id = re.search(r"/proposals/([0-9a-f-]{36})/accept", detail.text)
    assert proposal_id is not None
    drafter.client.post(
        f"{url}/proposals/{proposal_id.group(1)}/accept", data={"csrf_token": drafter.csrf}
    )
    detail = drafter.client.get(url)
    assert "Version 2 is current" in detail.text
    assert "to the old version only" in detail.text
    assert "Endorsed an old version only (does not count)" in detail.text

    diff = drafter.client.get(f"{url}/diff?from=1&to=2")
    assert "<ins>" in diff.text
    assert "<del>" in diff.text
    assert "[inserted: " in diff.text

    stale = sg.client.post(
        f"{url}/responses", data={"csrf_token": sg.csrf, "version_number": "1", "kind": "endorse"}
    )
    assert "superseded" in stale.text
    for delegation in delegations.values():
        browser = browser_for(delegation.delegate)
        browser.client.post(
            f"{url}/responses",
            data={"csrf_token": browser.csrf, "version_number": "2", "kind": "endorse"},
        )
    adopted = drafter.client.get(url)
    assert "Adopted by consensus" in adopted.text
    assert drafter.client.get(f"{url}/edit").status_code == 409
    pdf = drafter.client.get(f"{url}/adopted?format=pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")
    assert "attachment" in pdf.headers["content-disposition"]


def test_deadline_reminders_go_to_states_that_have_not_endorsed(
    db: Session, world: World, delegations: dict[str, Delegation]
) -> None:
    set_clock(lambda: datetime(2026, 11, 1, tzinfo=UTC))
    position = service.create(
        db,
        actor=actor(world.author),
        data=PositionCreate(
            title="Reminded", paragraphs=["Text."], deadline=datetime(2026, 11, 10, tzinfo=UTC)
        ),
    )
    consensus.respond(
        db,
        actor=actor(delegations["SG"].delegate),
        position_id=position.id,
        data=ResponseCreate(version_number=1, kind=ResponseKind.ENDORSE),
    )
    assert not consensus.has_due_reminders(db)  # nine days before: too early
    set_clock(lambda: datetime(2026, 11, 8, tzinfo=UTC))
    assert consensus.has_due_reminders(db)
    version_before = db.scalar(select(Position.version).where(Position.id == position.id))
    handler = HANDLERS[POSITION_REMINDERS]
    assert not isinstance(handler, InUnits)  # it works in the job's own transaction
    handler(db, {})
    # Reminder bookkeeping must not make a drafter's open edit form stale.
    assert db.scalar(select(Position.version).where(Position.id == position.id)) == version_before
    assert not consensus.has_due_reminders(db)  # reminded: not again within the interval
    reminded = set(
        db.scalars(
            select(Notification.user_id).where(
                Notification.kind == NotificationKind.POSITION_DEADLINE
            )
        )
    )
    waiting = {d.delegate.id for iso, d in delegations.items() if iso != "SG"}
    assert waiting <= reminded
    assert delegations["SG"].delegate.id not in reminded
    assert not consensus.has_due_reminders(db)  # once a day
    set_clock(lambda: datetime(2026, 11, 11, tzinfo=UTC))
    run = consensus.remind(db)
    assert run.positions == 1
    titles = db.scalars(
        select(Notification.title).where(Notification.kind == NotificationKind.POSITION_DEADLINE)
    ).all()
    assert any(title.startswith("Overdue") for title in titles)
    set_clock(lambda: datetime(2026, 12, 1, tzinfo=UTC))
    assert not consensus.has_due_reminders(db)  # three weeks late: no longer reminded
