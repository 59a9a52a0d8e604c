"""Password reset and invitations by e-mailed, signed, single-use links."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import LoginSession, Organisation, Role, User
from aseancyber.audit.models import AuditEntry
from aseancyber.db import set_clock
from aseancyber.notify import links
from aseancyber.notify.models import OutboundEmail, UsedLink
from aseancyber.settings import Settings
from aseancyber.web.security import SESSION_COOKIE
from tests import factories
from tests.access.helpers import csrf_of, login, page_csrf

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def org(db: Session) -> Organisation:
    return factories.make_org(db, state=factories.make_state(db, "VN"))


@pytest.fixture
def user(db: Session, org: Organisation) -> User:
    user = factories.make_user(db, org, email="reset.me@example.org")
    db.commit()
    return user


def emails_to(db: Session, address: str) -> list[OutboundEmail]:
    return list(db.scalars(select(OutboundEmail).where(OutboundEmail.to_address == address)))


def link_in(email: OutboundEmail, settings: Settings, path: str) -> str:
    match = re.search(rf"{re.escape(settings.base_url)}{path}\?token=\S+", email.body)
    assert match, email.body
    return match.group(0)


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def ask_for_reset(client: TestClient, email: str) -> str:
    token = page_csrf(client, "/password/forgot")
    response = client.post("/password/forgot", data={"email": email, "csrf_token": token})
    assert response.status_code == 200
    return response.text


def nothing_recorded(db: Session) -> tuple[int, int]:
    return (
        db.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        db.scalar(select(func.count()).select_from(UsedLink)) or 0,
    )


def set_password(client: TestClient, path: str, token: str, password: str) -> int:
    page = page_csrf(client, "/login")
    response = client.post(
        path,
        data={
            "token": token,
            "password": password,
            "password_confirm": password,
            "csrf_token": page,
        },
        follow_redirects=False,
    )
    return response.status_code


def test_reset_answers_the_same_and_mails_only_real_accounts(
    client: TestClient, db: Session, user: User, settings: Settings
) -> None:
    known = ask_for_reset(client, "Reset.Me@example.org")
    unknown = ask_for_reset(client, "nobody@example.org")
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", known) == strip.sub("", unknown)
    assert emails_to(db, "nobody@example.org") == []
    (email,) = emails_to(db, user.email)
    assert link_in(email, settings, "/password/reset")


def test_reset_link_works_exactly_once(
    client: TestClient, db: Session, user: User, settings: Settings
) -> None:
    factories.sign_in(client, db, user)
    client.cookies.clear()
    ask_for_reset(client, user.email)
    url = link_in(emails_to(db, user.email)[0], settings, "/password/reset")
    token = token_of(url)
    page = client.get(url.removeprefix(settings.base_url))
    assert page.status_code == 200
    assert user.email in page.text
    assert set_password(client, "/password/reset", token, NEW_PASSWORD) == 303
    sessions = select(func.count()).where(LoginSession.user_id == user.id)
    assert db.scalar(sessions) == 0, "a reset signs the account out everywhere"
    assert login(client, user.email, factories.PASSWORD).status_code == 401
    assert login(client, user.email, NEW_PASSWORD).status_code == 303
    client.cookies.clear()
    before = nothing_recorded(db)
    again = client.get(url.removeprefix(settings.base_url))
    assert again.status_code == 400
    assert "already been used" in again.text
    assert set_password(client, "/password/reset", token, "yet another passphrase") == 400
    assert nothing_recorded(db) == before
    assert login(client, user.email, NEW_PASSWORD).status_code == 303


def test_forged_and_expired_reset_links_record_nothing(
    client: TestClient, db: Session, user: User
) -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    set_clock(lambda: now)
    token = links.make_token("password-reset", user.id, max_age_seconds=3600)
    signature = token.partition(".")[2]
    forged = links.make_token("password-reset", "someone-else").partition(".")[0] + "." + signature
    wrong_purpose = links.make_token("invitation", user.id)
    before = nothing_recorded(db)
    hash_before = user.password_hash
    for bad in (forged, wrong_purpose, "garbage", ""):
        assert set_password(client, "/password/reset", bad, NEW_PASSWORD) in {400, 422}
        assert client.get("/password/reset", params={"token": bad}).status_code == 400
    set_clock(lambda: now + timedelta(seconds=3601))
    response = client.get("/password/reset", params={"token": token})
    assert response.status_code == 400
    assert "expired" in response.text
    assert set_password(client, "/password/reset", token, NEW_PASSWORD) == 400
    assert nothing_recorded(db) == before
    db.refresh(user)
    assert user.password_hash == hash_before


def test_short_password_keeps_the_link_usable(client: TestClient, db: Session, user: User) -> None:
    token = links.make_token("password-reset", user.id, max_age_seconds=3600)
    db.commit()
    assert set_password(client, "/password/reset", token, "short") == 422
    assert set_password(client, "/password/reset", token, NEW_PASSWORD) == 303


def test_rest_password_reset_is_accepted_whatever_the_address(
    client: TestClient, db: Session, user: User
) -> None:
    for address in (user.email, "nobody@example.org"):
        response = client.post("/api/v1/auth/password-reset", json={"email": address})
        assert response.status_code == 202
    assert len(emails_to(db, user.email)) == 1
    bad = client.post("/api/v1/auth/password-reset", json={"email": "not an address"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "email"


def test_reset_mails_are_limited_per_account(client: TestClient, db: Session, user: User) -> None:
    for _ in range(6):
        client.post("/api/v1/auth/password-reset", json={"email": user.email})
    assert len(emails_to(db, user.email)) == 3


def test_invitation_creates_user_and_link_signs_in_once(
    client: TestClient, db: Session, org: Organisation, settings: Settings
) -> None:
    admin = factories.make_user(db, org, Role.ORGANISATION_ADMIN)
    headers = factories.bearer(db, admin)
    response = client.post(
        "/api/v1/users",
        json={"email": "New.Person@Example.org", "display_name": "New Person", "roles": ["viewer"]},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email"] == "new.person@example.org"
    assert body["invitation_pending"] is True
    assert "password_hash" not in body
    invited = db.get(User, body["id"])
    assert invited is not None
    assert invited.password_hash is None
    assert invited.organisation_id == org.id
    (email,) = emails_to(db, "new.person@example.org")
    url = link_in(email, settings, "/invitation")
    # an invited user cannot sign in before choosing a password
    assert login(client, invited.email, NEW_PASSWORD).status_code == 401
    page = client.get(url.removeprefix(settings.base_url))
    assert page.status_code == 200
    assert "New Person" in page.text
    response = client.post(
        "/invitation",
        data={
            "token": token_of(url),
            "password": "short",
            "password_confirm": "short",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert response.status_code == 422
    response = client.post(
        "/invitation",
        data={
            "token": token_of(url),
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert SESSION_COOKIE in client.cookies
    assert client.get("/account").status_code == 200
    client.cookies.clear()
    assert client.get(url.removeprefix(settings.base_url)).status_code == 400
    assert set_password(client, "/invitation", token_of(url), "another long passphrase") == 400
    assert login(client, "new.person@example.org", NEW_PASSWORD).status_code == 303


def test_invitation_page_needs_matching_confirmation(
    client: TestClient, db: Session, org: Organisation
) -> None:
    invited = factories.make_user(db, org)
    invited.password_hash = None
    db.commit()
    token = links.make_token("invitation", invited.id)
    csrf = page_csrf(client, "/login")
    response = client.post(
        "/invitation",
        data={
            "token": token,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD + "x",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 422
    assert 'id="password_confirm-error"' in response.text
