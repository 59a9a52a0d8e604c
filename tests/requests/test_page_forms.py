"""The small forms of a request's page (a move, a preservation renewal): a refusal shows the
page again (422) with the message next to the field and what was typed, and keeps nothing."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.db import set_clock
from aseancyber.requests.models import CrossBorderRequest, RequestMessage, RequestStatus
from tests.readers import BrowserFor, TokenFor, World
from tests.requests.test_requests import T0, _create, _move


def _field(html: str, control_id: str) -> str:
    """The ``<div class="field ...">`` that holds the control ``control_id``."""
    found = re.search(
        rf'<div class="field has-error">\s*<label for="{control_id}">.*?</div>', html, re.S
    )
    assert found is not None, f"no field in error for {control_id}"
    return found[0]


def _messages(db: Session, request_id: str) -> int:
    statement = select(func.count()).where(RequestMessage.request_id == request_id)
    return db.scalar(statement) or 0


def test_a_refused_answer_comes_back_with_the_message_by_the_field_and_the_input_kept(
    db: Session, client: TestClient, world: World, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    request_id = _create(client, token_for(world.author), world, send=True).json()["id"]
    receiver = browser_for(world.recipient)
    before = _messages(db, request_id)
    answer = receiver.client.post(
        f"/requests/{request_id}/transition",
        data={
            "csrf_token": receiver.csrf,
            "status": "answered",
            "answer": "Provider contacted <today>",
            "outcome": "lost",
        },
    )
    assert answer.status_code == 422
    outcome = _field(answer.text, "move-answered-outcome")
    assert '<p class="field-error" id="move-answered-outcome-error">' in outcome
    assert "Choose one of:" in outcome
    assert "Provider contacted &lt;today&gt;</textarea>" in answer.text
    assert '<a href="#move-answered-outcome">Choose one of:' in answer.text
    empty = receiver.client.post(
        f"/requests/{request_id}/transition",
        data={"csrf_token": receiver.csrf, "status": "refused", "refusal_grounds": "  "},
    )
    assert empty.status_code == 422
    grounds = _field(empty.text, "move-refused-refusal_grounds")
    assert "a refusal needs its grounds" in grounds
    assert 'aria-invalid="true"' in grounds
    db.expire_all()
    record = db.get(CrossBorderRequest, request_id)
    assert record is not None
    assert record.status is RequestStatus.SENT  # nothing written
    assert record.answer == ""
    assert _messages(db, request_id) == before


def test_a_move_the_request_cannot_make_is_explained_on_the_page(
    client: TestClient, world: World, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    request_id = _create(client, token_for(world.author), world, send=True).json()["id"]
    receiver = browser_for(world.recipient)
    wrong = receiver.client.post(
        f"/requests/{request_id}/transition",
        data={"csrf_token": receiver.csrf, "status": "closed", "note": "Done"},
    )
    assert wrong.status_code == 422
    summary = re.search(r'<div class="error-summary".*?</div>', wrong.text, re.S)
    assert summary is not None
    assert "a sent request cannot become closed; from sent it can become:" in summary[0]
    assert "Input should" not in wrong.text
    outsider = browser_for(world.other_state)
    hidden = outsider.client.post(
        f"/requests/{request_id}/transition",
        data={"csrf_token": outsider.csrf, "status": "acknowledged"},
    )
    assert hidden.status_code == 404


def test_a_refused_renewal_keeps_the_days_typed_and_the_period(
    db: Session, client: TestClient, world: World, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    set_clock(lambda: T0)
    request_id = _create(client, token_for(world.author), world, send=True).json()["id"]
    _move(
        client,
        token_for(world.recipient),
        request_id,
        status="answered",
        answer="Preserved.",
        outcome="preserved",
    )
    record = db.get(CrossBorderRequest, request_id)
    assert record is not None
    until = record.preserved_until
    before = _messages(db, request_id)
    requester = browser_for(world.author)
    short = requester.client.post(
        f"/requests/{request_id}/preservation/renewals",
        data={"csrf_token": requester.csrf, "days": "30"},
    )
    assert short.status_code == 422
    days = _field(short.text, "renew-days")
    assert "Enter a number of at least 60." in days
    assert 'value="30"' in days
    words = requester.client.post(
        f"/requests/{request_id}/preservation/renewals",
        data={"csrf_token": requester.csrf, "days": "ninety"},
    )
    assert words.status_code == 422
    assert 'value="ninety"' in _field(words.text, "renew-days")
    assert "Enter a whole number" in words.text
    db.expire_all()
    record = db.get(CrossBorderRequest, request_id)
    assert record is not None
    assert record.preserved_until == until  # nothing written
    assert _messages(db, request_id) == before
    renewed = requester.client.post(
        f"/requests/{request_id}/preservation/renewals",
        data={"csrf_token": requester.csrf, "days": "90"},
        follow_redirects=False,
    )
    assert renewed.status_code == 303
