"""Editing the directory: who may edit what, optimistic concurrency, and bad input.

An organisation admin editing another organisation gets 403, not 404: every signed-in
user can already see every organisation in the directory, so a 404 would hide nothing
and would only make the refusal harder to understand.
"""

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, Organisation
from aseancyber.audit.models import AuditEntry
from aseancyber.community.models import Pillar, SectoralBody
from tests.readers import BrowserFor, TokenFor, World


def _version(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "the form carries no version"
    return match.group(1)


def test_platform_admin_patch_bumps_version_and_stale_patch_conflicts(
    client: TestClient, world: World, token_for: TokenFor
) -> None:
    headers = token_for(world.platform_admin)
    path = f"/api/v1/organisations/{world.owner_org.id}"
    saved = client.patch(
        path, json={"version": 1, "name": "Renamed CERT", "website": "https://cert.example.org"},
        headers=headers,
    )  # fmt: skip
    assert saved.status_code == 200, saved.text
    assert saved.json()["name"] == "Renamed CERT"
    assert saved.json()["version"] == 2

    stale = client.patch(path, json={"version": 1, "email": "x@example.org"}, headers=headers)
    assert stale.status_code == 409
    assert "version 1" in stale.json()["detail"]
    assert "version 2" in stale.json()["detail"]
    assert client.get(path, headers=headers).json()["email"] == ""

    missing_version = client.patch(path, json={"email": "x@example.org"}, headers=headers)
    assert missing_version.status_code == 422
    assert missing_version.json()["errors"][0]["field"] == "version"


def test_organisation_edit_page_reports_a_conflict_with_409(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    admin = browser_for(world.platform_admin)
    form = admin.client.get(f"/directory/organisations/{world.owner_org.id}/edit")
    assert form.status_code == 200
    loaded = _version(form.text)

    # someone else saves first
    organisation = db.get(Organisation, world.owner_org.id)
    assert organisation is not None
    organisation.email = "first@example.org"
    db.commit()

    fields = {
        "csrf_token": admin.csrf,
        "version": loaded,
        "name": "Test SingCERT",
        "short_name": "SC",
        "kind": "national_cert",
        "member_state_id": world.owner_org.member_state_id or "",
        "dialogue_partner_id": "",
        "email": "second@example.org",
        "website": "",
    }
    response = admin.client.post(f"/directory/organisations/{world.owner_org.id}/edit", data=fields)
    assert response.status_code == 409
    assert "changed by someone else" in response.text
    assert 'value="second@example.org"' in response.text  # the user's entry is kept
    db.refresh(organisation)
    assert organisation.email == "first@example.org"

    fields["version"] = str(organisation.version)
    saved = admin.client.post(
        f"/directory/organisations/{world.owner_org.id}/edit", data=fields, follow_redirects=False
    )
    assert saved.status_code == 303
    followed = admin.client.get(saved.headers["location"])
    assert "The organisation was saved." in followed.text
    assert "second@example.org" in followed.text


def test_organisation_admin_edits_only_own_contact_fields(
    client: TestClient, world: World, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    headers = token_for(world.org_admin)
    own = f"/api/v1/organisations/{world.owner_org.id}"
    ok = client.patch(own, json={"version": 1, "email": "cert@example.org"}, headers=headers)
    assert ok.status_code == 200
    assert ok.json()["email"] == "cert@example.org"

    renamed = client.patch(own, json={"version": 2, "name": "Mine now"}, headers=headers)
    assert renamed.status_code == 403
    assert "name" in renamed.json()["detail"]

    other = f"/api/v1/organisations/{world.other_state_org.id}"
    refused = client.patch(other, json={"version": 1, "email": "x@example.org"}, headers=headers)
    assert refused.status_code == 403

    contributor = client.patch(
        own, json={"version": 2, "email": "y@example.org"}, headers=token_for(world.author)
    )
    assert contributor.status_code == 403

    browser = browser_for(world.org_admin)
    form = browser.client.get(f"/directory/organisations/{world.owner_org.id}/edit")
    assert form.status_code == 200
    assert 'name="email"' in form.text
    assert 'name="name"' not in form.text
    assert (
        browser.client.get(f"/directory/organisations/{world.other_state_org.id}/edit").status_code
        == 403
    )
    # a smuggled name field is ignored: only the contact fields are read from the form
    saved = browser.client.post(
        f"/directory/organisations/{world.owner_org.id}/edit",
        data={"csrf_token": browser.csrf, "version": "2", "email": "z@example.org", "name": "X"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    after = client.get(own, headers=headers).json()
    assert after["email"] == "z@example.org"
    assert after["name"] == "Test SingCERT"


def test_bad_input_names_the_field(
    client: TestClient, world: World, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    headers = token_for(world.platform_admin)
    path = f"/api/v1/organisations/{world.owner_org.id}"
    for body, field in (
        ({"version": 1, "website": "javascript:alert(1)"}, "website"),
        ({"version": 1, "email": "not an address"}, "email"),
        ({"version": "one"}, "version"),
        ({"version": 1, "kind": "spy_agency"}, "kind"),
        ({"version": 1, "member_state_id": "nope"}, "member_state_id"),
        ({"version": 1, "name": "Test MyCERT"}, "name"),
        ({"version": 1, "colour": "red"}, "colour"),
    ):
        response = client.patch(path, json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()

    created = client.post(
        "/api/v1/organisations",
        json={"name": "<script>alert(1)</script>", "short_name": "XSS", "kind": "researcher"},
        headers=headers,
    )
    assert created.status_code == 201
    page = browser_for(world.recipient).client.get(
        f"/directory/organisations/{created.json()['id']}"
    )
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text

    admin = browser_for(world.platform_admin)
    empty = admin.client.post(
        "/directory/organisations/new",
        data={"csrf_token": admin.csrf, "name": "", "short_name": "", "kind": "nonsense"},
    )
    assert empty.status_code == 422
    assert 'id="name-error"' in empty.text
    assert 'id="kind-error"' in empty.text
    no_csrf = admin.client.post("/directory/organisations/new", data={"name": "X"})
    assert no_csrf.status_code == 403


def test_only_platform_admins_create_organisations_and_states(
    client: TestClient, db: Session, world: World, token_for: TokenFor
) -> None:
    state = {
        "name": "Timor-Leste", "iso2": "tl", "iso3": "tls", "accession_date": "2025-10-26",
        "time_zone": "Asia/Dili",
    }  # fmt: skip
    refused = client.post("/api/v1/member-states", json=state, headers=token_for(world.coordinator))
    assert refused.status_code == 403
    created = client.post(
        "/api/v1/member-states", json=state, headers=token_for(world.platform_admin)
    )
    assert created.status_code == 201
    assert created.json()["iso2"] == "TL"
    again = client.post(
        "/api/v1/member-states", json=state, headers=token_for(world.platform_admin)
    )
    assert again.status_code == 422
    bad_zone = client.post(
        "/api/v1/member-states",
        json={**state, "iso2": "XX", "iso3": "XXX", "name": "X", "time_zone": "Mars/Olympus"},
        headers=token_for(world.platform_admin),
    )
    assert bad_zone.status_code == 422
    assert bad_zone.json()["errors"][0]["field"] == "time_zone"
    assert db.scalar(select(MemberState).where(MemberState.iso2 == "TL")) is not None

    org = {"name": "New agency", "short_name": "NA", "kind": "national_cyber_agency"}
    assert (
        client.post(
            "/api/v1/organisations", json=org, headers=token_for(world.org_admin)
        ).status_code
        == 403
    )


def test_regional_coordinator_edits_sectoral_bodies_and_membership_is_audited(
    client: TestClient, db: Session, world: World, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    pillar = Pillar(code="APSC", name="ASEAN Political-Security Community")
    db.add(pillar)
    db.commit()
    body = {
        "code": "SOMTC-WGC", "name": "SOMTC Working Group on Cybercrime", "pillar_id": pillar.id,
        "remit": "Cybercrime law", "member_ids": [world.owner_org.id],
    }  # fmt: skip
    assert (
        client.post(
            "/api/v1/sectoral-bodies", json=body, headers=token_for(world.author)
        ).status_code
        == 403
    )
    created = client.post(
        "/api/v1/sectoral-bodies", json=body, headers=token_for(world.coordinator)
    )
    assert created.status_code == 201, created.text
    body_id = created.json()["id"]

    coordinator = browser_for(world.coordinator)
    form = coordinator.client.get(f"/directory/bodies/{body_id}/edit")
    assert form.status_code == 200
    saved = coordinator.client.post(
        f"/directory/bodies/{body_id}/edit",
        data={
            "csrf_token": coordinator.csrf,
            "code": "SOMTC-WGC",
            "name": body["name"],
            "pillar_id": pillar.id,
            "remit": "Cybercrime law and forensics",
            "member_ids": [world.owner_org.id, world.other_state_org.id],
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    stored = db.get(SectoralBody, body_id)
    assert stored is not None
    db.refresh(stored)
    assert {m.id for m in stored.members} == {world.owner_org.id, world.other_state_org.id}
    assert db.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "sectoral_body.members_changed", AuditEntry.record_id == body_id
        )
    )
    unknown = client.put(
        f"/api/v1/sectoral-bodies/{body_id}",
        json={**body, "member_ids": ["no-such-organisation"]},
        headers=token_for(world.coordinator),
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "member_ids"


def test_dialogue_partners_are_edited_by_platform_admins(
    client: TestClient, world: World, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    created = client.post(
        "/api/v1/dialogue-partners",
        json={"name": "Japan", "code": "jpn"},
        headers=token_for(world.platform_admin),
    )
    assert created.status_code == 201
    assert created.json()["code"] == "JPN"
    assert (
        client.post(
            "/api/v1/dialogue-partners",
            json={"name": "Korea", "code": "KOR"},
            headers=token_for(world.coordinator),
        ).status_code
        == 403
    )
    admin = browser_for(world.platform_admin)
    saved = admin.client.post(
        f"/directory/partners/{created.json()['id']}/edit",
        data={"csrf_token": admin.csrf, "name": "Japan", "code": "JP"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    listed = client.get("/api/v1/dialogue-partners", headers=token_for(world.external)).json()
    assert listed["items"] == [{"id": created.json()["id"], "name": "Japan", "code": "JP"}]


def test_every_admin_form_renders_for_a_platform_admin_and_saves_a_state(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    pillar = Pillar(code="ASCC", name="ASEAN Socio-Cultural Community")
    body = SectoralBody(code="AMRI", name="AMRI", pillar=pillar)
    db.add_all([pillar, body])
    db.commit()
    admin = browser_for(world.platform_admin)
    for path in (
        "/directory/organisations/new",
        f"/directory/organisations/{world.owner_org.id}/edit",
        "/directory/states/new",
        "/directory/states/SG/edit",
        "/directory/bodies/new",
        f"/directory/bodies/{body.id}/edit",
        "/directory/partners/new",
    ):
        page = admin.client.get(path)
        assert page.status_code == 200, path
        assert 'name="csrf_token"' in page.text, path
    viewer = browser_for(world.colleague)
    assert viewer.client.get("/directory/states/new").status_code == 403

    invalid = admin.client.post(
        "/directory/states/new",
        data={"csrf_token": admin.csrf, "name": "Timor-Leste", "iso2": "TLS", "iso3": "TLS"},
    )
    assert invalid.status_code == 422
    assert 'id="iso2-error"' in invalid.text
    assert 'id="accession_date-error"' in invalid.text
    saved = admin.client.post(
        "/directory/states/new",
        data={
            "csrf_token": admin.csrf,
            "name": "Timor-Leste",
            "iso2": "tl",
            "iso3": "tls",
            "accession_date": "2025-10-26",
            "time_zone": "Asia/Dili",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/directory/states/TL"
    shown = admin.client.get("/directory/states/TL")
    assert "Timor-Leste was saved." in shown.text
