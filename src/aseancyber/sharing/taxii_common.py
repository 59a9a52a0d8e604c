"""TAXII 2.1 plumbing shared by the resource modules: errors, media types, sign-in.

Every route answers ``application/taxii+json;version=2.1`` and every error is a TAXII
error-message resource (section 3.6.1), rendered by :class:`TaxiiRoute`. Readers sign in
with HTTP Basic (e-mail and password, or anything and an API token as the password) or a
bearer token.
"""

import base64
import binascii
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from aseancyber.access import service as access_service
from aseancyber.access.dependencies import (
    SAFE_METHODS,
    DbSession,
    client_address,
    note_token_use,
)
from aseancyber.access.policy import Actor
from aseancyber.access.rules import writes_at_all
from aseancyber.db import SESSION_ACTOR
from aseancyber.errors import Forbidden, NotAuthenticated, ServiceError
from aseancyber.sharing import objects_service as objects
from aseancyber.sharing import service, stix
from aseancyber.sharing.models import Collection

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
API_ROOT = "/taxii2/api/"
DEFAULT_LIMIT = 1000


def taxii_error(
    status: int, title: str, description: str = "", headers: dict[str, str] | None = None
) -> Response:
    """A TAXII error-message resource (section 3.6.1)."""
    body: dict[str, Any] = {"title": title, "http_status": str(status)}
    if description:
        body["description"] = description
    return Response(
        orjson.dumps(body), status_code=status, media_type=TAXII_MEDIA_TYPE, headers=headers
    )


class TaxiiRoute(APIRoute):
    """Renders every error of a TAXII route as a TAXII error message, never RFC 9457."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def taxii_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except NotAuthenticated as error:
                return taxii_error(
                    401,
                    "Not authenticated",
                    error.detail,
                    {"WWW-Authenticate": 'Basic realm="taxii"'},
                )
            except ServiceError as error:
                status = 400 if error.status == 422 else error.status
                return taxii_error(status, error.title, error.detail)
            except RequestValidationError as error:
                return taxii_error(400, "Invalid request", _validation_detail(error))

        return taxii_handler


def _validation_detail(error: RequestValidationError) -> str:
    problems = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem.get("loc", ()) if part != "query")
        problems.append(f"{where}: {problem.get('msg', '')}")
    return "; ".join(problems)


def taxii_router() -> APIRouter:
    """A router for one group of TAXII resources under /taxii2/ (errors as TAXII messages)."""
    return APIRouter(
        prefix="/taxii2", tags=["taxii"], route_class=TaxiiRoute, include_in_schema=False
    )


def taxii_response(body: Any, headers: dict[str, str] | None = None, status: int = 200) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, media_type=TAXII_MEDIA_TYPE, headers=headers
    )


def _accepts_taxii(request: Request) -> None:
    accept = request.headers.get("accept", "").replace(" ", "").lower()
    if not accept or "*/*" in accept or "application/*" in accept:
        return
    if "application/taxii+json" in accept and (
        "version=2.1" in accept or "application/taxii+json;" not in accept
    ):
        return
    raise NotAcceptable


class NotAcceptable(ServiceError):
    status = 406
    title = "Not acceptable"

    def __init__(self) -> None:
        super().__init__(f"this server answers {TAXII_MEDIA_TYPE}")


class UnsupportedMedia(ServiceError):
    status = 415
    title = "Unsupported media type"


def taxii_actor(request: Request, db: DbSession, background: BackgroundTasks) -> Actor:
    """Who is asking: HTTP Basic (password, or an API token as password) or a bearer token."""
    _accepts_taxii(request)
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    actor = None
    if scheme.lower() in {"bearer", "token"} and credentials.strip():
        token = access_service.token_from_secret(db, credentials.strip())
        if token is None:
            raise NotAuthenticated("the API token is unknown, expired or revoked")
        note_token_use(request, background, token)
        actor = access_service.actor_for(token.user, token=token)
    elif scheme.lower() == "basic" and credentials.strip():
        actor = _basic(db, request, background, credentials.strip())
    if actor is None:
        raise NotAuthenticated(
            "sign in with HTTP Basic (e-mail and password or API token) or Bearer"
        )
    if request.method not in SAFE_METHODS and not writes_at_all(actor):
        raise Forbidden("this API token is read-only")
    db.info[SESSION_ACTOR] = actor
    return actor


def _basic(db: Session, request: Request, background: BackgroundTasks, credentials: str) -> Actor:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise NotAuthenticated("the Basic credentials are not valid base64 text") from None
    username, _, password = decoded.partition(":")
    if password.startswith(access_service.TOKEN_PREFIX):
        token = access_service.token_from_secret(db, password)
        if token is None:
            raise NotAuthenticated("the API token is unknown, expired or revoked")
        note_token_use(request, background, token)
        return access_service.actor_for(token.user, token=token)
    user = access_service.authenticate(
        db, email=username, password=password, address=client_address(request)
    )
    if user.totp_enabled or access_service.must_enrol_totp(user):
        raise NotAuthenticated("this account uses a second factor: send an API token instead")
    return access_service.actor_for(user)


TaxiiActor = Annotated[Actor, Depends(taxii_actor)]


def collection_or_404(db: Session, actor: Actor, collection_id: str) -> Collection:
    return service.get_collection_or_404(db, reader=actor, collection_id=collection_id)


def collection_resource(db: Session, actor: Actor, collection: Collection) -> dict[str, Any]:
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "can_read": True,
        "can_write": service.can_write(db, actor=actor, collection=collection),
        "media_types": [STIX_MEDIA_TYPE],
    }


def max_content_length(request: Request) -> int:
    return int(request.app.state.settings.max_body_bytes)


Limit = Annotated[int, Query(ge=1, le=100_000)]
Text = Annotated[str | None, Query(max_length=20_000)]


def selection_from(request: Request, default_version: str = "last") -> objects.Selection:
    params = request.query_params
    return objects.parse_selection(
        added_after=params.get("added_after"),
        match_id=params.get("match[id]"),
        match_type=params.get("match[type]"),
        match_version=params.get("match[version]"),
        match_spec_version=params.get("match[spec_version]"),
        default_version=default_version,
    )


def object_selection(
    request: Request, object_id: str, default_version: str = "last"
) -> objects.Selection:
    """The filters of the endpoints for one object (added_after, match[version] and
    match[spec_version], section 5.6), for the object the path names."""
    selection = selection_from(request, default_version)
    return objects.Selection(
        added_after=selection.added_after,
        ids=(object_id,),
        versions=selection.versions,
        spec_versions=selection.spec_versions,
    )


def page_headers(page: objects.TaxiiPage) -> dict[str, str]:
    if not page.rows:
        return {}
    return {
        "X-TAXII-Date-Added-First": stix.format_timestamp(page.rows[0].date_added),
        "X-TAXII-Date-Added-Last": stix.format_timestamp(page.rows[-1].date_added),
    }


def paged(body: dict[str, Any], page: objects.TaxiiPage) -> dict[str, Any]:
    if page.rows:
        body["more"] = page.more
        if page.next:
            body["next"] = page.next
    return body


class BadRequest(ServiceError):
    status = 400
    title = "Bad request"
