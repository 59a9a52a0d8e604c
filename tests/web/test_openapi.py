"""The OpenAPI document describes what the server really answers: problem+json errors,
the errors each kind of operation can give, and who may call it."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import OrganisationKind, Role
from aseancyber.errors import PROBLEM_JSON
from aseancyber.web.openapi import BEARER, COOKIE
from tests import factories

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, item[method])
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    ]


def test_every_error_answer_is_a_problem_document(document: dict[str, Any]) -> None:
    found = operations(document)
    assert len(found) > 150
    for path, method, operation in found:
        errors = {code: r for code, r in operation["responses"].items() if int(code) >= 400}
        assert "503" in errors, (method, path)
        for code, response in errors.items():
            assert response["content"] == {
                PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}
            }, (method, path, code)
            assert response["description"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    problem = document["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status", "detail"]


def test_every_operation_states_its_security(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes[BEARER] == {"type": "http", "scheme": "bearer", "description": ANY_TEXT}
    assert schemes[COOKIE]["in"] == "cookie"
    assert schemes[COOKIE]["name"] == "aseancyber_session"
    for path, method, operation in operations(document):
        security = operation["security"]
        for requirement in security:
            assert set(requirement) <= {BEARER, COOKIE}, (method, path)
        if security and {} not in security:  # sign-in required
            assert {"401", "403"} <= set(operation["responses"]), (method, path)


class _AnyText(str):
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and bool(other)

    __hash__ = str.__hash__


ANY_TEXT = _AnyText()


def test_each_kind_of_operation_documents_its_own_errors(document: dict[str, Any]) -> None:
    paths = document["paths"]
    read_me = paths["/api/v1/me"]["get"]
    assert read_me["security"] == [{BEARER: []}, {COOKIE: []}]
    assert set(read_me["responses"]) == {"200", "401", "403", "503"}
    one_case = paths["/api/v1/cases/{case_id}"]["get"]
    assert {"401", "403", "404", "422"} <= set(one_case["responses"])
    assert "409" not in one_case["responses"]  # a read changes nothing
    create_case = paths["/api/v1/cases"]["post"]
    assert {"400", "401", "403", "404", "409", "413", "422"} <= set(create_case["responses"])
    reset = paths["/api/v1/auth/password-reset"]["post"]
    assert reset["security"] == []  # anyone may ask
    assert "401" not in reset["responses"]
    assert paths["/api/v1/member-states"]["get"]["security"] == []  # public directory
    assert {} in paths["/api/v1/cases"]["get"]["security"]  # optional: anonymous see less
    upload = paths["/api/v1/cases/{case_id}/messages/upload"]["post"]
    assert "415" in upload["responses"]  # declared by the route itself


def test_answers_match_the_document(client: TestClient, db: Session) -> None:
    """The real answers of a few operations against what the document says of them."""
    document = client.get("/api/openapi.json").json()
    unauthenticated = client.get("/api/v1/me")
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["content-type"] == PROBLEM_JSON
    assert "401" in document["paths"]["/api/v1/me"]["get"]["responses"]

    user = factories.make_user(
        db, factories.make_org(db, kind=OrganisationKind.NATIONAL_CERT), Role.CONTRIBUTOR
    )
    invalid = client.post("/api/v1/cases", json={"title": 7}, headers=factories.bearer(db, user))
    assert invalid.status_code == 422
    assert invalid.headers["content-type"] == PROBLEM_JSON
    body = invalid.json()
    assert set(document["components"]["schemas"]["Problem"]["required"]) <= set(body)
    assert body["errors"]
    assert all(set(error) == {"field", "message"} for error in body["errors"])
