"""Signed links: single use, expiring, bound to one purpose, and impossible to forge."""

import base64
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.db import set_clock
from aseancyber.errors import Invalid
from aseancyber.notify.links import consume_token, make_token, read_token
from aseancyber.notify.models import UsedLink

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _used(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(UsedLink)) or 0)


def _message(error: pytest.ExceptionInfo[Invalid]) -> str:
    [problem] = error.value.problems
    assert problem.field == "link"
    return problem.message


def test_a_link_works_once(db: Session) -> None:
    token = make_token("password-reset", "user-1")
    claim = consume_token(db, token, "password-reset")
    assert (claim.purpose, claim.subject) == ("password-reset", "user-1")
    assert _used(db) == 1

    with pytest.raises(Invalid) as replay:
        consume_token(db, token, "password-reset")
    assert "already been used" in _message(replay)
    assert _used(db) == 1  # the replay recorded nothing


def test_a_forged_link_is_refused(db: Session) -> None:
    token = make_token("password-reset", "user-1")
    body, _, signature = token.partition(".")
    payload = orjson.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["s"] = "someone-else"
    forged_body = base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")
    attempts = [
        f"{forged_body}.{signature}",
        f"{body}.{signature[:-2]}xx",
        f"{body}.{signature}é",
        f"{body}.",
        "not-a-token",
        "",
        "%%%.!!!",
    ]
    for forged in attempts:
        with pytest.raises(Invalid) as refused:
            consume_token(db, forged, "password-reset")
        assert "damaged or was not issued" in _message(refused)
    assert _used(db) == 0


def test_an_expired_link_is_refused(db: Session) -> None:
    now = T0
    set_clock(lambda: now)
    token = make_token("invitation", "user-1", max_age_seconds=3600)
    assert read_token(token, "invitation").expires_at == T0 + timedelta(hours=1)

    now = T0 + timedelta(hours=1, seconds=1)
    with pytest.raises(Invalid) as expired:
        consume_token(db, token, "invitation")
    assert "expired" in _message(expired)
    assert _used(db) == 0


def test_a_link_for_another_purpose_is_refused(db: Session) -> None:
    token = make_token("invitation", "user-1")
    with pytest.raises(Invalid) as wrong:
        consume_token(db, token, "password-reset")
    assert "not meant for this page" in _message(wrong)
    assert _used(db) == 0
