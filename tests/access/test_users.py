"""User administration: reach limited to one's organisation, role rules, conflicts, bad input."""

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import LoginSession, Organisation, OrganisationKind, Role, User
from aseancyber.notify.models import OutboundEmail
from tests import factories
from tests.access.helpers import csrf_of


@dataclass
class World:
    org: Organisation
    other_org: Organisation
    admin: User
    member: User
    outsider: User
    platform_admin: User


@pytest.fixture
def world(db: Session) -> World:
    sg = factories.make_state(db, "SG")
    my = factories.make_state(db, "MY")
    org = factories.make_org(db, state=sg)
    other_org = factories.make_org(db, state=my)
    secretariat = factories.make_org(db, kind=OrganisationKind.SECRETARIAT)
    world = World(
        org=org,
        other_org=other_org,
        admin=factories.make_user(db, org, Role.ORGANISATION_ADMIN, email="admin.sg@example.org"),
        member=factories.make_user(db, org, Role.CONTRIBUTOR, email="member.sg@example.org"),
        outsider=factories.make_user(
            db, other_org, Role.CONTRIBUTOR, email="member.my@example.org"
        ),
        platform_admin=factories.make_user(db, secretariat, Role.PLATFORM_ADMIN),
    )
    db.commit()
    return world


def test_org_admin_lists_only_their_organisation(
    client: TestClient, db: Session, world: World
) -> None:
    headers = factories.bearer(db, world.admin)
    emails = {u["email"] for u in client.get("/api/v1/users", headers=headers).json()["items"]}
    assert emails == {world.admin.email, world.member.email}
    factories.sign_in(client, db, world.admin)
    page = client.get("/admin/users")
    assert page.status_code == 200
    assert world.member.email in page.text
    assert world.outsider.email not in page.text


def test_other_organisations_users_are_not_found(
    client: TestClient, db: Session, world: World
) -> None:
    headers = factories.bearer(db, world.admin)
    outsider = world.outsider
    assert client.get(f"/api/v1/users/{outsider.id}", headers=headers).status_code == 404
    patch = {"version": outsider.version, "is_active": False}
    response = client.patch(f"/api/v1/users/{outsider.id}", json=patch, headers=headers)
    assert response.status_code == 404
    csrf = factories.sign_in(client, db, world.admin)
    assert client.get(f"/admin/users/{outsider.id}").status_code == 404
    response = client.post(
        f"/admin/users/{outsider.id}",
        data={"display_name": "Taken", "version": str(outsider.version), "csrf_token": csrf},
    )
    assert response.status_code == 404
    db.refresh(outsider)
    assert outsider.is_active
    assert outsider.display_name != "Taken"


def test_platform_admin_sees_every_organisation_with_filter_and_search(
    client: TestClient, db: Session, world: World
) -> None:
    headers = factories.bearer(db, world.platform_admin)
    items = client.get("/api/v1/users", headers=headers, params={"limit": 500}).json()["items"]
    assert {world.admin.email, world.outsider.email} <= {u["email"] for u in items}
    filtered = client.get(
        "/api/v1/users", headers=headers, params={"organisation_id": world.other_org.id}
    ).json()["items"]
    assert [u["email"] for u in filtered] == [world.outsider.email]
    found = client.get("/api/v1/users", headers=headers, params={"q": "MEMBER.s"}).json()
    assert [u["email"] for u in found["items"]] == [world.member.email]
    assert client.get("/api/v1/users", headers=headers, params={"q": "%"}).json()["items"] == []
    factories.sign_in(client, db, world.platform_admin)
    page = client.get("/admin/users", params={"organisation": world.other_org.id, "q": "member"})
    assert world.outsider.email in page.text
    assert world.member.email not in page.text


