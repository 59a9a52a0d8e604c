"""Sign-in, sign-out, the session cookie, CSRF on anonymous forms, and login throttling."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.models import LoginAttempt, LoginSession, User
from aseancyber.access.service import start_session
from aseancyber.audit.models import AuditEntry
from aseancyber.db import set_clock
from aseancyber.settings import Settings
from aseancyber.web.security import SESSION_COOKIE
from aseancyber.web.templating import ANON_CSRF_COOKIE
from tests import factories
from tests.access.helpers import login, page_csrf

WRONG = "The e-mail address or password is not correct."


@pytest.fixture
def user(db: Session) -> User:
    org = factories.make_org(db, state=factories.make_state(db, "SG"))
    user = factories.make_user(db, org, email="analyst@example.org")
    db.commit()
    return user


def _session_cookie_header(headers: list[str]) -> str:
    return next(h for h in headers if h.startswith(f"{SESSION_COOKIE}="))


def test_sign_in_sets_a_safe_session_cookie_and_opens_the_account(
    client: TestClient, db: Session, user: User, settings: Settings
) -> None:
    response = login(client, "Analyst@Example.org ", factories.PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = _session_cookie_header(response.headers.get_list("set-cookie")).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert f"max-age={settings.session_max_age_seconds}" in cookie
    assert "secure" not in cookie
    assert client.get("/account").status_code == 200
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.record_id == user.id)).all()
    assert "user.login" in actions


def test_session_cookie_is_secure_when_configured(
    app: FastAPI, user: User, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "secure_cookies", True)
    with TestClient(app, base_url="https://testserver") as client:
        response = login(client, user.email, factories.PASSWORD)
    assert response.status_code == 303
    assert "secure" in _session_cookie_header(response.headers.get_list("set-cookie")).lower()


def test_sign_in_follows_only_same_site_next(client: TestClient, user: User) -> None:
    token = page_csrf(client)
    form = {"email": user.email, "password": factories.PASSWORD, "csrf_token": token}
    response = client.post(
        "/login", data={**form, "next": "https://evil.example/"}, follow_redirects=False
    )
    assert response.headers["location"] == "/"
    client.cookies.clear()
    token = page_csrf(client)
    response = client.post(
        "/login",
        data={**form, "csrf_token": token, "next": "/account/tokens"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/account/tokens"


def test_wrong_password_and_unknown_account_get_the_same_answer(
    client: TestClient, db: Session, user: User
) -> None:
    wrong = login(client, user.email, "not the password at all")
    unknown = login(client, "nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert WRONG in wrong.text
    assert WRONG in unknown.text
    assert SESSION_COOKIE not in client.cookies
    assert (
        client.get("/account", follow_redirects=False).headers["location"] == "/login?next=/account"
    )
    # the failures were kept even though the sign-in failed: throttling counts them
    assert db.scalar(select(func.count()).select_from(LoginAttempt)) == 2


def test_inactive_user_cannot_sign_in(client: TestClient, db: Session, user: User) -> None:
    user.is_active = False
    db.commit()
    assert login(client, user.email, factories.PASSWORD).status_code == 401


def test_invited_user_without_password_cannot_sign_in(client: TestClient, db: Session) -> None:
    org = factories.make_org(db)
    invited = factories.make_user(db, org)
    invited.password_hash = None
    db.commit()
    assert login(client, invited.email, "").status_code in {401, 422}
    assert login(client, invited.email, "anything at all here").status_code == 401


def test_form_post_without_csrf_token_is_refused(client: TestClient, user: User) -> None:
    page_csrf(client)  # the cookie is set, but the form does not carry the token
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 403
    response = client.post(
        "/login",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": "forged"},
    )
    assert response.status_code == 403
    assert SESSION_COOKIE not in client.cookies


def test_anonymous_csrf_cookie_is_set_once_and_http_only(client: TestClient) -> None:
    first = client.get("/login")
    cookie = next(h for h in first.headers.get_list("set-cookie") if h.startswith(ANON_CSRF_COOKIE))
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    second = client.get("/password/forgot")
    assert not any(h.startswith(ANON_CSRF_COOKIE) for h in second.headers.get_list("set-cookie"))


def test_signed_in_form_post_without_csrf_token_is_refused(
    client: TestClient, db: Session, user: User
) -> None:
    factories.sign_in(client, db, user)
    response = client.post("/account", data={"display_name": "X", "time_zone": "UTC"})
    assert response.status_code == 403


def test_sign_out_ends_the_session(client: TestClient, db: Session, user: User) -> None:
    csrf = factories.sign_in(client, db, user)
    assert client.get("/account").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert db.scalar(select(func.count()).where(LoginSession.user_id == user.id)) == 0
    assert (
        client.get("/account", follow_redirects=False).headers["location"] == "/login?next=/account"
    )
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.record_id == user.id)).all()
    assert "user.logout" in actions


def test_sign_out_of_a_live_session_needs_its_token(
    client: TestClient, db: Session, user: User
) -> None:
    factories.sign_in(client, db, user)
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert db.scalar(select(func.count()).where(LoginSession.user_id == user.id)) == 1


def test_sign_out_after_the_session_expired_still_signs_out(
    client: TestClient, db: Session, user: User
) -> None:
    csrf = factories.sign_in(client, db, user)
    db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_throttled_per_account_until_the_window_passes(
    client: TestClient, user: User, settings: Settings
) -> None:
    start = datetime(2030, 5, 1, 8, 0, tzinfo=UTC)
    set_clock(lambda: start)
    for _ in range(settings.login_max_failures_per_account):
        assert login(client, user.email, "guess guess guess").status_code == 401
    blocked = login(client, user.email, factories.PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.text
    later = start + timedelta(seconds=settings.login_failure_window_seconds + 1)
    set_clock(lambda: later)
    assert login(client, user.email, factories.PASSWORD).status_code == 303


def test_throttled_per_address_across_accounts(
    client: TestClient, user: User, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "login_max_failures_per_address", 3)
    start = datetime(2030, 5, 1, 8, 0, tzinfo=UTC)
    set_clock(lambda: start)
    for n in range(3):
        assert login(client, f"guess{n}@example.org", "guess guess guess").status_code == 401
    # the account itself has no failures, but this address has used up its attempts
    assert login(client, user.email, factories.PASSWORD).status_code == 429
    set_clock(lambda: start + timedelta(seconds=settings.login_failure_window_seconds + 1))
    assert login(client, user.email, factories.PASSWORD).status_code == 303


def test_login_form_with_missing_field_names_it(client: TestClient) -> None:
    token = page_csrf(client)
    response = client.post("/login", data={"email": "a@example.org", "csrf_token": token})
    assert response.status_code == 422
    assert "password" in response.text


def test_oversized_login_fields_are_refused_not_crashed(client: TestClient) -> None:
    token = page_csrf(client)
    response = client.post(
        "/login", data={"email": "a" * 5000, "password": "x", "csrf_token": token}
    )
    assert response.status_code == 422
    message = "<strong>E-mail</strong>: Use at most 320 characters (you entered 5000)."
    assert message in response.text


def test_two_sign_ins_at_once_do_not_conflict(
    session_factory: sessionmaker[Session], user: User
) -> None:
    """Each sign-in read the account before the other wrote: neither is refused as an edit
    of an older version, and the account's version (which guards real edits) is unchanged."""
    first, second = session_factory(), session_factory()
    one = first.get_one(User, user.id)
    other = second.get_one(User, user.id)
    version = one.version
    start_session(first, user=one, address="198.51.100.1")  # flushes
    start_session(second, user=other, address="198.51.100.2")  # a stale edit raises here
    first.refresh(one)
    assert one.version == version
    assert one.last_login_at is not None
    assert (
        first.scalar(
            select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)
        )
        == 2
    )
