"""Errors are RFC 9457 problems over REST and pages for people, never a 500."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import OrganisationKind, Role
from tests import factories


def test_unknown_api_route_is_a_problem_document(client: TestClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_nul_in_the_address_is_refused_by_name(client: TestClient) -> None:
    response = client.get("/api/v1/documents/abc%00def")
    assert response.status_code == 422
    assert "NUL" in response.json()["detail"]
    assert client.get("/documents?q=a%00b").status_code == 422


def test_oversized_body_is_refused_before_it_is_read(client: TestClient, db: Session) -> None:
    user = factories.make_user(
        db, factories.make_org(db, kind=OrganisationKind.NATIONAL_CERT), Role.CONTRIBUTOR
    )
    headers = factories.bearer(db, user)
    limit = client.app.state.settings.max_body_bytes  # type: ignore[attr-defined]
    response = client.post(
        "/api/v1/documents",
        content=b"x" * (limit + 1),
        headers=headers | {"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert str(limit) in response.json()["detail"]


def test_malformed_json_names_the_problem(client: TestClient, db: Session) -> None:
    user = factories.make_user(
        db, factories.make_org(db, kind=OrganisationKind.NATIONAL_CERT), Role.CONTRIBUTOR
    )
    headers = factories.bearer(db, user) | {"content-type": "application/json"}
    response = client.post("/api/v1/documents", content=b'{"title": ', headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"]


def test_signed_out_page_visit_goes_to_sign_in_and_comes_back(client: TestClient) -> None:
    response = client.get("/inbox", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/inbox"
