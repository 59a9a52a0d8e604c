"""Case messages are e-mailed as one digest per participant, not one e-mail per message:
N messages to M people queue at most M e-mails, as each person's preference says."""

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aseancyber.db import set_clock
from aseancyber.notify.models import Notification, NotificationKind, OutboundEmail
from tests.cases.conftest import Scenario
from tests.readers import TokenFor

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
MESSAGES = 12


def test_n_messages_to_m_participants_queue_at_most_m_e_mails(
    scenario: Scenario, client: TestClient, token_for: TokenFor, db: Session
) -> None:
    set_clock(lambda: NOW)
    sg = scenario.rest(client, token_for, scenario.sg)
    case_url = f"/api/v1/cases/{scenario.case.id}"
    off, daily, *immediately = scenario.vendor_users
    for user, mode in ((off, "off"), (daily, "daily_digest")):
        changed = scenario.rest(client, token_for, user).put(
            "/api/v1/notifications/preferences", json={"preferences": {"case_message": mode}}
        )
        assert changed.status_code == 200, changed.text
    db.execute(delete(OutboundEmail))
    db.commit()

    for n in range(MESSAGES):
        posted = sg.post(f"{case_url}/messages", json={"body": f"update number {n}"})
        assert posted.status_code == 201, posted.text

    mails = db.scalars(select(OutboundEmail)).all()
    emailed = {scenario.my.email, scenario.operator_user.email, *(u.email for u in immediately)}
    assert len(mails) == len(emailed)  # not MESSAGES x people
    assert {m.to_address for m in mails} == emailed
    for mail in mails:
        assert mail.subject == f"[{scenario.case.reference}] New messages"
        assert mail.digest_items == MESSAGES
        assert all(f"update number {n}\n" in mail.body for n in range(MESSAGES))
    # Everyone still finds every message in the inbox; the daily digest keeps its own.
    for user in (off, daily, scenario.my):
        inbox = db.scalars(
            select(Notification).where(
                Notification.user_id == user.id, Notification.kind == NotificationKind.CASE_MESSAGE
            )
        ).all()
        assert len(inbox) == MESSAGES
        assert all(n.digest_pending is (user is daily) for n in inbox)
