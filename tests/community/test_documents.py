"""Sharing, editing, relabelling, deleting and exporting national documents."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp, audience_of
from aseancyber.audit.models import AuditEntry
from aseancyber.community.documents import Document
from tests.readers import BrowserFor, TokenFor, World

API = "/api/v1/documents"


def _create(client: TestClient, headers: dict[str, str], **fields: object) -> dict[str, object]:
    body = {"title": "A threat assessment", "kind": "threat_assessment", "tlp": "TLP:AMBER"}
    response = client.post(API, json={**body, **fields}, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


@pytest.mark.parametrize("label", [label.value for label in Tlp])
def test_create_with_each_label(
    label: str, client: TestClient, db: Session, world: World, token_for: TokenFor
) -> None:
    headers = token_for(world.author)
    created = _create(
        client,
        headers,
        tlp=label,
        audience_organisation_ids=[world.recipient_org.id],
        audience_user_emails=[world.named_user.email.upper()],
        published_on="2026-01-15",
        link="https://example.org/report",
        member_state_id=world.owner_org.member_state_id,
    )
    assert created["tlp"] == label
    assert created["owner_organisation_id"] == world.owner_org.id
    assert created["created_by_id"] == world.author.id
    assert created["member_state_iso2"] == "SG"
    assert created["version"] == 1
    assert created["audience"] == {
        "organisation_ids": [world.recipient_org.id],
        "user_ids": [world.named_user.id],
    }
    fetched = client.get(f"{API}/{created['id']}", headers=token_for(world.recipient))
    assert fetched.status_code == 200
    entries = db.scalars(
        select(AuditEntry.action).where(AuditEntry.record_id == created["id"])
    ).all()
    assert "document.create" in entries


def test_red_needs_a_named_recipient_and_only_contributors_share(
    client: TestClient, world: World, token_for: TokenFor
) -> None:
    refused = client.post(
        API,
        json={"title": "Secret", "kind": "other", "tlp": "TLP:RED"},
        headers=token_for(world.author),
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "audience_organisation_ids"
    viewer = client.post(
        API,
        json={"title": "X", "kind": "other", "tlp": "TLP:CLEAR"},
        headers=token_for(world.colleague),
    )
    assert viewer.status_code == 403
    anonymous = client.post(API, json={"title": "X", "kind": "other", "tlp": "TLP:CLEAR"})
    assert anonymous.status_code == 401


def test_owner_edits_with_version_and_stale_edit_conflicts(
    client: TestClient, world: World, token_for: TokenFor
) -> None:
    headers = token_for(world.author)
    created = _create(client, headers)
    path = f"{API}/{created['id']}"
    saved = client.patch(path, json={"version": 1, "title": "Revised assessment"}, headers=headers)
    assert saved.status_code == 200
    assert saved.json()["version"] == 2
    stale = client.patch(path, json={"version": 1, "summary": "late"}, headers=headers)
    assert stale.status_code == 409
    assert "reload" in stale.json()["detail"]
    lowered = client.patch(path, json={"version": 2, "tlp": "TLP:CLEAR"}, headers=headers)
    assert lowered.status_code == 200  # the owner may lower its own label
    assert lowered.json()["tlp"] == "TLP:CLEAR"


def test_non_owner_may_raise_but_not_lower_the_label_nor_edit_content(
    client: TestClient, db: Session, world: World, token_for: TokenFor
) -> None:
    created = _create(
        client, token_for(world.author), audience_organisation_ids=[world.recipient_org.id]
    )
    path = f"{API}/{created['id']}"
    recipient = token_for(world.recipient)

    lowered = client.patch(path, json={"version": 1, "tlp": "TLP:GREEN"}, headers=recipient)
    assert lowered.status_code == 422
    assert lowered.json()["errors"] == [
        {"field": "tlp", "message": lowered.json()["errors"][0]["message"]}
    ]
    assert "owner" in lowered.json()["errors"][0]["message"]

    content = client.patch(path, json={"version": 1, "title": "Mine"}, headers=recipient)
    assert content.status_code == 403
    assert client.delete(path, headers=recipient).status_code == 403

    raised = client.patch(path, json={"version": 1, "tlp": "TLP:AMBER+STRICT"}, headers=recipient)
    assert raised.status_code == 200
    assert raised.json()["tlp"] == "TLP:AMBER+STRICT"
    document = db.get(Document, created["id"])
    assert document is not None
    assert audience_of(db, document).organisation_ids == {world.recipient_org.id}


def test_delete_by_owner_removes_document_and_audience(
    client: TestClient, db: Session, world: World, token_for: TokenFor
) -> None:
    created = _create(
        client, token_for(world.author), audience_user_ids=[world.named_user.id], tlp="TLP:RED"
    )
    path = f"{API}/{created['id']}"
    assert client.delete(path, headers=token_for(world.colleague)).status_code == 404  # RED
    assert client.delete(path, headers=token_for(world.author)).status_code == 204
    assert client.get(path, headers=token_for(world.author)).status_code == 404
    assert db.get(Document, created["id"]) is None


VALID = {"title": "X", "kind": "other", "tlp": "TLP:CLEAR"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": None}, "title"),  # None: leave the field out
        ({"title": "   "}, "title"),
        ({"title": 42}, "title"),
        ({"kind": "gossip"}, "kind"),
        ({"tlp": "TLP:PURPLE"}, "tlp"),
        ({"published_on": "soon"}, "published_on"),
        ({"link": "javascript:x"}, "link"),
        ({"audience_user_ids": "u"}, "audience_user_ids"),
        ({"owner": "someone"}, "owner"),
        ({"member_state_id": "nope"}, "member_state_id"),
        ({"audience_user_emails": ["nobody@example.org"]}, "audience_user_emails"),
        ({"audience_user_emails": ["not an address"]}, "audience_user_emails"),
        ({"audience_organisation_ids": ["nope"]}, "audience_organisation_ids"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    changes: dict[str, object], field: str, client: TestClient, world: World, token_for: TokenFor
) -> None:
    body = {key: value for key, value in {**VALID, **changes}.items() if value is not None}
    response = client.post(API, json=body, headers=token_for(world.author))
    assert response.status_code == 422, response.text
    # a list item is named with its position, e.g. audience_user_emails.0
    assert field in {error["field"].split(".")[0] for error in response.json()["errors"]}


def test_bad_filters_are_422_and_label_filters_are_forgiving(
    client: TestClient, world: World, token_for: TokenFor
) -> None:
    headers = token_for(world.author)
    _create(client, headers, title="Amber one")
    _create(client, headers, title="Strict one", tlp="TLP:AMBER+STRICT")
    for params, field in (
        ({"kind": "gossip"}, "kind"),
        ({"tlp": "purple"}, "tlp"),
        ({"state": "ZZ"}, "state"),
        ({"limit": "0"}, "limit"),
        ({"cursor": "!!"}, "cursor"),
        ({"format": "xml"}, "format"),
    ):
        path = f"{API}/export" if "format" in params else API
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == 422, params
        assert field in {error["field"] for error in response.json()["errors"]}
    for label in ("amber+strict", "TLP:AMBER STRICT", "TLP:AMBER+STRICT"):
        items = client.get(API, params={"tlp": label}, headers=headers).json()["items"]
        assert [item["title"] for item in items] == ["Strict one"]


def test_export_is_audited_with_its_count(
    client: TestClient, db: Session, world: World, token_for: TokenFor
) -> None:
    headers = token_for(world.author)
    _create(client, headers, title='=HYPERLINK("http://evil")')
    _create(client, headers, title="Plain")
    exported = client.get(f"{API}/export?format=csv", headers=headers)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    assert "'=HYPERLINK" in exported.text  # a formula is neutralised for spreadsheets
    entry = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "document.export")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert entry is not None
    assert entry.actor_user_id == world.author.id
    assert entry.changed_fields == ["count=2", "format=csv"]


def test_share_edit_and_delete_through_the_pages(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    author = browser_for(world.author)
    form = author.client.get("/documents/new")
    assert form.status_code == 200
    assert 'name="audience_organisation_ids"' in form.text

    invalid = author.client.post(
        "/documents/new",
        data={"csrf_token": author.csrf, "title": "", "kind": "gossip", "tlp": "TLP:RED"},
    )
    assert invalid.status_code == 422
    assert 'id="title-error"' in invalid.text
    assert 'id="kind-error"' in invalid.text

    hostile = "<script>alert('x')</script> assessment"
    created = author.client.post(
        "/documents/new",
        data={
            "csrf_token": author.csrf,
            "title": hostile,
            "kind": "threat_assessment",
            "tlp": "TLP:AMBER",
            "summary": "<b>bold</b>",
            "audience_organisation_ids": [world.recipient_org.id],
            "audience_user_emails": f"{world.named_user.email}\n",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    location = created.headers["location"]
    shown = author.client.get(location)
    assert "The document was shared." in shown.text
    assert "<script>alert" not in shown.text
    assert "&lt;script&gt;" in shown.text
    assert "&lt;b&gt;bold&lt;/b&gt;" in shown.text
    assert world.named_user.display_name in shown.text
    assert re.search(r'<time datetime="[^"]+" title="[^"]+ UTC">', shown.text)
    assert '<span class="tlp tlp-amber">TLP:AMBER</span>' in shown.text

    edit = author.client.get(f"{location}/edit")
    version = re.search(r'name="version" value="(\d+)"', edit.text)
    assert version is not None
    saved = author.client.post(
        f"{location}/edit",
        data={
            "csrf_token": author.csrf,
            "version": version.group(1),
            "title": "Renamed assessment",
            "kind": "threat_assessment",
            "tlp": "TLP:AMBER",
            "audience_organisation_ids": [world.recipient_org.id],
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    stale = author.client.post(
        f"{location}/edit",
        data={
            "csrf_token": author.csrf,
            "version": version.group(1),
            "title": "Too late",
            "kind": "threat_assessment",
            "tlp": "TLP:AMBER",
        },
    )
    assert stale.status_code == 409
    assert "changed by someone else" in stale.text

    recipient = browser_for(world.recipient)
    relabel_form = recipient.client.get(f"{location}/edit")
    assert relabel_form.status_code == 200
    assert 'name="title"' not in relabel_form.text
    lowered = recipient.client.post(
        f"{location}/edit",
        data={"csrf_token": recipient.csrf, "version": "2", "tlp": "TLP:CLEAR"},
    )
    assert lowered.status_code == 422
    assert 'id="tlp-error"' in lowered.text

    deleted = author.client.post(
        f"{location}/delete", data={"csrf_token": author.csrf}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert author.client.get(location).status_code == 404


def test_list_page_filters_paginate_and_anonymous_cannot_write(
    client: TestClient, world: World, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    headers = token_for(world.author)
    for n in range(4):
        _create(client, headers, title=f"Clear note {n}", tlp="TLP:CLEAR", kind="other")
    _create(client, headers, title="Strategy", tlp="TLP:CLEAR", kind="national_strategy")

    first = client.get("/documents?limit=2&kind=other")
    assert first.status_code == 200
    assert first.text.count('href="/documents/') - first.text.count('href="/documents/export') == 2
    assert 'rel="next"' in first.text
    assert "Strategy" not in first.text
    assert client.get("/documents?kind=gossip").status_code == 422

    assert client.get("/documents/new", follow_redirects=False).status_code == 303
    assert client.post("/documents/new", data={"title": "x"}).status_code == 403  # no CSRF token
    viewer = browser_for(world.colleague)
    assert viewer.client.get("/documents/new").status_code == 403

    pages = []
    cursor = None
    for _ in range(5):
        params = {"limit": "2", "kind": "other", **({"cursor": cursor} if cursor else {})}
        page = client.get(API, params=params).json()
        pages.append([item["title"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    titles = [title for page in pages for title in page]
    assert sorted(titles) == [f"Clear note {n}" for n in range(4)]
    assert titles == [f"Clear note {n}" for n in reversed(range(4))]  # newest first


def test_nul_characters_are_refused_before_they_reach_the_database(
    client: TestClient, world: World, token_for: TokenFor
) -> None:
    headers = token_for(world.author)
    assert client.get(f"{API}/%00", headers=headers).status_code == 422
    assert client.get(API, params={"q": "a\x00b"}, headers=headers).status_code == 422
    assert client.get(API, params={"owner": "\x00"}, headers=headers).status_code == 422
    body = {"title": "a\x00b", "kind": "other", "tlp": "TLP:CLEAR"}
    assert client.post(API, json=body, headers=headers).status_code == 422
    assert client.get("/api/v1/organisations/%00", headers=headers).status_code == 422
    assert client.get("/api/v1/organisations?q=%00", headers=headers).status_code == 422
    assert client.get("/api/v1/member-states/%00").status_code == 422
