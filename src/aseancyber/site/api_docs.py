"""The REST API reference at /api/docs, rendered on the server from the OpenAPI document.

FastAPI's Swagger UI page loads its script from a CDN and runs inline script: the platform
fetches nothing at run time and its content security policy allows no inline script, so
the reference is a plain page (operations by tag, their parameters and request body),
with a link to the machine-readable ``/api/openapi.json`` for tools that render it.
"""

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from aseancyber.access.dependencies import OptionalActor
from aseancyber.web import templating

router = APIRouter(tags=["pages"], include_in_schema=False)
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[tuple[str, str, bool]]  # name, where, required
    body: str | None


@dataclass
class Tag:
    name: str
    operations: list[Operation] = field(default_factory=list)


def reference(schema: dict[str, Any]) -> list[Tag]:
    """The operations of an OpenAPI document grouped by their first tag, in path order."""
    tags: dict[str, Tag] = {}
    for path, item in sorted(schema.get("paths", {}).items()):
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            name = (operation.get("tags") or ["other"])[0]
            body = operation.get("requestBody", {}).get("content", {})
            tags.setdefault(name, Tag(name)).operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=str(operation.get("summary", "")),
                    description=str(operation.get("description", "")),
                    parameters=[
                        (str(p.get("name")), str(p.get("in")), bool(p.get("required")))
                        for p in operation.get("parameters", [])
                    ],
                    body=", ".join(body) or None,
                )
            )
    return sorted(tags.values(), key=lambda tag: tag.name)


@router.get("/api/docs")
def api_docs(request: Request, _actor: OptionalActor) -> Response:
    """The REST API reference (no script; the OpenAPI document is linked for tools)."""
    return templating.render(request, "api_docs.html", {"tags": reference(request.app.openapi())})
