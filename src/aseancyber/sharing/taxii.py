"""TAXII 2.1 (OASIS standard, June 2021) at /taxii2/: one API root, ``/taxii2/api/``.

Every route answers ``application/taxii+json;version=2.1`` and every error is a TAXII
error-message resource (section 3.6.1), rendered by :class:`TaxiiRoute`. Readers sign in
with HTTP Basic (e-mail and password, or anything and an API token as the password) or a
bearer token. What a reader gets from a collection is the collection's read grant AND
each object's own TLP label and audience, exactly as on the pages and the REST API.
"""

import base64
import binascii
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from aseancyber import __version__
from aseancyber.access import service as access_service
from aseancyber.access.dependencies import SAFE_METHODS, DbSession, client_address
from aseancyber.access.policy import Actor, set_audience
from aseancyber.audit.service import SESSION_ACTOR
from aseancyber.errors import Forbidden, NotAuthenticated, NotFound, ServiceError
from aseancyber.sharing import ingest as ingest_service
from aseancyber.sharing import objects_service as objects
from aseancyber.sharing import service, stix
from aseancyber.sharing.models import Collection, StixObject, TaxiiStatus, TaxiiStatusDetail

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


router = APIRouter(
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
    raise _NotAcceptable


class _NotAcceptable(ServiceError):
    status = 406
    title = "Not acceptable"

    def __init__(self) -> None:
        super().__init__(f"this server answers {TAXII_MEDIA_TYPE}")


class _UnsupportedMedia(ServiceError):
    status = 415
    title = "Unsupported media type"


class _TooLarge(ServiceError):
    status = 413
    title = "Request too large"


def taxii_actor(request: Request, db: DbSession) -> Actor:
    """Who is asking: HTTP Basic (password, or an API token as password) or a bearer token."""
    _accepts_taxii(request)
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    actor = None
    if scheme.lower() in {"bearer", "token"} and credentials.strip():
        token = access_service.token_from_secret(db, credentials.strip())
        if token is None:
            raise NotAuthenticated("the API token is unknown, expired or revoked")
        actor = access_service.actor_for(token.user, token=token)
    elif scheme.lower() == "basic" and credentials.strip():
        actor = _basic(db, request, credentials.strip())
    if actor is None:
        raise NotAuthenticated(
            "sign in with HTTP Basic (e-mail and password or API token) or Bearer"
        )
    if request.method not in SAFE_METHODS and not actor.token_can_write:
        raise Forbidden("this API token is read-only")
    db.info[SESSION_ACTOR] = actor
    return actor


def _basic(db: Session, request: Request, credentials: str) -> Actor:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise NotAuthenticated("the Basic credentials are not valid base64 text") from None
    username, _, password = decoded.partition(":")
    if password.startswith(access_service.TOKEN_PREFIX):
        token = access_service.token_from_secret(db, password)
        if token is None:
            raise NotAuthenticated("the API token is unknown, expired or revoked")
        return access_service.actor_for(token.user, token=token)
    user = access_service.authenticate(
        db, email=username, password=password, address=client_address(request)
    )
    if user.totp_enabled or access_service.must_enrol_totp(user):
        raise NotAuthenticated("this account uses a second factor: send an API token instead")
    return access_service.actor_for(user)


TaxiiActor = Annotated[Actor, Depends(taxii_actor)]


def _collection(db: Session, actor: Actor, collection_id: str) -> Collection:
    return service.get_collection_or_404(db, reader=actor, collection_id=collection_id)


def _collection_resource(db: Session, actor: Actor, collection: Collection) -> dict[str, Any]:
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


@router.get("/")
def discovery(request: Request, actor: TaxiiActor) -> Response:
    """Server discovery (TAXII 2.1 section 4.1)."""
    return taxii_response(
        {
            "title": "aseancyber TAXII 2.1 server",
            "description": "ASEAN threat-information sharing: STIX 2.1 with TLP 2.0 enforced",
            "default": API_ROOT,
            "api_roots": [API_ROOT],
        }
    )


@router.get("/api/")
def api_root(request: Request, actor: TaxiiActor) -> Response:
    """API root information (TAXII 2.1 section 4.2)."""
    return taxii_response(
        {
            "title": "aseancyber",
            "description": f"aseancyber {__version__}",
            "versions": ["application/taxii+json;version=2.1"],
            "max_content_length": max_content_length(request),
        }
    )


@router.get("/api/status/{status_id}/")
def get_status(status_id: str, db: DbSession, actor: TaxiiActor) -> Response:
    """Status of a POST of objects (TAXII 2.1 section 4.3): successes and failures with reasons."""
    return taxii_response(status_resource(db, actor, status_id))


def status_resource(db: Session, actor: Actor, status_id: str) -> dict[str, Any]:
    """A status resource, for the organisation that posted the envelope only."""
    status = db.get(TaxiiStatus, status_id) if len(status_id) <= 36 else None
    if status is None or status.requested_by_organisation_id != actor.organisation_id:
        raise NotFound("status")
    outcomes: dict[str, list[dict[str, str]]] = {"success": [], "failure": [], "pending": []}
    details = db.execute(
        select(
            TaxiiStatusDetail.outcome,
            TaxiiStatusDetail.object_id,
            TaxiiStatusDetail.version,
            TaxiiStatusDetail.message,
        )
        .where(TaxiiStatusDetail.status_id == status.id)
        .order_by(TaxiiStatusDetail.seq)
    ).tuples()
    for outcome, object_id, version, message in details:
        detail = {"id": object_id, "version": version}
        if message:
            detail["message"] = message
        outcomes[outcome].append(detail)
    return {
        "id": status.id,
        "status": status.status,
        "request_timestamp": stix.format_timestamp(status.request_timestamp),
        "total_count": status.total_count,
        "success_count": status.success_count,
        "successes": outcomes["success"],
        "failure_count": status.failure_count,
        "failures": outcomes["failure"],
        "pending_count": status.pending_count,
        "pendings": outcomes["pending"],
    }


@router.get("/api/collections/")
def list_collections(db: DbSession, actor: TaxiiActor) -> Response:
    """The collections the reader may read, sorted by id (TAXII 2.1 section 5.1)."""
    found = service.list_collections(db, reader=actor)
    body = {"collections": [_collection_resource(db, actor, c) for c in found]} if found else {}
    return taxii_response(body)


@router.get("/api/collections/{collection_id}/")
def get_collection(collection_id: str, db: DbSession, actor: TaxiiActor) -> Response:
    """One collection (TAXII 2.1 section 5.2)."""
    return taxii_response(_collection_resource(db, actor, _collection(db, actor, collection_id)))


Limit = Annotated[int, Query(ge=1, le=100_000)]
Text = Annotated[str | None, Query(max_length=20_000)]


def _selection(request: Request, default_version: str = "last") -> objects.Selection:
    params = request.query_params
    return objects.parse_selection(
        added_after=params.get("added_after"),
        match_id=params.get("match[id]"),
        match_type=params.get("match[type]"),
        match_version=params.get("match[version]"),
        match_spec_version=params.get("match[spec_version]"),
        default_version=default_version,
    )


def _page_headers(page: objects.TaxiiPage) -> dict[str, str]:
    if not page.rows:
        return {}
    return {
        "X-TAXII-Date-Added-First": stix.format_timestamp(page.rows[0].date_added),
        "X-TAXII-Date-Added-Last": stix.format_timestamp(page.rows[-1].date_added),
    }


def _paged(body: dict[str, Any], page: objects.TaxiiPage) -> dict[str, Any]:
    if page.rows:
        body["more"] = page.more
        if page.next:
            body["next"] = page.next
    return body


@router.get("/api/collections/{collection_id}/manifest/")
def get_manifest(
    *,
    request: Request,
    collection_id: str,
    db: DbSession,
    actor: TaxiiActor,
    limit: Limit = DEFAULT_LIMIT,
    next: Text = None,
) -> Response:
    """The manifest of a collection: id, date_added, version, media type (section 5.3)."""
    collection = _collection(db, actor, collection_id)
    page = objects.taxii_page(
        db,
        reader=actor,
        collection_id=collection.id,
        selection=_selection(request),
        limit=min(limit, objects.MAX_PAGE),
        next_token=next,
        with_body=False,
    )
    entries = [
        {
            "id": row.stix_id,
            "date_added": stix.format_timestamp(row.date_added),
            "version": stix.format_timestamp(row.version_at),
            "media_type": STIX_MEDIA_TYPE,
        }
        for row in page.rows
    ]
    body = _paged({"objects": entries} if entries else {}, page)
    return taxii_response(body, _page_headers(page))


def _envelope(page: objects.TaxiiPage) -> bytes:
    # The stored JSON text is spliced in as is: no parse and re-serialise per object.
    if not page.rows:
        return b"{}"
    parts = [b'{"more":', b"true" if page.more else b"false"]
    if page.next:
        parts += [b',"next":', orjson.dumps(page.next)]
    parts.append(b',"objects":[')
    parts.append(b",".join(row.body.encode() for row in page.rows))
    parts.append(b"]}")
    return b"".join(parts)


@router.get("/api/collections/{collection_id}/objects/")
def get_objects(
    *,
    request: Request,
    collection_id: str,
    db: DbSession,
    actor: TaxiiActor,
    limit: Limit = DEFAULT_LIMIT,
    next: Text = None,
) -> Response:
    """Objects of a collection in ascending date_added, filtered and paged (section 5.4)."""
    collection = _collection(db, actor, collection_id)
    page = objects.taxii_page(
        db,
        reader=actor,
        collection_id=collection.id,
        selection=_selection(request),
        limit=min(limit, objects.MAX_PAGE),
        next_token=next,
    )
    return Response(_envelope(page), media_type=TAXII_MEDIA_TYPE, headers=_page_headers(page))


@router.post("/api/collections/{collection_id}/objects/", status_code=202)
async def add_objects(
    *, request: Request, collection_id: str, db: DbSession, actor: TaxiiActor
) -> Response:
    """Add objects from an envelope; answers a status resource (section 5.5)."""
    content_type = request.headers.get("content-type", "").replace(" ", "").lower()
    if not content_type.startswith("application/taxii+json") or (
        "version=" in content_type and "version=2.1" not in content_type
    ):
        raise _UnsupportedMedia(f"send the envelope as {TAXII_MEDIA_TYPE}")
    limit = max_content_length(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _TooLarge(f"the envelope is larger than max_content_length ({limit} bytes)")
    raw = await request.body()
    # The database work runs in the thread pool: the event loop keeps serving other requests.
    body = await run_in_threadpool(_store_envelope, db, actor, collection_id, raw)
    return taxii_response(body, status=202)


def _store_envelope(db: Session, actor: Actor, collection_id: str, raw: bytes) -> dict[str, Any]:
    collection = _collection(db, actor, collection_id)
    if not service.can_write(db, actor=actor, collection=collection):
        raise Forbidden("you may read this collection but not add objects to it")
    try:
        envelope = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise _BadRequest(f"the body is not valid JSON: {error}") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("objects", []), list):
        raise _BadRequest("the body must be an envelope: a JSON object with an objects list")
    report = ingest_service.ingest(
        db, actor=actor, collection=collection, objects=envelope.get("objects", [])
    )
    return status_resource(db, actor, report.status_id)


class _BadRequest(ServiceError):
    status = 400
    title = "Bad request"


@router.get("/api/collections/{collection_id}/objects/{object_id}/")
def get_object(
    *,
    request: Request,
    collection_id: str,
    object_id: str,
    db: DbSession,
    actor: TaxiiActor,
    limit: Limit = DEFAULT_LIMIT,
    next: Text = None,
) -> Response:
    """One object's versions selected by match[version] (default last) (section 5.6)."""
    collection = _collection(db, actor, collection_id)
    selection = _selection(request)
    selection = objects.Selection(
        added_after=selection.added_after,
        ids=(object_id,),
        versions=selection.versions,
        spec_versions=selection.spec_versions,
    )
    page = objects.taxii_page(
        db,
        reader=actor,
        collection_id=collection.id,
        selection=selection,
        limit=min(limit, objects.MAX_PAGE),
        next_token=next,
    )
    if not page.rows and not next:
        raise NotFound("object")
    return Response(_envelope(page), media_type=TAXII_MEDIA_TYPE, headers=_page_headers(page))


@router.delete("/api/collections/{collection_id}/objects/{object_id}/")
def delete_object(
    *, request: Request, collection_id: str, object_id: str, db: DbSession, actor: TaxiiActor
) -> Response:
    """Delete an object's versions (match[version], default all) (section 5.7)."""
    collection = _collection(db, actor, collection_id)
    selection = _selection(request, default_version="all")
    selection = objects.Selection(
        ids=(object_id,), versions=selection.versions, spec_versions=selection.spec_versions
    )
    rows = list(
        db.scalars(
            select(StixObject).where(*objects.taxii_conditions(actor, collection.id, selection))
        )
    )
    if not rows:
        raise NotFound("object")
    if not service.can_write(db, actor=actor, collection=collection) or any(
        row.owner_organisation_id != actor.organisation_id and row.created_by_id != actor.user_id
        for row in rows
    ):
        raise Forbidden(
            "only writers of this collection may delete their own organisation's objects"
        )
    for row in rows:
        set_audience(db, row)
        db.delete(row)
    db.flush()
    return taxii_response({}, status=200)


@router.get("/api/collections/{collection_id}/objects/{object_id}/versions/")
def get_versions(
    *,
    request: Request,
    collection_id: str,
    object_id: str,
    db: DbSession,
    actor: TaxiiActor,
    limit: Limit = DEFAULT_LIMIT,
    next: Text = None,
) -> Response:
    """The versions of one object the reader may see (section 5.8)."""
    collection = _collection(db, actor, collection_id)
    selection = _selection(request, default_version="all")
    selection = objects.Selection(
        added_after=selection.added_after,
        ids=(object_id,),
        versions=("all",),
        spec_versions=selection.spec_versions,
    )
    page = objects.taxii_page(
        db,
        reader=actor,
        collection_id=collection.id,
        selection=selection,
        limit=min(limit, objects.MAX_PAGE),
        next_token=next,
        with_body=False,
    )
    if not page.rows and not next:
        raise NotFound("object")
    body = _paged({"versions": [stix.format_timestamp(r.version_at) for r in page.rows]}, page)
    return taxii_response(body, _page_headers(page))


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str) -> Response:
    """Anything else under /taxii2/ is a TAXII 404 (section 3.6)."""
    raise NotFound("TAXII resource")
