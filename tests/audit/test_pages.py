"""The audit page: each administrator's own trail, filters, and the chain check button."""

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aseancyber.audit.models import AuditEntry
from tests.audit.conftest import Trail
from tests.factories import sign_in


def test_organisation_admin_sees_their_trail_without_the_verify_button(
    client: TestClient, db: Session, trail: Trail
) -> None:
    sign_in(client, db, trail.org_admin)
    page = client.get("/audit")
    assert page.status_code == 200
    assert "by-own" in page.text
    assert "other-1" not in page.text
    assert trail.other_user.id not in page.text
    assert "Verify chain" not in page.text


def test_platform_admin_sees_everything_and_verifies(
    client: TestClient, db: Session, trail: Trail
) -> None:
    csrf = sign_in(client, db, trail.platform_admin)
    page = client.get("/audit")
    assert page.status_code == 200
    assert "other-1" in page.text
    assert "Verify chain" in page.text

    done = client.post("/audit/verify", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert "The audit chain is intact" in client.get("/audit").text

    target = db.scalar(select(AuditEntry.seq).where(AuditEntry.record_id == "other-1"))
    db.execute(update(AuditEntry).where(AuditEntry.seq == target).values(action="forged"))
    db.commit()
    shown = client.post("/audit/verify", data={"csrf_token": csrf})  # follows the redirect
    assert f"broken at entry {target}" in shown.text


def test_verify_needs_the_form_token_and_a_platform_admin(
    client: TestClient, db: Session, trail: Trail
) -> None:
    sign_in(client, db, trail.platform_admin)
    assert client.post("/audit/verify", data={}).status_code == 403
    csrf = sign_in(client, db, trail.org_admin)
    assert client.post("/audit/verify", data={"csrf_token": csrf}).status_code == 403


def test_other_users_are_refused(client: TestClient, db: Session, trail: Trail) -> None:
    sign_in(client, db, trail.contributor)
    assert client.get("/audit").status_code == 403
    sign_in(client, db, trail.coordinator)
    assert client.get("/audit").status_code == 403


def test_filters_narrow_the_page_and_bad_dates_are_named(
    client: TestClient, db: Session, trail: Trail
) -> None:
    sign_in(client, db, trail.platform_admin)
    only = client.get("/audit", params={"action": "test.other"})
    assert "other-1" in only.text
    assert "by-own" not in only.text
    by_actor = client.get(
        "/audit", params={"actor": trail.contributor.email, "record_kind": "test"}
    )
    assert "by-own" in by_actor.text
    assert "other-1" not in by_actor.text
    bad = client.get("/audit", params={"from": "31/12/2030"})
    assert bad.status_code == 200
    assert "enter a date as YYYY-MM-DD" in bad.text
    backwards = client.get("/audit", params={"from": "2031-01-02", "to": "2031-01-01"})
    assert "must be on or after the start date" in backwards.text
    future = client.get("/audit", params={"from": "2099-01-01"})
    assert "No audit entries match" in future.text


def test_dates_at_the_ends_of_the_calendar_are_named(
    client: TestClient, db: Session, trail: Trail
) -> None:
    sign_in(client, db, trail.platform_admin)
    page = client.get("/audit", params={"from": "0001-01-01", "to": "9999-12-31"})
    assert page.status_code == 200
    assert "is out of range" in page.text
