"""TOTP enrolment, sign-in with a code or a recovery code, and an organisation's requirement."""

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, RecoveryCode, Role, User
from aseancyber.db import set_clock, utcnow
from tests import factories
from tests.access.helpers import csrf_of, element_text, login


@pytest.fixture
def org(db: Session) -> Organisation:
    return factories.make_org(db, state=factories.make_state(db, "MY"))


@pytest.fixture
def user(db: Session, org: Organisation) -> User:
    user = factories.make_user(db, org)
    db.commit()
    return user


def enrol(client: TestClient, db: Session) -> tuple[str, list[str]]:
    """Enrol through the pages as a person would; returns the secret and recovery codes."""
    page = client.get("/account/totp")
    assert page.status_code == 200
    assert "<svg" in page.text
    secret = element_text(page.text, "totp-secret")
    assert 'for="code">Code' in page.text
    assert ">Enable</button>" in page.text
    response = client.post(
        "/account/totp",
        data={"code": pyotp.TOTP(secret).at(utcnow()), "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 200, response.text
    codes = re.findall(r"<li><code>([0-9a-f]{8}-[0-9a-f]{8})</code></li>", response.text)
    assert len(codes) == 10
    return secret, codes


def sign_out(client: TestClient) -> None:
    page = client.get("/account")
    client.post("/logout", data={"csrf_token": csrf_of(page.text)})


def second_factor(client: TestClient, code: str) -> int:
    page = client.get("/login/second-factor")
    assert page.status_code == 200
    response = client.post(
        "/login/second-factor",
        data={"code": code, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    return response.status_code


def test_enrol_then_sign_in_with_a_code(client: TestClient, db: Session, user: User) -> None:
    set_clock(lambda: datetime(2026, 11, 28, 9, 0, 5, tzinfo=UTC))  # mid-step: deterministic codes
    factories.sign_in(client, db, user)
    secret, codes = enrol(client, db)
    db.refresh(user)
    assert user.totp_enabled
    assert user.totp_secret == secret
    stored = db.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))
    assert not set(codes) & set(stored), "recovery codes are stored hashed"
    assert "10 unused recovery codes" in client.get("/account/totp").text
    sign_out(client)

    response = login(client, user.email, factories.PASSWORD)
    assert response.headers["location"].startswith("/login/second-factor")
    # half signed in: nothing else opens yet
    assert (
        client.get("/account", follow_redirects=False).headers["location"] == "/login?next=/account"
    )
    assert second_factor(client, "000000") == 422
    used = pyotp.TOTP(secret).at(utcnow())  # the code that just enrolled the device
    assert second_factor(client, used) == 422, "a TOTP code is good once"
    following = pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30))
    assert second_factor(client, following) == 303
    assert client.get("/account").status_code == 200


def test_recovery_code_signs_in_once(client: TestClient, db: Session, user: User) -> None:
    factories.sign_in(client, db, user)
    _, codes = enrol(client, db)
    sign_out(client)
    login(client, user.email, factories.PASSWORD)
    assert second_factor(client, codes[0]) == 303
    assert client.get("/account").status_code == 200
    sign_out(client)
    login(client, user.email, factories.PASSWORD)
    assert second_factor(client, codes[0]) == 422
    assert second_factor(client, codes[1].upper()) == 303
    assert "8 unused recovery codes" in client.get("/account/totp").text


def test_wrong_enrolment_code_is_refused(client: TestClient, db: Session, user: User) -> None:
    factories.sign_in(client, db, user)
    page = client.get("/account/totp")
    secret = element_text(page.text, "totp-secret")
    again = client.get("/account/totp")
    assert element_text(again.text, "totp-secret") == secret, "reloading keeps the same key"
    response = client.post("/account/totp", data={"code": "12", "csrf_token": csrf_of(page.text)})
    assert response.status_code == 422
    assert "the code does not match" in response.text
    db.refresh(user)
    assert not user.totp_enabled


def test_second_factor_failures_are_throttled(
    client: TestClient, db: Session, user: User, settings: object
) -> None:
    factories.sign_in(client, db, user)
    enrol(client, db)
    sign_out(client)
    login(client, user.email, factories.PASSWORD)
    statuses = [second_factor(client, "000000") for _ in range(6)]
    assert statuses[:5] == [422] * 5
    assert statuses[5] == 429


def test_disable_needs_password_and_is_refused_when_required(
    client: TestClient, db: Session, user: User, org: Organisation
) -> None:
    csrf = factories.sign_in(client, db, user)
    enrol(client, db)
    response = client.post(
        "/account/totp/disable", data={"current_password": "wrong one", "csrf_token": csrf}
    )
    assert response.status_code == 422
    org.require_totp = True
    db.commit()
    response = client.post(
        "/account/totp/disable",
        data={"current_password": factories.PASSWORD, "csrf_token": csrf},
    )
    assert response.status_code == 422
    assert "requires a second factor" in response.text
    org.require_totp = False
    db.commit()
    response = client.post(
        "/account/totp/disable",
        data={"current_password": factories.PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    db.refresh(user)
    assert not user.totp_enabled
    assert user.totp_secret is None
    count = select(func.count()).where(RecoveryCode.user_id == user.id)
    assert db.scalar(count) == 0


def test_organisation_requirement_sends_users_to_enrol_first(
    client: TestClient, db: Session, user: User, org: Organisation
) -> None:
    org.require_totp = True
    db.commit()
    response = login(client, user.email, factories.PASSWORD)
    assert response.headers["location"] == "/account/totp"
    for path in ("/", "/account", "/account/tokens"):
        blocked = client.get(path, follow_redirects=False)
        assert blocked.status_code == 303, path
        assert blocked.headers["location"] == "/account/totp"
    # browser-session REST is held back too, with a problem document
    assert client.get("/api/v1/me").status_code == 403
    # API tokens are not affected
    headers = factories.bearer(db, user)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    enrol(client, db)
    assert client.get("/account").status_code == 200


def test_organisation_admin_requires_totp_for_their_organisation(
    client: TestClient, db: Session, org: Organisation
) -> None:
    admin = factories.make_user(db, org, Role.ORGANISATION_ADMIN)
    other = factories.make_org(db)
    db.commit()
    csrf = factories.sign_in(client, db, admin)
    page = client.get("/admin/users")
    assert "Require every user of this organisation" in page.text
    response = client.post(
        "/admin/users/require-totp",
        data={"organisation_id": org.id, "required": "true", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    db.refresh(org)
    assert org.require_totp
    # the admin themselves must now enrol before anything else
    assert client.get("/admin/users", follow_redirects=False).headers["location"] == (
        "/account/totp"
    )
    enrol(client, db)
    response = client.post(
        "/admin/users/require-totp",
        data={"organisation_id": other.id, "required": "true", "csrf_token": csrf},
    )
    assert response.status_code == 404
    db.refresh(other)
    assert not other.require_totp
