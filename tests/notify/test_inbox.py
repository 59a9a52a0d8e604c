"""The inbox over REST and as pages: each user reaches only their own notifications."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.db import set_clock
from aseancyber.notify import service
from aseancyber.notify.models import DeliveryMode, Notification, NotificationKind
from tests.factories import actor, bearer, make_org, make_state, make_user, sign_in

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
API = "/api/v1/notifications"


def _user(db: Session) -> User:
    return make_user(db, make_org(db, state=make_state(db)))


def _fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def _notify(db: Session, user: User, count: int) -> list[Notification]:
    """``count`` notifications, one minute apart, the last one newest."""
    made = []
    for n in range(count):
        set_clock(_fixed(T0 + timedelta(minutes=n)))
        made += service.notify(
            db, user_ids=[user.id], kind=NotificationKind.SYSTEM, title=f"News {n}", link="/"
        )
    set_clock(None)
    return made


def test_list_newest_first_with_cursor_pages_and_unread_count(
    client: TestClient, db: Session
) -> None:
    user = _user(db)
    made = _notify(db, user, 5)
    service.mark_read(db, actor=actor(user), notification_id=made[0].id)
    headers = bearer(db, user)

    first = client.get(API, params={"limit": 2}, headers=headers).json()
    assert [n["title"] for n in first["items"]] == ["News 4", "News 3"]
    assert first["unread_count"] == 4
    second = client.get(
        API, params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
    ).json()
    assert [n["title"] for n in second["items"]] == ["News 2", "News 1"]
    third = client.get(
        API, params={"limit": 2, "cursor": second["next_cursor"]}, headers=headers
    ).json()
    assert [n["title"] for n in third["items"]] == ["News 0"]
    assert third["next_cursor"] is None

    unread = client.get(API, params={"unread": "true"}, headers=headers).json()
    assert len(unread["items"]) == 4
    assert all(n["read_at"] is None for n in unread["items"])


def test_mark_read_and_read_all(client: TestClient, db: Session) -> None:
    user = _user(db)
    made = _notify(db, user, 3)
    headers = bearer(db, user)

    response = client.post(f"{API}/{made[1].id}/read", headers=headers)
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert client.post(f"{API}/{made[1].id}/read", headers=headers).status_code == 200

    assert client.post(f"{API}/read-all", headers=headers).json() == {"marked": 2}
    assert client.get(API, headers=headers).json()["unread_count"] == 0


def test_another_users_notification_is_not_found(client: TestClient, db: Session) -> None:
    owner, other = _user(db), _user(db)
    [theirs] = _notify(db, owner, 1)
    headers = bearer(db, other)

    response = client.post(f"{API}/{theirs.id}/read", headers=headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert client.post(f"{API}/no-such-id/read", headers=headers).status_code == 404
    assert client.get(API, headers=headers).json() == {
        "items": [],
        "next_cursor": None,
        "unread_count": 0,
    }
    assert client.post(f"{API}/read-all", headers=headers).json() == {"marked": 0}
    db.refresh(theirs)
    assert theirs.read_at is None


def test_the_inbox_needs_a_signed_in_user(client: TestClient) -> None:
    assert client.get(API).status_code == 401
    assert client.post(f"{API}/read-all").status_code == 401


def test_a_bad_cursor_or_limit_names_the_field(client: TestClient, db: Session) -> None:
    headers = bearer(db, _user(db))
    response = client.get(API, params={"cursor": "garbage"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"
    response = client.get(API, params={"limit": 0}, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


def test_preferences_over_rest(client: TestClient, db: Session) -> None:
    headers = bearer(db, _user(db))
    url = f"{API}/preferences"
    # Other domains add kinds to the enum: every kind but the digest itself is a preference.
    defaults = {
        kind.value: "immediately"
        for kind in NotificationKind
        if kind is not NotificationKind.DIGEST
    }
    assert {"account", "security", "system"} <= defaults.keys()
    assert client.get(url, headers=headers).json() == {"preferences": defaults}
    response = client.put(
        url, json={"preferences": {"system": "daily_digest", "account": "off"}}, headers=headers
    )
    assert response.status_code == 200
    assert response.json()["preferences"] == {
        **defaults,
        "account": "off",
        "system": "daily_digest",
    }
    for body, field in [
        ({"preferences": {"security": "off"}}, "security"),
        ({"preferences": {"system": "weekly"}}, "preferences.system"),
        ({"preferences": {"nonsense": "off"}}, "preferences.nonsense"),
        ({"preferences": {}, "extra": 1}, "extra"),
    ]:
        refused = client.put(url, json=body, headers=headers)
        assert refused.status_code == 422, body
        fields = [e["field"] for e in refused.json()["errors"]]
        assert any(f.startswith(field) for f in fields), fields
    assert client.get(url, headers=headers).json()["preferences"]["account"] == "off"


# --- pages ----------------------------------------------------------------------------------


def test_inbox_page_shows_unread_in_bold_and_the_header_count(
    client: TestClient, db: Session
) -> None:
    user = _user(db)
    made = _notify(db, user, 2)
    service.mark_read(db, actor=actor(user), notification_id=made[0].id)
    sign_in(client, db, user)

    page = client.get("/inbox")
    assert page.status_code == 200
    assert '<strong><a href="/">News 1</a></strong>' in page.text
    assert '<strong><a href="/">News 0</a></strong>' not in page.text
    assert page.context["unread_count"] == 1  # type: ignore[attr-defined]


def test_mark_read_and_read_all_from_the_page(client: TestClient, db: Session) -> None:
    user, other = _user(db), _user(db)
    made = _notify(db, user, 3)
    [theirs] = _notify(db, other, 1)
    csrf = sign_in(client, db, user)

    response = client.post(
        f"/inbox/{made[0].id}/read", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/inbox"
    assert client.post(f"/inbox/{theirs.id}/read", data={"csrf_token": csrf}).status_code == 404
    assert client.post(f"/inbox/{made[1].id}/read", data={}).status_code == 403

    response = client.post("/inbox/read-all", data={"csrf_token": csrf})
    assert response.status_code == 200
    assert "Marked 2 notification(s) read." in response.text
    assert service.unread_count(db, actor=actor(user)) == 0
    assert service.unread_count(db, actor=actor(other)) == 1


def test_preferences_page(client: TestClient, db: Session) -> None:
    user = _user(db)
    csrf = sign_in(client, db, user)

    page = client.get("/notifications/preferences")
    assert page.status_code == 200
    assert 'id="security-off"' not in page.text
    assert 'id="system-off"' in page.text

    saved = client.post(
        "/notifications/preferences",
        data={"csrf_token": csrf, "system": "off", "account": "daily_digest"},
    )
    assert saved.status_code == 200
    assert "Your e-mail preferences were saved." in saved.text
    assert service.get_preferences(db, actor=actor(user))[NotificationKind.SYSTEM] is (
        DeliveryMode.OFF
    )

    refused = client.post(
        "/notifications/preferences",
        data={"csrf_token": csrf, "security": "off", "system": "sometimes"},
    )
    assert refused.status_code == 422
    assert "choose one of the options" in refused.text
