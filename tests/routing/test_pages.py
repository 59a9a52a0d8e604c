"""The routing pages (paste/upload -> preview -> confirm -> summary), the constituency
registry over pages and REST, and the load-asn command."""

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import Result

from aseancyber.audit.models import AuditEntry
from aseancyber.routing.models import ConstituencyEntry, RoutingInbox
from tests.factories import bearer
from tests.readers import BrowserFor
from tests.routing.helpers import RoutingWorld


def test_paste_preview_confirm_deliver(
    db: Session, browser_for: BrowserFor, routing_world: RoutingWorld
) -> None:
    w = routing_world
    browser = browser_for(w.sender)
    page = browser.client.get("/routing")
    assert page.status_code == 200
    assert "Whose CERT must hear about this?" in page.text
    pasted = "# scan of 2026-11-27\n203.116.0.5, port 445\n8.8.8.8\n\nwww.example.gov.tl\n"
    preview = browser.client.post(
        "/routing/preview",
        data={"csrf_token": browser.csrf, "findings": pasted, "tlp": "TLP:AMBER"},
    )
    assert preview.status_code == 200, preview.text
    assert "3 findings" in preview.text
    for text in ("Member SG", "National CERT SG", "Not a member state, or unknown", "Member TL"):
        assert text in preview.text
    assert "Notify the responsible CERTs" in preview.text
    assert db.scalar(select(func.count()).select_from(RoutingInbox)) == 0  # nothing sent yet
    done = browser.client.post(
        "/routing/notify",
        data={
            "csrf_token": browser.csrf,
            "findings": "203.116.0.5\n8.8.8.8\nwww.example.gov.tl",
            "tlp": "TLP:AMBER",
        },
    )
    assert done.status_code == 200, done.text
    assert "1 findings delivered to 1 organisations" in done.text
    assert "Not delivered" in done.text
    assert "8.8.8.8" in done.text
    assert "no national CERT on record" in done.text  # Timor-Leste, listed


def test_upload_a_file(db: Session, browser_for: BrowserFor, routing_world: RoutingWorld) -> None:
    browser = browser_for(routing_world.contributor)
    content = "\n".join(f"14.160.0.{n}" for n in range(1, 51)).encode()
    preview = browser.client.post(
        "/routing/preview",
        data={"csrf_token": browser.csrf, "tlp": "TLP:GREEN"},
        files={"file": ("scan.txt", content, "text/plain")},
    )
    assert preview.status_code == 200
    assert "50 findings" in preview.text
    assert "Member VN" in preview.text
    # A contributor sees the answer but may not notify.
    assert "Notify the responsible CERTs" not in preview.text
    refused = browser.client.post(
        "/routing/notify",
        data={"csrf_token": browser.csrf, "findings": "14.160.0.1", "tlp": "TLP:GREEN"},
    )
    assert refused.status_code == 403


def test_page_bad_input(browser_for: BrowserFor, routing_world: RoutingWorld) -> None:
    browser = browser_for(routing_world.sender)

    def preview(**fields: str) -> str:
        response = browser.client.post(
            "/routing/preview", data={"csrf_token": browser.csrf, **fields}
        )
        assert response.status_code == 422, response.text
        return response.text

    hostile = preview(findings="# a comment\n1.1.1.1\n<script>alert(1)</script>\n", tlp="TLP:GREEN")
    assert "finding 2:" in hostile
    assert "<script>alert(1)</script>" not in hostile  # shown escaped, never as markup
    assert "at least one finding" in preview(findings="# nothing\n", tlp="TLP:GREEN")
    assert "must be one of" in preview(findings="1.1.1.1", tlp="TLP:PURPLE")
    binary = browser.client.post(
        "/routing/preview",
        data={"csrf_token": browser.csrf, "tlp": "TLP:GREEN"},
        files={"file": ("scan.bin", b"\xff\xfe\x00bad", "application/octet-stream")},
    )
    assert binary.status_code == 422
    assert "not UTF-8" in binary.text
    no_csrf = browser.client.post("/routing/preview", data={"findings": "1.1.1.1"})
    assert no_csrf.status_code == 403


