"""Schemathesis drives every REST operation in the OpenAPI document: no input gets a 5xx,
and every answer is one the document describes (its status code, content type and body
schema, problem+json errors included).

Every operation's examples run inside the one test function, so each call is undone (a
savepoint rolled back) before the next: what one call writes, and the locks it takes, never
pile up for the 190 operations that follow. The time limit per call is generous: this is a
check of answers, not of speed (speed lives in ``benchmarks/``), and CI shares two cores.
"""

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from aseancyber.access.models import OrganisationKind, Role
from tests import factories


@pytest.fixture
def api_schema(app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


@pytest.fixture
def admin_headers(db: Session) -> dict[str, str]:
    state = factories.make_state(db, "SG")
    org = factories.make_org(db, kind=OrganisationKind.NATIONAL_CERT, state=state)
    user = factories.make_user(
        db, org, Role.CONTRIBUTOR, Role.COORDINATOR, Role.ORGANISATION_ADMIN, Role.PLATFORM_ADMIN
    )
    return factories.bearer(db, user)


schema = schemathesis.pytest.from_fixture("api_schema")
CALL_TIMEOUT_SECONDS = 60
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_answer_is_documented_and_none_is_a_server_error(
    case: schemathesis.Case,  # type: ignore[type-arg]  # generic only inside schemathesis
    admin_headers: dict[str, str],
    connection: Connection,
) -> None:
    undo = connection.begin_nested()
    try:
        response = case.call(headers=admin_headers, timeout=CALL_TIMEOUT_SECONDS)
    finally:
        undo.rollback()
    case.validate_response(response, checks=CHECKS)
