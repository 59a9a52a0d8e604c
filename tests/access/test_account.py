"""The account page: profile with time zone, changing one's password."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import LoginSession, User
from tests import factories
from tests.access.helpers import login

NEW_PASSWORD = "another long passphrase"


@pytest.fixture
def user(db: Session) -> User:
    org = factories.make_org(db, state=factories.make_state(db, "ID"))
    user = factories.make_user(db, org, time_zone="Asia/Jakarta")
    db.commit()
    return user


def test_account_page_shows_profile_and_links(client: TestClient, db: Session, user: User) -> None:
    factories.sign_in(client, db, user)
    page = client.get("/account")
    assert page.status_code == 200
    assert user.email in page.text
    assert "<option selected>Asia/Jakarta</option>" in page.text
    assert 'href="/account/tokens"' in page.text
    assert 'href="/notifications/preferences"' in page.text
    assert 'href="/account/totp"' in page.text


def test_profile_update_validates_time_zone_and_version(
    client: TestClient, db: Session, user: User
) -> None:
    csrf = factories.sign_in(client, db, user)
    form = {"display_name": "Dewi", "time_zone": "Asia/Manila", "csrf_token": csrf}
    bad = client.post("/account", data={**form, "time_zone": "Nowhere/Town", "version": "1"})
    assert bad.status_code == 422
    assert 'id="time_zone-error"' in bad.text
    blank = client.post("/account", data={**form, "display_name": " ", "version": "1"})
    assert blank.status_code == 422
    assert 'id="display_name-error"' in blank.text
    ok = client.post(
        "/account", data={**form, "version": str(user.version)}, follow_redirects=False
    )
    assert ok.status_code == 303
    stale = client.post("/account", data={**form, "version": str(user.version)})
    assert stale.status_code == 409
    db.refresh(user)
    assert (user.display_name, user.time_zone) == ("Dewi", "Asia/Manila")


def test_password_change_needs_current_password_and_signs_out_everywhere(
    client: TestClient, db: Session, user: User
) -> None:
    csrf = factories.sign_in(client, db, user)
    form = {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD, "csrf_token": csrf}
    wrong = client.post("/account/password", data={**form, "current_password": "nope nope"})
    assert wrong.status_code == 422
    assert 'id="current_password-error"' in wrong.text
    mismatch = client.post(
        "/account/password",
        data={**form, "current_password": factories.PASSWORD, "password_confirm": "other"},
    )
    assert mismatch.status_code == 422
    assert 'id="password_confirm-error"' in mismatch.text
    short = client.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "password": "short",
            "password_confirm": "short",
            "csrf_token": csrf,
        },
    )
    assert short.status_code == 422
    done = client.post(
        "/account/password",
        data={**form, "current_password": factories.PASSWORD},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/login"
    assert db.scalar(select(func.count()).where(LoginSession.user_id == user.id)) == 0
    assert (
        client.get("/account", follow_redirects=False).headers["location"] == "/login?next=/account"
    )
    assert login(client, user.email, NEW_PASSWORD).status_code == 303