def test_registry_pages_and_permissions(
    db: Session, browser_for: BrowserFor, routing_world: RoutingWorld
) -> None:
    w = routing_world
    coordinator = browser_for(w.sender)  # a state CERT coordinator: reads, does not edit
    page = coordinator.client.get("/routing/registry")
    assert page.status_code == 200
    assert "AS64512" in page.text
    assert "Add an entry" not in page.text
    refused = coordinator.client.post(
        "/routing/registry",
        data={
            "csrf_token": coordinator.csrf,
            "kind": "asn",
            "key": "AS1",
            "organisation_id": w.certs["SG"].id,
        },
    )
    assert refused.status_code == 403
    regional = browser_for(w.regional)
    assert "Add an entry" in regional.client.get("/routing/registry").text
    added = regional.client.post(
        "/routing/registry",
        data={
            "csrf_token": regional.csrf,
            "kind": "domain",
            "key": ".Gov.SG",
            "organisation_id": w.certs["SG"].id,
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    entry_id = db.scalar(select(ConstituencyEntry.id).where(ConstituencyEntry.key == "gov.sg"))
    assert entry_id is not None
    duplicate = regional.client.post(
        "/routing/registry",
        data={
            "csrf_token": regional.csrf,
            "kind": "domain",
            "key": "gov.sg",
            "organisation_id": w.certs["SG"].id,
        },
    )
    assert duplicate.status_code == 409
    assert "already has an entry" in duplicate.text
    bad = regional.client.post(
        "/routing/registry",
        data={
            "csrf_token": regional.csrf,
            "kind": "country",
            "key": "Singapore",
            "organisation_id": w.certs["SG"].id,
        },
    )
    assert bad.status_code == 422
    assert "alpha-2" in bad.text
    removed = regional.client.post(
        f"/routing/registry/{entry_id}/delete",
        data={"csrf_token": regional.csrf},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert db.scalar(select(ConstituencyEntry.id).where(ConstituencyEntry.id == entry_id)) is None
    # Adding and removing are in the audit log (the ORM flush hook).
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.record_id == entry_id)).all()
    assert len(actions) == 2


def test_registry_rest(client: TestClient, db: Session, routing_world: RoutingWorld) -> None:
    w = routing_world
    headers = bearer(db, w.regional)
    created = client.post(
        "/api/v1/routing/registry",
        json={"kind": "asn", "key": "AS4788", "organisation_id": w.certs["MY"].id},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["key"] == "4788"
    listed = client.get("/api/v1/routing/registry", headers=bearer(db, w.contributor))
    assert [e["key"] for e in listed.json()] == ["PH", "4788", "64512"] or len(listed.json()) == 3
    unknown_org = client.post(
        "/api/v1/routing/registry",
        json={"kind": "asn", "key": "AS7", "organisation_id": "no-such-org"},
        headers=headers,
    )
    assert unknown_org.status_code == 422
    assert "organisation_id" in unknown_org.text
    refused = client.delete(
        f"/api/v1/routing/registry/{created.json()['id']}", headers=bearer(db, w.sender)
    )
    assert refused.status_code == 403
    gone = client.delete(f"/api/v1/routing/registry/{created.json()['id']}", headers=headers)
    assert gone.status_code == 204
    assert (
        client.delete(
            f"/api/v1/routing/registry/{created.json()['id']}", headers=headers
        ).status_code
        == 404
    )


def test_load_asn_command(invoke: Callable[..., Result], cli_url: str, tmp_path: Path) -> None:
    assert invoke(cli_url, "init").exit_code == 0
    path = tmp_path / "ip2asn-v4.tsv"
    path.write_text(
        "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n"
        "1.0.1.0\t1.0.3.255\t0\tNone\tNot routed\n"
        "203.116.0.0\t203.116.255.255\t3758\tSG\tSINGNET\n",
        encoding="utf-8",
    )
    loaded = invoke(cli_url, "routing", "load-asn", str(path))
    assert loaded.exit_code == 0, loaded.output
    assert "generation 1" in loaded.output
    assert "2 IPv4" in loaded.output
    findings = tmp_path / "findings.txt"
    findings.write_text("203.116.9.9\n1.0.0.1\n", encoding="utf-8")
    routed = invoke(cli_url, "routing", "route", str(findings))
    assert routed.exit_code == 0, routed.output
    assert "AS3758" in routed.output
    assert "AS13335" in routed.output
    bad = tmp_path / "bad.txt"
    bad.write_text("1.0.0.0\t24\t13335\n1.0.1.0\t99\t1\n", encoding="utf-8")
    failed = invoke(cli_url, "routing", "load-asn", str(bad))
    assert failed.exit_code == 1
    assert "line 2" in failed.output
