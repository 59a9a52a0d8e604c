"""Who sees which national document, on every route: pages, REST list and detail, search,
export (JSON and CSV) and counts. What a reader may not see is 404 and never counted."""

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.policy import Tlp
from aseancyber.community import documents_service
from aseancyber.community.documents import Document, DocumentKind
from aseancyber.community.documents_schemas import DocumentCreate
from tests.factories import actor
from tests.readers import BrowserFor, ClientsFor, TokenFor, World

LABELS = ("clear", "green", "green-external", "amber", "amber-strict", "red")

# reader -> the labels of the documents it may see (all documents owned by the author's
# organisation, written by the author, naming recipient_org and named_user).
EXPECTED = {
    "anonymous": {"clear"},
    "author": set(LABELS),
    "colleague": set(LABELS) - {"red"},
    "other_state": {"clear", "green", "green-external"},
    "recipient": set(LABELS),
    "named_user": set(LABELS),
    "external": {"clear", "green-external"},
    "coordinator": {"clear", "green", "green-external"},
    "platform_admin": {"clear", "green", "green-external"},
}


def _share(db: Session, world: World) -> dict[str, Document]:
    made = {}
    for name in LABELS:
        label = {
            "clear": Tlp.CLEAR,
            "green": Tlp.GREEN,
            "green-external": Tlp.GREEN,
            "amber": Tlp.AMBER,
            "amber-strict": Tlp.AMBER_STRICT,
            "red": Tlp.RED,
        }[name]
        data = DocumentCreate(
            title=f"Matrix document {name} zebra",
            kind=DocumentKind.THREAT_ASSESSMENT,
            tlp=label,
            summary=f"summary of {name}",
            green_includes_external=name == "green-external",
            audience_organisation_ids=[world.recipient_org.id],
            audience_user_ids=[world.named_user.id],
        )
        made[name] = documents_service.create(db, actor=actor(world.author), data=data)
    db.commit()
    return made


def _reader(world: World, name: str) -> User | None:
    return None if name == "anonymous" else getattr(world, name)


@pytest.mark.parametrize("reader_name", list(EXPECTED))
def test_each_reader_sees_exactly_what_the_policy_allows_everywhere(
    reader_name: str,
    clients_for: ClientsFor,
    db: Session,
    world: World,
) -> None:
    documents = _share(db, world)
    user = _reader(world, reader_name)
    rest, page = clients_for(user)
    expected = EXPECTED[reader_name]
    visible_ids = {documents[name].id for name in expected}
    hidden = {name: d for name, d in documents.items() if name not in expected}

    listed = rest.get("/api/v1/documents").json()
    assert {item["id"] for item in listed["items"]} == visible_ids
    searched = rest.get("/api/v1/documents", params={"q": "zebra"}).json()
    assert {item["id"] for item in searched["items"]} == visible_ids
    exported = rest.get("/api/v1/documents/export", params={"format": "json"}).json()
    assert {item["id"] for item in exported["items"]} == visible_ids
    assert exported["count"] == len(visible_ids)
    rows = list(csv.DictReader(io.StringIO(rest.get("/api/v1/documents/export?format=csv").text)))
    assert {row["id"] for row in rows} == visible_ids
    page_export = page.get("/documents/export?format=json&q=zebra").json()
    assert {item["id"] for item in page_export["items"]} == visible_ids

    for name in expected:
        assert rest.get(f"/api/v1/documents/{documents[name].id}").status_code == 200
        assert page.get(f"/documents/{documents[name].id}").status_code == 200
    for name, document in hidden.items():
        assert rest.get(f"/api/v1/documents/{document.id}").status_code == 404, name
        assert page.get(f"/documents/{document.id}").status_code == 404, name

    listing = page.get("/documents?q=zebra")
    assert listing.status_code == 200
    for name, document in documents.items():
        assert (document.title in listing.text) is (name in expected), name
    assert f"{len(visible_ids)} document" in listing.text

    reader = actor(user) if user else None
    assert documents_service.count(db, reader=reader) == len(visible_ids)


def test_invisible_documents_are_404_for_change_and_delete(
    client: TestClient, db: Session, world: World, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    documents = _share(db, world)
    amber = documents["amber"]
    headers = token_for(world.other_state)
    patch = client.patch(
        f"/api/v1/documents/{amber.id}", json={"version": 1, "tlp": "TLP:RED"}, headers=headers
    )
    assert patch.status_code == 404
    assert client.delete(f"/api/v1/documents/{amber.id}", headers=headers).status_code == 404
    assert patch.json()["detail"] == "no such document"

    browser = browser_for(world.other_state)
    assert browser.client.get(f"/documents/{amber.id}/edit").status_code == 404
    delete = browser.client.post(f"/documents/{amber.id}/delete", data={"csrf_token": browser.csrf})
    assert delete.status_code == 404
    assert db.get(Document, amber.id) is not None

    unknown = client.get("/api/v1/documents/not-a-document", headers=headers)
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == patch.json()["detail"]  # unknown and hidden look alike


def test_dashboard_and_landing_count_only_visible_documents(
    client: TestClient, db: Session, world: World, browser_for: BrowserFor
) -> None:
    documents = _share(db, world)
    landing = client.get("/")
    assert documents["clear"].title in landing.text
    assert documents["green"].title not in landing.text

    dashboard = browser_for(world.other_state).client.get("/")
    assert dashboard.status_code == 200
    assert documents["green"].title in dashboard.text
    assert documents["amber"].title not in dashboard.text
    assert "3 documents visible to you in all" in dashboard.text
