"""The points-of-contact directory: who adds and edits, validation, and stale reminders."""

import csv
import io
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.audit.models import AuditEntry
from aseancyber.contacts import service
from aseancyber.contacts.models import Contact
from aseancyber.db import set_clock
from aseancyber.notify.models import Notification, NotificationKind
from tests.contacts.helpers import add_contact
from tests.readers import BrowserFor, TokenFor, World

FINGERPRINT = "0x1234 5678 9ABC DEF0 1234  5678 9abc def0 1234 5678"
T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def _post(client: TestClient, headers: dict[str, str], **fields: object) -> Response:
    body = {"kind": "technical", "name": "Duty officer", "email": "duty@example.org", **fields}
    return client.post("/api/v1/contacts", json=body, headers=headers)


def test_an_admin_adds_a_contact_labelled_for_member_states_by_default(
    client: TestClient, world: World, token_for: TokenFor
) -> None:
    response = client.post(
        "/api/v1/contacts",
        json={
            "kind": "law_enforcement_24_7",
            "name": "24/7 duty officer",
            "role": "Cybercrime 24/7 point of contact",
            "email": "Duty.Officer@Example.org",
            "phone": "+65 6211 0000",
            "hours": "24/7",
            "time_zone": "Asia/Singapore",
            "languages": ["English", "Malay"],
            "pgp_fingerprint": FINGERPRINT,
            "last_verified_on": "2026-01-15",
        },
        headers=token_for(world.org_admin),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["tlp"] == "TLP:GREEN"
    assert body["green_includes_external"] is False
    assert body["pgp_fingerprint"] == "123456789ABCDEF0123456789ABCDEF012345678"
    assert body["languages"] == ["English", "Malay"]
    assert body["member_state_id"] == world.owner_org.member_state_id
    # Every member-state body sees it; an external party does not.
    other = client.get(f"/api/v1/contacts/{body['id']}", headers=token_for(world.other_state))
    assert other.status_code == 200
    external = client.get(f"/api/v1/contacts/{body['id']}", headers=token_for(world.external))
    assert external.status_code == 404


def test_bad_fields_are_refused_naming_each(
    client: TestClient, world: World, token_for: TokenFor
) -> None:
    headers = token_for(world.org_admin)
    for field, value in (
        ("pgp_fingerprint", "1234 5678"),
        ("pgp_fingerprint", "Z" * 40),
        ("phone", "call me"),
        ("email", "not-an-address"),
        ("time_zone", "Mars/Olympus"),
        ("name", "bad\x00name"),
        ("last_verified_on", "2999-01-01"),
    ):
        response = client.post(
            "/api/v1/contacts",
            json={"kind": "technical", "name": "Duty", "email": "a@example.org", field: value},
            headers=headers,
        )
        assert response.status_code == 422, (field, value)
        assert field in {e["field"] for e in response.json()["errors"]}, (field, response.text)
    assert (
        client.post("/api/v1/contacts", json={"kind": "technical"}, headers=headers).status_code
        == 422
    )


def test_only_the_owning_organisations_admins_edit(
    client: TestClient, db: Session, world: World, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    contact = add_contact(db, world.org_admin, "Duty officer")
    db.commit()
    # A contributor of the same organisation, another state's admin-less user, the platform
    # admin and the regional coordinator may read it but not change it.
    for user in (world.author, world.other_state, world.platform_admin, world.coordinator):
        headers = token_for(user)
        # Adding needs to be an admin of one's own organisation (the platform admin is one).
        expected_add = 201 if user is world.platform_admin else 403
        assert _post(client, headers).status_code == expected_add
        patch = client.patch(
            f"/api/v1/contacts/{contact.id}", json={"version": 1, "name": "x"}, headers=headers
        )
        assert patch.status_code == 403, user.email
        assert (
            client.post(f"/api/v1/contacts/{contact.id}/verify", headers=headers).status_code == 403
        )
        assert client.delete(f"/api/v1/contacts/{contact.id}", headers=headers).status_code == 403
    browser = browser_for(world.other_state)
    page = browser.client.post(
        f"/contacts/{contact.id}/edit",
        data={
            "csrf_token": browser.csrf,
            "kind": "technical",
            "name": "Hijacked",
            "email": "x@example.org",
            "version": "1",
        },
    )
    assert page.status_code == 403
    assert db.get(Contact, contact.id, populate_existing=True).name == "Duty officer"  # type: ignore[union-attr]

    admin = token_for(world.org_admin)
    ok = client.patch(
        f"/api/v1/contacts/{contact.id}", json={"version": 1, "hours": "24/7"}, headers=admin
    )
    assert ok.status_code == 200
    assert ok.json()["hours"] == "24/7"
    stale = client.patch(
        f"/api/v1/contacts/{contact.id}", json={"version": 1, "hours": "9-5"}, headers=admin
    )
    assert stale.status_code == 409


def test_the_contact_pages_add_show_and_verify(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    browser = browser_for(world.org_admin)
    form = browser.client.get("/contacts/new")
    assert form.status_code == 200
    created = browser.client.post(
        "/contacts/new",
        data={
            "csrf_token": browser.csrf,
            "kind": "diplomatic",
            "name": "Cyber policy desk",
            "email": "cyber.desk@example.org",
            "languages": "English, Bahasa Melayu",
            "pgp_fingerprint": "abcd" * 10,
            "tlp": "TLP:GREEN",
            "time_zone": "Asia/Singapore",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    shown = browser.client.get(location)
    assert "Cyber policy desk" in shown.text
    assert "ABCD ABCD" in shown.text
    assert "has not been verified recently" in shown.text
    verified = browser.client.post(location + "/verify", data={"csrf_token": browser.csrf})
    assert verified.status_code == 200
    assert "has not been verified recently" not in verified.text
    bad = browser.client.post(
        "/contacts/new",
        data={
            "csrf_token": browser.csrf,
            "kind": "technical",
            "name": "X",
            "email": "x@example.org",
            "pgp_fingerprint": "nope",
            "tlp": "TLP:GREEN",
        },
    )
    assert bad.status_code == 422
    assert "OpenPGP fingerprint" in bad.text
    listing = browser_for(world.other_state).client.get("/contacts?q=policy")
    assert "Cyber policy desk" in listing.text


def test_stale_contacts_are_flagged_and_their_admins_reminded_once(
    db: Session, world: World, settings: object
) -> None:
    set_clock(lambda: T0)
    old = add_contact(db, world.org_admin, "Old desk", verified=date(2025, 1, 1))
    fresh = add_contact(db, world.org_admin, "Fresh desk", verified=date(2026, 5, 1))
    assert service.needs_verification(old)
    assert not service.needs_verification(fresh)
    assert service.has_stale_to_remind(db)

    service.remind_stale_contacts(db, {})
    reminders = db.scalars(
        select(Notification).where(Notification.kind == NotificationKind.CONTACT_VERIFY)
    ).all()
    assert [(n.user_id, n.link) for n in reminders] == [(world.org_admin.id, f"/contacts/{old.id}")]
    assert not service.has_stale_to_remind(db)
    service.remind_stale_contacts(db, {})  # a second run tells nobody again
    assert (
        len(
            db.scalars(
                select(Notification).where(Notification.kind == NotificationKind.CONTACT_VERIFY)
            ).all()
        )
        == 1
    )

    stale_only = service.list_(db, reader=None, filters=service.ContactFilters(stale_only=True))
    assert stale_only.items == []  # anonymous readers see only TLP:CLEAR contacts
    assert old.tlp is Tlp.GREEN


def test_csv_export_is_filtered_visible_only_audited_and_formula_safe(
    client: TestClient, db: Session, world: World, token_for: TokenFor
) -> None:
    from tests.matrix import MATRIX  # noqa: PLC0415 - the registry imports this package

    make = MATRIX["contact"].make
    make(db, world, Tlp.GREEN, False, "csvgreen")
    make(db, world, Tlp.AMBER, False, "csvamber")
    hostile = make(db, world, Tlp.GREEN, False, "csvhostile")
    contact = db.get(Contact, hostile)
    assert contact is not None
    contact.name = "=HYPERLINK(1)"
    contact.role = "+cmd"
    db.commit()
    before = db.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "contact.export")
    )
    response = client.get(
        "/api/v1/contacts/export",
        params={"format": "csv"},
        headers=token_for(world.other_state),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    names = {row["name"] for row in rows}
    assert "Matrix duty officer csvgreen" in names
    assert "Matrix duty officer csvamber" not in names  # AMBER: not shared with another state
    assert "'=HYPERLINK(1)" in names
    assert {row["role"] for row in rows if row["name"] == "'=HYPERLINK(1)"} == {"'+cmd"}
    filtered = client.get(
        "/api/v1/contacts/export",
        params={"format": "csv", "q": "csvgreen"},
        headers=token_for(world.other_state),
    )
    assert [row["name"] for row in csv.DictReader(io.StringIO(filtered.text))] == [
        "Matrix duty officer csvgreen"
    ]
    db.expire_all()
    after = db.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "contact.export")
    )
    assert after == (before or 0) + 2
    assert client.get("/api/v1/contacts/export", params={"format": "xls"}).status_code == 422


def test_an_admin_names_the_national_focal_point_through_the_api_and_the_form(
    client: TestClient, world: World, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    headers = token_for(world.org_admin)
    created = _post(client, headers, focal_point=True)
    assert created.status_code == 201, created.text
    assert created.json()["focal_point"] is True
    contact_id = created.json()["id"]
    page = browser_for(world.other_state).client.get(f"/contacts/{contact_id}")
    assert "national focal point" in page.text
    changed = client.patch(
        f"/api/v1/contacts/{contact_id}",
        json={"version": created.json()["version"], "focal_point": False},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["focal_point"] is False
    refused = client.patch(
        f"/api/v1/contacts/{contact_id}",
        json={"version": changed.json()["version"], "focal_point": "perhaps"},
        headers=headers,
    )
    assert refused.status_code == 422
    assert "focal_point" in refused.text
    form = browser_for(world.org_admin).client.get(f"/contacts/{contact_id}/edit")
    assert 'name="focal_point"' in form.text
