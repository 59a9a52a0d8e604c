"""The layout every page shares: header, navigation, legend, flash, dashboard and landing."""

import re
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import OrganisationKind, Role
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor
from aseancyber.site.navigation import NAVIGATION, Guard, guards_for, navigation_for
from aseancyber.web.templating import localtime, tlp_badge
from tests.factories import actor, make_org, make_state, make_user, sign_in


def _signed_in(client: TestClient, db: Session, *roles: Role) -> str:
    state = make_state(db, "SG", name="Singapore")
    user = make_user(db, make_org(db, state=state, name="Singapore CERT"), *roles)
    sign_in(client, db, user)
    return user.display_name


def test_anonymous_layout_has_skip_link_sign_in_and_tlp_legend(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert 'href="/login"' in html
    assert "Sign out" not in html
    assert 'name="viewport"' in html
    for label, css in (
        ("TLP:RED", "red"),
        ("TLP:AMBER+STRICT", "amber-strict"),
        ("TLP:AMBER", "amber"),
        ("TLP:GREEN", "green"),
        ("TLP:CLEAR", "clear"),
    ):
        assert f'<span class="tlp tlp-{css}">{label}</span>' in html
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    assert nav is not None
    assert 'href="/documents"' in nav.group(0)
    assert 'href="/inbox"' not in nav.group(0)
    assert "No public documents yet" in html


def test_signed_in_header_names_user_organisation_state_and_unread_count(
    client: TestClient, db: Session
) -> None:
    name = _signed_in(client, db, Role.CONTRIBUTOR)
    html = client.get("/").text
    assert name in html
    assert "Singapore CERT · Singapore" in html
    assert re.search(r'href="/inbox" class="inbox-link">Inbox <span class="count">0</span>', html)
    assert 'href="/account"' in html
    logout = re.search(r'<form method="post" action="/logout".*?</form>', html, re.S)
    assert logout is not None
    assert 'name="csrf_token" value="' in logout.group(0)
    assert "Sign out" in logout.group(0)
    assert 'href="/audit"' not in html
    assert '<a href="/" aria-current="page">Dashboard</a>' in html
    for title in (
        "Your organisation",
        "Recent documents visible to you",
        "Community at a glance",
        "Unread notifications",
    ):
        assert title in html


def test_audit_link_is_for_admins_only(client: TestClient, db: Session) -> None:
    _signed_in(client, db, Role.ORGANISATION_ADMIN)
    assert 'href="/audit"' in client.get("/").text


def test_navigation_is_one_list_filtered_by_each_page_guard(app: FastAPI, db: Session) -> None:
    assert [item.label for item in NAVIGATION][:3] == ["Dashboard", "Directory", "Documents"]
    guards = guards_for(app.router.routes)
    assert set(guards) == {item.href for item in NAVIGATION}  # every link has its page
    organisation = make_org(db, state=make_state(db))
    readers: dict[str, Actor | None] = {"anonymous": None}
    readers |= {role.value: actor(make_user(db, organisation, role)) for role in Role}
    seen: dict[str, list[str]] = {}
    for name, reader in readers.items():
        links = navigation_for(reader, "/documents/x", guards)
        assert [link.label for link in links if link.current] == ["Documents"], name
        seen[name] = [link.label for link in links]

    assert seen["anonymous"][:3] == ["Dashboard", "Directory", "Documents"]
    assert not {"Inbox", "Users", "Audit", "Routing", "Federation"} & set(seen["anonymous"])
    assert "Inbox" in seen[Role.VIEWER]
    assert not {"Users", "Audit", "Federation"} & set(seen[Role.VIEWER])
    assert {"Inbox", "Users", "Audit", "Federation"} <= set(seen[Role.ORGANISATION_ADMIN])
    # A link whose page has no route is never shown (fail closed).
    assert navigation_for(readers[Role.PLATFORM_ADMIN], "/", {}) == []


def test_a_guard_admits_by_sign_in_and_permission(db: Session) -> None:
    viewer = actor(make_user(db, make_org(db, state=make_state(db)), Role.VIEWER))
    public = Guard(signed_in=False, permissions=frozenset())
    members = Guard(signed_in=True, permissions=frozenset())
    auditors = Guard(signed_in=True, permissions=frozenset({Permission.AUDIT_READ_ORGANISATION}))
    assert public.admits(None)
    assert public.admits(viewer)
    assert not members.admits(None)
    assert members.admits(viewer)
    assert not auditors.admits(None)
    assert not auditors.admits(viewer)


def test_tlp_page_flash_and_error_pages(client: TestClient, db: Session) -> None:
    page = client.get("/tlp")
    assert page.status_code == 200
    assert "#FF2B2B" in page.text
    assert "only the owner organisation may lower it" in page.text

    _signed_in(client, db, Role.CONTRIBUTOR)
    saved = client.post(
        "/documents/new",
        data={
            "csrf_token": re.findall(r'name="csrf_token" value="([^"]+)"', client.get("/").text)[0],
            "title": "Flash check",
            "kind": "other",
            "tlp": "TLP:CLEAR",
        },
    )
    assert saved.status_code == 200
    assert (
        '<div class="flash flash-success" role="status">The document was shared.</div>'
        in saved.text
    )
    again = client.get(str(saved.url))
    assert "The document was shared." not in again.text  # shown once

    missing = client.get("/documents/nope")
    assert missing.status_code == 404
    assert "Sign out" in missing.text  # error pages keep the layout


def test_external_party_header_has_no_state(client: TestClient, db: Session) -> None:
    vendor = make_org(db, kind=OrganisationKind.VENDOR, name="Vendor Ltd")
    sign_in(client, db, make_user(db, vendor))
    html = client.get("/").text
    assert '<span class="org">Vendor Ltd</span>' in html


def test_template_filters_escape_and_localise() -> None:
    shown = localtime(datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "Asia/Singapore")
    assert 'datetime="2026-01-02T03:04:00+00:00"' in shown
    assert 'title="2026-01-02 03:04 UTC"' in shown
    assert "02 Jan 2026 11:04" in shown
    assert str(tlp_badge("<b>")) == '<span class="tlp tlp-&lt;b&gt;">&lt;b&gt;</span>'
