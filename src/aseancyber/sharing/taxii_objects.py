"""TAXII 2.1 collection content: manifest, objects (GET and POST), one object, versions.

What a reader gets is the collection's read grant AND each object's own TLP label and
audience (:mod:`aseancyber.sharing.objects_service`), exactly as on the pages and REST.
"""

from collections.abc import Iterable
from dataclasses import replace

import orjson
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from aseancyber.access.dependencies import DbSession
from aseancyber.access.policy import Actor
from aseancyber.db import utcnow
from aseancyber.errors import Forbidden, NotFound, TooLarge
from aseancyber.sharing import ingest as ingest_service
from aseancyber.sharing import notices, service, stix
from aseancyber.sharing import objects_service as objects
from aseancyber.sharing.envelope_stream import EnvelopeError, file_chunks, iter_objects
from aseancyber.sharing.taxii_common import (
    DEFAULT_LIMIT,
    STIX_MEDIA_TYPE,
    TAXII_MEDIA_TYPE,
    BadRequest,
    Limit,
    TaxiiActor,
    Text,
    UnsupportedMedia,
    collection_or_404,
    max_content_length,
    object_selection,
    page_headers,
    paged,
    selection_from,
    taxii_response,
    taxii_router,
)
from aseancyber.sharing.taxii_server import status_json
from aseancyber.web.spool import spooled_body, spooled_size

router = taxii_router()


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
    collection = collection_or_404(db, actor, collection_id)
    page = objects.taxii_page(
        db,
        reader=actor,
        collection_id=collection.id,
        selection=selection_from(request),
        limit=limit,
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
    body = paged({"objects": entries} if entries else {}, page)
    return taxii_response(body, page_headers(page))


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
    collection = collection_or_404(db, actor, collection_id)
    page = objects.taxii_page(
        db,
        reader=actor,
        collection_id=collection.id,
        selection=selection_from(request),
        limit=limit,
        next_token=next,
    )
    return Response(_envelope(page), media_type=TAXII_MEDIA_TYPE, headers=page_headers(page))


@router.post("/api/collections/{collection_id}/objects/", status_code=202)
async def add_objects(
    *, request: Request, collection_id: str, db: DbSession, actor: TaxiiActor
) -> Response:
    """Add objects from an envelope; answers a status resource (section 5.5).

    The body was read whole before this route (``web.spool``: memory, then a temporary
    file), so the transaction never waits on the client; it is stored in batches as its
    objects complete (all in one transaction): memory holds one read buffer and one batch.
    """
    content_type = request.headers.get("content-type", "").replace(" ", "").lower()
    if not content_type.startswith("application/taxii+json") or (
        "version=" in content_type and "version=2.1" not in content_type
    ):
        raise UnsupportedMedia(f"send the envelope as {TAXII_MEDIA_TYPE}")
    limit = max_content_length(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the envelope is larger than max_content_length ({limit} bytes)")
    if spooled_size(request) > limit:  # a chunked body has no Content-Length
        raise TooLarge(f"the envelope is larger than max_content_length ({limit} bytes)")
    chunks = file_chunks(spooled_body(request))
    # The database work runs in the thread pool: the event loop keeps serving other requests.
    body = await run_in_threadpool(_store_envelope, db, actor, collection_id, chunks)
    return Response(body, status_code=202, media_type=TAXII_MEDIA_TYPE)


def _store_envelope(
    db: Session, actor: Actor, collection_id: str, chunks: Iterable[bytes]
) -> bytes:
    collection = collection_or_404(db, actor, collection_id)
    if not service.can_write(db, actor=actor, collection=collection):
        raise Forbidden("you may read this collection but not add objects to it")
    since = utcnow()
    try:
        report = ingest_service.ingest(
            db, actor=actor, collection=collection, objects=iter_objects(chunks)
        )
    except EnvelopeError as error:
        # Raised part-way, after some batches were stored: undo them here, as the TAXII
        # error answer is rendered without the request's session seeing an exception.
        db.rollback()
        raise BadRequest(f"the envelope {error.problems[0].message}") from None
    except TooLarge:
        db.rollback()
        raise
    if report.sightings:  # only a stored sighting can tell anyone anything
        notices.tell_about_posted(db, actor=actor, collection_id=collection.id, since=since)
    return status_json(db, actor, report.status_id, just_posted=True)


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
    collection = collection_or_404(db, actor, collection_id)
    page = objects.taxii_page(
        db,
        reader=actor,
        collection_id=collection.id,
        selection=object_selection(request, object_id),
        limit=limit,
        next_token=next,
    )
    if not page.rows and not next:
        raise NotFound("object")
    return Response(_envelope(page), media_type=TAXII_MEDIA_TYPE, headers=page_headers(page))


@router.delete("/api/collections/{collection_id}/objects/{object_id}/")
def delete_object(
    *, request: Request, collection_id: str, object_id: str, db: DbSession, actor: TaxiiActor
) -> Response:
    """Delete an object's versions (match[version], default all) (section 5.7)."""
    collection = collection_or_404(db, actor, collection_id)
    selection = object_selection(request, object_id, default_version="all")
    objects.delete_versions(
        db, actor=actor, collection=collection, selection=replace(selection, added_after=None)
    )
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
    collection = collection_or_404(db, actor, collection_id)
    selection = replace(object_selection(request, object_id), versions=("all",))
    page = objects.taxii_page(
        db,
        reader=actor,
        collection_id=collection.id,
        selection=selection,
        limit=limit,
        next_token=next,
        with_body=False,
    )
    if not page.rows and not next:
        raise NotFound("object")
    body = paged({"versions": [stix.format_timestamp(r.version_at) for r in page.rows]}, page)
    return taxii_response(body, page_headers(page))
