"""REST access to the audit log: who reads which entries, filters, cursors, verification."""

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.models import TokenScope
from aseancyber.audit.models import AuditEntry
from aseancyber.db import set_clock
from tests.audit.conftest import Trail
from tests.factories import actor, bearer


def _entries(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit", headers=headers, params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_organisation_admin_reads_only_their_organisations_trail(
    client: TestClient, db: Session, trail: Trail
) -> None:
    items = _entries(client, bearer(db, trail.org_admin))
    own = trail.own.id
    assert items
    assert all(own in (e["actor_organisation_id"], e["record_organisation_id"]) for e in items)
    record_ids = {e["record_id"] for e in items}
    assert {"by-own", trail.org_admin.id, trail.contributor.id} <= record_ids
    assert "other-1" not in record_ids
    assert trail.other_user.id not in record_ids


def test_platform_admin_reads_everything_newest_first(
    client: TestClient, db: Session, trail: Trail
) -> None:
    items = _entries(client, bearer(db, trail.platform_admin))
    record_ids = {e["record_id"] for e in items}
    assert {"other-1", "by-own", trail.other_user.id} <= record_ids
    seqs = [e["seq"] for e in items]
    assert seqs == sorted(seqs, reverse=True)
    assert len(items[0]["hash"]) == 64


def test_other_roles_are_refused(client: TestClient, db: Session, trail: Trail) -> None:
    for user in (trail.contributor, trail.coordinator):
        headers = bearer(db, user)
        assert client.get("/api/v1/audit", headers=headers).status_code == 403
        assert client.post("/api/v1/audit/verify", headers=headers).status_code == 403
    assert client.get("/api/v1/audit").status_code == 401
    org_admin = bearer(db, trail.org_admin)
    assert client.post("/api/v1/audit/verify", headers=org_admin).status_code == 403


def test_filters_by_action_kind_actor_and_time(
    client: TestClient, db: Session, trail: Trail
) -> None:
    set_clock(lambda: datetime(2031, 1, 15, 9, 0, tzinfo=UTC))
    audit.record(
        db,
        action="test.later",
        record_kind="test",
        record_id="later-1",
        actor=actor(trail.platform_admin),
    )
    db.commit()
    set_clock(None)
    headers = bearer(db, trail.platform_admin)

    def ids(**params: Any) -> set[str]:
        return {e["record_id"] for e in _entries(client, headers, **params)}

    assert ids(action="test.other") == {"other-1"}
    assert ids(action="test.*") == {"other-1", "by-own", "later-1"}
    assert ids(record_kind="test", actor=trail.contributor.email.upper()) == {"by-own"}
    assert ids(actor=trail.other_user.id, record_kind="test") == {"other-1"}
    assert ids(since="2031-01-15T00:00:00Z", until="2031-01-16T00:00:00") == {"later-1"}
    assert "later-1" not in ids(until="2031-01-15T09:00:00+00:00")
    assert ids(actor="nobody@example.org") == set()


def test_cursor_pages_cover_the_trail_once(client: TestClient, db: Session, trail: Trail) -> None:
    headers = bearer(db, trail.platform_admin)
    # A request's own entries (the token's first use) join the chain when it commits.
    _entries(client, headers)
    everything = [e["seq"] for e in _entries(client, headers)]
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        body = client.get("/api/v1/audit", headers=headers, params=params).json()
        seen += [e["seq"] for e in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == everything


def test_bad_input_is_named(client: TestClient, db: Session, trail: Trail) -> None:
    headers = bearer(db, trail.platform_admin)
    bad_cursor = client.get("/api/v1/audit", headers=headers, params={"cursor": "zz"})
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["errors"][0]["field"] == "cursor"
    backwards = client.get(
        "/api/v1/audit",
        headers=headers,
        params={"since": "2031-01-02T00:00:00Z", "until": "2031-01-01T00:00:00Z"},
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "until"
    not_a_time = client.get("/api/v1/audit", headers=headers, params={"since": "yesterday"})
    assert not_a_time.status_code == 422
    nul = client.get("/api/v1/audit", headers=headers, params={"action": "a\x00b"})
    assert nul.status_code == 422
    too_many = client.get("/api/v1/audit", headers=headers, params={"limit": 100000})
    assert too_many.status_code == 422


def test_platform_admin_verifies_the_chain(client: TestClient, db: Session, trail: Trail) -> None:
    headers = bearer(db, trail.platform_admin)
    intact = client.post("/api/v1/audit/verify", headers=headers)
    assert intact.status_code == 200
    assert intact.json()["ok"] is True
    assert intact.json()["first_bad_seq"] is None
    assert intact.json()["checked"] >= 5

    target = db.scalar(select(AuditEntry.seq).where(AuditEntry.record_id == "by-own"))
    db.execute(update(AuditEntry).where(AuditEntry.seq == target).values(record_id="forged"))
    db.commit()
    broken = client.post("/api/v1/audit/verify", headers=headers).json()
    assert broken["ok"] is False
    assert broken["first_bad_seq"] == target
    assert "altered" in broken["problem"]


def test_a_read_only_token_may_read_but_not_verify(
    client: TestClient, db: Session, trail: Trail
) -> None:
    headers = bearer(db, trail.platform_admin, TokenScope.READ)
    assert client.get("/api/v1/audit", headers=headers).status_code == 200
    assert client.post("/api/v1/audit/verify", headers=headers).status_code == 403


def test_times_beyond_the_calendar_are_bad_input(
    client: TestClient, db: Session, trail: Trail
) -> None:
    headers = bearer(db, trail.platform_admin)
    for name, value in (
        ("since", "0001-01-01T00:00:00+01:00"),
        ("until", "9999-12-31T23:00-05:00"),
    ):
        response = client.get("/api/v1/audit", headers=headers, params={name: value})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == name
