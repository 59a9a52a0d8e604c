"""API tokens: shown once, stored hashed, scoped, expiring, revocable, with a last-used time."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access import service
from aseancyber.access.models import ApiToken, TokenScope, User
from aseancyber.audit.models import AuditEntry
from aseancyber.db import set_clock
from tests import factories
from tests.access.helpers import csrf_of, element_text


@pytest.fixture
def user(db: Session) -> User:
    org = factories.make_org(db, state=factories.make_state(db, "TH"))
    user = factories.make_user(db, org)
    db.commit()
    return user


def _everything_stored(db: Session) -> str:
    audit = db.scalars(select(AuditEntry)).all()
    return " ".join(
        f"{a.record_id} {a.changed_fields} {a.before_digest} {a.after_digest}" for a in audit
    )


def test_token_page_shows_the_secret_once_and_stores_a_digest(
    client: TestClient, db: Session, user: User
) -> None:
    factories.sign_in(client, db, user)
    page = client.get("/account/tokens")
    response = client.post(
        "/account/tokens",
        data={"name": "MISP sync", "scope": "read_write", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 201
    secret = element_text(response.text, "token-secret")
    assert secret.startswith(service.TOKEN_PREFIX)
    token = db.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token is not None
    assert token.token_hash == service.sha256(secret)
    assert token.scope is TokenScope.READ_WRITE
    assert secret not in client.get("/account/tokens").text
    assert token.prefix in client.get("/account/tokens").text
    assert secret not in _everything_stored(db)
    assert secret not in response.headers.get("set-cookie", "")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    assert me.json()["email"] == user.email


def test_token_page_with_a_past_expiry_names_the_field(
    client: TestClient, db: Session, user: User
) -> None:
    factories.sign_in(client, db, user)
    page = client.get("/account/tokens")
    response = client.post(
        "/account/tokens",
        data={
            "name": "old",
            "scope": "read",
            "expires_on": "2001-01-01",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert response.status_code == 422
    assert 'id="expires_on-error"' in response.text
    bad = client.post(
        "/account/tokens",
        data={"name": "x", "scope": "admin", "csrf_token": csrf_of(page.text)},
    )
    assert bad.status_code == 422
    assert 'id="scope-error"' in bad.text
    assert db.scalar(select(ApiToken).where(ApiToken.user_id == user.id)) is None


def test_rest_tokens_create_list_revoke(client: TestClient, db: Session, user: User) -> None:
    headers = factories.bearer(db, user)
    created = client.post(
        "/api/v1/me/tokens",
        json={"name": "ci", "scope": "read", "expires_at": "2999-01-01T00:00:00+07:00"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith(service.TOKEN_PREFIX)
    assert body["expires_at"].startswith("2998-12-31T17:00:00")
    listed = client.get("/api/v1/me/tokens", headers=headers).json()
    assert {t["name"] for t in listed} == {"test", "ci"}
    assert all("secret" not in t and "token_hash" not in t for t in listed)
    revoked = client.delete(f"/api/v1/me/tokens/{body['id']}", headers=headers)
    assert revoked.status_code == 204
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['secret']}"}).status_code
        == 401
    )
    listed = client.get("/api/v1/me/tokens", headers=headers).json()
    assert next(t for t in listed if t["id"] == body["id"])["revoked_at"] is not None


def test_read_only_token_cannot_write(client: TestClient, db: Session, user: User) -> None:
    headers = factories.bearer(db, user, TokenScope.READ)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    response = client.post("/api/v1/me/tokens", json={"name": "escalate"}, headers=headers)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


def test_expired_token_is_refused(client: TestClient, db: Session, user: User) -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    set_clock(lambda: now)
    new = service.create_token(
        db, user=user, name="short", scope=TokenScope.READ, expires_at=now + timedelta(hours=1)
    )
    db.commit()
    headers = {"Authorization": f"Bearer {new.secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    set_clock(lambda: now + timedelta(hours=1, seconds=1))
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_unknown_token_is_refused(client: TestClient) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer acy_nonsense"})
    assert response.status_code == 401


def test_last_used_time_is_recorded(client: TestClient, db: Session, user: User) -> None:
    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    set_clock(lambda: now)
    new = service.create_token(db, user=user, name="t", scope=TokenScope.READ, expires_at=None)
    db.commit()
    assert new.token.last_used_at is None
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {new.secret}"})
    db.refresh(new.token)
    assert new.token.last_used_at == now


def test_browser_session_rest_write_needs_csrf_header(
    client: TestClient, db: Session, user: User
) -> None:
    csrf = factories.sign_in(client, db, user)
    assert client.post("/api/v1/me/tokens", json={"name": "x"}).status_code == 403
    response = client.post("/api/v1/me/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201


def test_cannot_revoke_someone_elses_token(client: TestClient, db: Session, user: User) -> None:
    other = factories.make_user(db, user.organisation)
    theirs = service.create_token(db, user=other, name="t", scope=TokenScope.READ, expires_at=None)
    headers = factories.bearer(db, user)
    response = client.delete(f"/api/v1/me/tokens/{theirs.token.id}", headers=headers)
    assert response.status_code == 404
    db.refresh(theirs.token)
    assert theirs.token.revoked_at is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x", "scope": "root"}, "scope"),
        ({"name": "x", "expires_at": "2030-01-01T00:00:00"}, "expires_at"),
        ({"name": "x", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"name": "x", "expires_at": "9999-12-31T23:59:59-23:59"}, "expires_at"),
        ({"name": "x", "owner": "someone"}, "owner"),
        ({"name": "a\u0000b"}, "name"),
    ],
)
def test_bad_token_requests_name_the_field(
    client: TestClient, db: Session, user: User, body: dict[str, str], field: str
) -> None:
    response = client.post("/api/v1/me/tokens", json=body, headers=factories.bearer(db, user))
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["errors"]}