def test_users_list_is_keyset_paginated(client: TestClient, db: Session, world: World) -> None:
    for n in range(5):
        factories.make_user(db, world.org, email=f"extra{n}@example.org")
    headers = factories.bearer(db, world.admin)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/api/v1/users", headers=headers, params=params).json()
        seen += [u["email"] for u in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 7
    assert seen == sorted(seen)
    factories.sign_in(client, db, world.admin)
    first = client.get("/admin/users?cursor=").text
    assert "extra0@example.org" in first


def test_org_admin_cannot_grant_platform_roles(
    client: TestClient, db: Session, world: World
) -> None:
    headers = factories.bearer(db, world.admin)
    member = world.member
    for role in ("platform_admin", "regional_coordinator"):
        response = client.patch(
            f"/api/v1/users/{member.id}",
            json={"version": member.version, "roles": ["contributor", role]},
            headers=headers,
        )
        assert response.status_code == 403, role
        invite = client.post(
            "/api/v1/users",
            json={"email": f"{role}@example.org", "display_name": "X", "roles": [role]},
            headers=headers,
        )
        assert invite.status_code == 403
    db.refresh(member)
    assert member.role_set == {Role.CONTRIBUTOR}
    assert db.scalar(select(User).where(User.email == "platform_admin@example.org")) is None


def test_org_admin_invites_only_into_their_organisation(
    client: TestClient, db: Session, world: World
) -> None:
    headers = factories.bearer(db, world.admin)
    response = client.post(
        "/api/v1/users",
        json={
            "email": "spy@example.org",
            "display_name": "Spy",
            "roles": ["viewer"],
            "organisation_id": world.other_org.id,
        },
        headers=headers,
    )
    assert response.status_code == 404
    duplicate = client.post(
        "/api/v1/users",
        json={"email": world.member.email.upper(), "display_name": "Again", "roles": ["viewer"]},
        headers=headers,
    )
    assert duplicate.status_code == 409


def test_platform_admin_grants_platform_roles_in_any_organisation(
    client: TestClient, db: Session, world: World
) -> None:
    headers = factories.bearer(db, world.platform_admin)
    outsider = world.outsider
    response = client.patch(
        f"/api/v1/users/{outsider.id}",
        json={"version": outsider.version, "roles": ["regional_coordinator", "viewer"]},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == ["regional_coordinator", "viewer"]
    assert response.json()["version"] == outsider.version + 1


def test_nobody_changes_their_own_roles(client: TestClient, db: Session, world: World) -> None:
    for user in (world.admin, world.platform_admin):
        headers = factories.bearer(db, user)
        response = client.patch(
            f"/api/v1/users/{user.id}",
            json={"version": user.version, "roles": ["viewer"]},
            headers=headers,
        )
        assert response.status_code == 403
        deactivate = client.patch(
            f"/api/v1/users/{user.id}",
            json={"version": user.version, "is_active": False},
            headers=headers,
        )
        assert deactivate.status_code == 403
    # renaming oneself through the admin form keeps the roles (sent as hidden fields)
    csrf = factories.sign_in(client, db, world.admin)
    page = client.get(f"/admin/users/{world.admin.id}")
    assert 'type="hidden" name="roles" value="organisation_admin"' in page.text
    response = client.post(
        f"/admin/users/{world.admin.id}",
        data={
            "display_name": "Renamed Admin",
            "version": str(world.admin.version),
            "roles": ["organisation_admin"],
            "is_active": "true",
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_concurrent_edit_is_a_conflict(client: TestClient, db: Session, world: World) -> None:
    headers = factories.bearer(db, world.admin)
    member = world.member
    loaded = client.get(f"/api/v1/users/{member.id}", headers=headers).json()["version"]
    first = client.patch(
        f"/api/v1/users/{member.id}",
        json={"version": loaded, "roles": ["viewer"]},
        headers=headers,
    )
    assert first.status_code == 200
    second = client.patch(
        f"/api/v1/users/{member.id}",
        json={"version": loaded, "display_name": "Overwrite"},
        headers=headers,
    )
    assert second.status_code == 409
    assert "someone else changed this user" in second.json()["detail"]
    csrf = factories.sign_in(client, db, world.admin)
    page = client.post(
        f"/admin/users/{member.id}",
        data={
            "display_name": "Overwrite",
            "version": str(loaded),
            "roles": ["viewer"],
            "is_active": "true",
            "csrf_token": csrf,
        },
    )
    assert page.status_code == 409
    db.refresh(member)
    assert member.display_name != "Overwrite"
    assert member.role_set == {Role.VIEWER}


def test_deactivating_a_user_ends_their_sessions_and_tokens(
    client: TestClient, db: Session, world: World
) -> None:
    member = world.member
    member_token = factories.bearer(db, member)
    factories.sign_in(client, db, member)
    assert db.scalar(select(func.count()).where(LoginSession.user_id == member.id)) == 1
    client.cookies.clear()
    csrf = factories.sign_in(client, db, world.admin)
    page = client.get(f"/admin/users/{member.id}")
    response = client.post(
        f"/admin/users/{member.id}",
        data={
            "display_name": member.display_name,
            "version": str(member.version),
            "roles": ["contributor"],
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert csrf == csrf_of(page.text)
    db.refresh(member)
    assert not member.is_active
    assert db.scalar(select(func.count()).where(LoginSession.user_id == member.id)) == 0
    assert client.get("/api/v1/me", headers=member_token).status_code == 401


def test_invite_page_sends_an_invitation(client: TestClient, db: Session, world: World) -> None:
    csrf = factories.sign_in(client, db, world.admin)
    page = client.get("/admin/users/new")
    assert 'value="platform_admin"' not in page.text
    response = client.post(
        "/admin/users/new",
        data={
            "email": "fresh@example.org",
            "display_name": "Fresh Analyst",
            "roles": ["contributor"],
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    user = db.scalar(select(User).where(User.email == "fresh@example.org"))
    assert user is not None
    assert user.organisation_id == world.org.id
    assert response.headers["location"] == f"/admin/users/{user.id}"
    mail = db.scalar(select(OutboundEmail).where(OutboundEmail.to_address == user.email))
    assert mail is not None
    assert "/invitation?token=" in mail.body
    bad = client.post(
        "/admin/users/new",
        data={"email": "not-an-email", "display_name": "", "csrf_token": csrf},
    )
    assert bad.status_code == 422
    for field in ("email", "display_name", "roles"):
        assert f'id="{field}-error"' in bad.text


def test_admin_pages_need_the_permission(client: TestClient, db: Session, world: World) -> None:
    factories.sign_in(client, db, world.member)
    assert client.get("/admin/users").status_code == 403
    headers = factories.bearer(db, world.member)
    assert client.get("/api/v1/users", headers=headers).status_code == 403
    client.cookies.clear()
    assert (
        client.get("/admin/users", follow_redirects=False).headers["location"]
        == "/login?next=/admin/users"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "version"),
        ({"version": 1, "roles": ["emperor"]}, "roles.0"),
        ({"version": 1, "roles": []}, "roles"),
        ({"version": 1, "display_name": ""}, "display_name"),
        ({"version": "one"}, "version"),
        ({"version": 1, "password_hash": "x"}, "password_hash"),
    ],
)
def test_bad_patch_names_the_field(
    client: TestClient, db: Session, world: World, body: dict[str, object], field: str
) -> None:
    headers = factories.bearer(db, world.admin)
    response = client.patch(f"/api/v1/users/{world.member.id}", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["errors"]}


def test_bad_list_parameters_are_422(client: TestClient, db: Session, world: World) -> None:
    headers = factories.bearer(db, world.admin)
    for params in ({"limit": 0}, {"limit": 10_000}, {"cursor": "!!!"}):
        response = client.get("/api/v1/users", headers=headers, params=params)
        assert response.status_code == 422, params


def test_me_never_shows_secrets(client: TestClient, db: Session, world: World) -> None:
    headers = factories.bearer(db, world.admin)
    body = client.get("/api/v1/me", headers=headers).json()
    assert body["email"] == world.admin.email
    assert "user:manage" in body["permissions"]
    assert not {"password_hash", "totp_secret", "token_hash"} & set(body)
    response = client.patch(
        "/api/v1/me",
        json={"version": body["version"], "display_name": "Me", "time_zone": "Mars/Olympus"},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "time_zone"
    response = client.patch(
        "/api/v1/me",
        json={"version": body["version"], "display_name": "Me", "time_zone": "Asia/Jakarta"},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json()["time_zone"] == "Asia/Jakarta"
