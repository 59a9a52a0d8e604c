"""The follow-up action form of an engagement's page: a refusal shows the engagement again
(422) with each message next to its field and what was typed, and adds nothing."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.positions.models import FollowUpAction
from tests.positions.test_engagements import _record
from tests.readers import BrowserFor, TokenFor, World


def _field(html: str, control_id: str) -> str:
    found = re.search(
        rf'<div class="field has-error">\s*<label for="{control_id}">.*?</div>', html, re.S
    )
    assert found is not None, f"no field in error for {control_id}"
    return found[0]


def _actions(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(FollowUpAction)) or 0


def test_a_refused_follow_up_action_comes_back_with_messages_and_input(
    client: TestClient, db: Session, world: World, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    engagement = _record(
        client,
        token_for(world.author),
        participants=[{"organisation_id": world.other_state_org.id}],
    )
    page = f"/engagements/{engagement['id']}"
    author = browser_for(world.author)
    bad_date = author.client.post(
        page + "/actions",
        data={
            "csrf_token": author.csrf,
            "description": "Share the drill <report>",
            "owner_organisation_id": world.other_state_org.id,
            "due_on": "next month",
        },
    )
    assert bad_date.status_code == 422
    due = _field(bad_date.text, "due_on")
    assert "Enter a date as YYYY-MM-DD" in due
    assert 'value="next month"' in due
    assert "Share the drill &lt;report&gt;</textarea>" in bad_date.text
    chosen = f'<option value="{world.other_state_org.id}" selected>'
    assert chosen in bad_date.text
    outsider = author.client.post(
        page + "/actions",
        data={
            "csrf_token": author.csrf,
            "description": "Share the drill report",
            "owner_organisation_id": world.recipient_org.id,  # not a participant
            "due_on": "2026-05-10",
        },
    )
    assert outsider.status_code == 422
    owner = _field(outsider.text, "owner_organisation_id")
    assert "must be a participating organisation" in owner
    assert 'value="2026-05-10"' in outsider.text
    assert _actions(db) == 0  # nothing written
    status = author.client.post(
        page + "/actions/nope", data={"csrf_token": author.csrf, "status": "finished"}
    )
    assert status.status_code == 422
    assert "The action was not changed: Choose one of:" in status.text
    added = author.client.post(
        page + "/actions",
        data={
            "csrf_token": author.csrf,
            "description": "Share the drill report",
            "owner_organisation_id": world.other_state_org.id,
            "due_on": "2026-05-10",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert _actions(db) == 1
