"""The OpenAPI document as the server really answers: problem+json errors and who may call.

FastAPI documents the success answer of each operation and a 422 in its own shape. The
server answers every error as an RFC 9457 problem (``application/problem+json``, see
``app.install_error_handlers``), and which errors an operation can give follows from what
it takes: a caller (401, 403), a record named in its path, query or body (404), a body
(400, 413), a change (409). One pass over the routes adds those answers and the security
requirements to every operation, so no domain repeats them; a route that answers more
(415 from reading a multipart body itself) says so with ``responses=problems(415)``.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.routing import BaseRoute

from aseancyber.errors import PROBLEM_JSON
from aseancyber.web.security import SESSION_COOKIE

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BEARER = "bearerToken"
COOKIE = "sessionCookie"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; ``errors`` names each field that is not valid.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

SECURITY_SCHEMES: dict[str, Any] = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token (Account > API tokens, or `aseancyber token create`), "
        "sent as `Authorization: Bearer ...`. A read-only token may only read.",
    },
    COOKIE: {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The browser session of a signed-in user; a change also needs the "
        "session's CSRF token in the `X-CSRF-Token` header.",
    },
}

# Why each status can be answered; the description each operation shows.
REASONS = {
    400: "The body cannot be read (not JSON, nested too deeply).",
    401: "Not signed in, or the API token is unknown, expired or revoked.",
    403: "Signed in, but without the permission this needs (or a read-only token, or a "
    "browser change without its CSRF token). A record the caller may not see is 404.",
    404: "No such record, or one the caller may not see: the two are never told apart.",
    409: "The change conflicts with the record's current state or an existing record.",
    413: "The request body is over the configured limit.",
    415: "The body is not multipart/form-data.",
    422: "A field is missing or not valid; `errors` names each one.",
    503: "The database is busy; nothing was kept; retry after `Retry-After` seconds.",
}


@dataclass(frozen=True)
class SignIn:
    """The dependencies that name the caller: ``required`` (signed in) and ``optional``.

    The app passes access's ``get_current_actor`` / ``get_optional_actor``, so this module
    (web core) does not import access."""

    required: object
    optional: object


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for dependency in dependant.dependencies:
        yield from _dependants(dependency)


def _calls(route: APIRoute | RouteContext) -> set[object]:
    return {dependant.call for dependant in _dependants(route.dependant)}


def error_statuses(route: APIRoute | RouteContext, method: str, sign_in: SignIn) -> set[int]:
    """The error statuses an operation can answer, from what the route depends on."""
    calls = _calls(route)
    every = list(_dependants(route.dependant))
    names_records = any(d.path_params or d.query_params for d in every)
    statuses = {503}
    writes = method not in SAFE_METHODS
    if sign_in.required in calls or sign_in.optional in calls:
        statuses |= {401, 403}
    if names_records or writes:
        statuses.add(404)
    if names_records or any(d.header_params or d.cookie_params for d in every):
        statuses.add(422)
    if writes:
        statuses |= {400, 409, 413, 422}
    return statuses


def security_of(route: APIRoute | RouteContext, sign_in: SignIn) -> list[dict[str, list[str]]]:
    """The operation's security requirements: required, optional (``{}``) or none."""
    calls = _calls(route)
    signed_in: list[dict[str, list[str]]] = [{BEARER: []}, {COOKIE: []}]
    if sign_in.required in calls:
        return signed_in
    if sign_in.optional in calls:
        return [{}, *signed_in]
    return []


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A route's own error answers beyond those its dependencies imply, for ``responses=``
    (e.g. 415 from a route that reads a multipart body itself)."""
    return {status: {"description": REASONS[status]} for status in statuses}


def _problem(status: int, description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or REASONS[status],
        "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
    }


def describe(
    document: dict[str, Any], routes: Iterable[BaseRoute], sign_in: SignIn
) -> dict[str, Any]:
    """Add problem+json error answers and security requirements to every operation."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    components["securitySchemes"] = SECURITY_SCHEMES
    paths = document.get("paths", {})
    for route in iter_route_contexts(list(routes)):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(error_statuses(route, method, sign_in)):
                responses[str(status)] = _problem(status)
            for code, declared in responses.items():  # the route's own (``problems``)
                if code.isdigit() and int(code) >= 400 and declared.get("content") is None:
                    responses[code] = _problem(int(code), declared.get("description"))
            operation["security"] = security_of(route, sign_in)
    # FastAPI's own 422 shape is never answered: drop it once no operation names it.
    if "HTTPValidationError" not in orjson.dumps(paths).decode():
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return document
