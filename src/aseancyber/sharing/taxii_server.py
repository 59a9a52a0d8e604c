"""TAXII 2.1 server-level resources: discovery, the API root, status, collections."""

from collections.abc import Iterator
from datetime import datetime

import orjson
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber import __version__
from aseancyber.access.dependencies import DbSession
from aseancyber.access.policy import Actor
from aseancyber.errors import NotFound
from aseancyber.sharing import objects_service as objects
from aseancyber.sharing import service, stix
from aseancyber.sharing.ingest import PACKED_SUCCESSES
from aseancyber.sharing.models import StixObject, TaxiiStatus, TaxiiStatusDetail
from aseancyber.sharing.taxii_common import (
    API_ROOT,
    TAXII_MEDIA_TYPE,
    TaxiiActor,
    collection_or_404,
    collection_resource,
    max_content_length,
    taxii_response,
    taxii_router,
)

BATCH_ROWS = 5000

router = taxii_router()


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
    return Response(status_json(db, actor, status_id), media_type=TAXII_MEDIA_TYPE)


def status_json(db: Session, actor: Actor, status_id: str, *, just_posted: bool = False) -> bytes:
    """:func:`status_resource` as JSON text, for the user who posted the envelope only
    (anyone else, their colleagues included, gets 404 as for an unknown id).

    Successes are listed only while the poster may still see the stored version (in this
    collection, under the policy now): a version since hidden from them, or someone
    else's, is not listed. The counts are those of the lists (``success_count`` the
    successes listed, ``total_count`` their sum), as taxii2-client checks; the status of a
    large envelope (100,000s of objects) costs its text and one look-up per batch.
    ``just_posted``: the answer to the POST itself, in the same transaction, where every
    success is visible to the poster by construction (their own new version, or a version
    ingest found visible to them in a collection they may read), so none is looked up.
    """
    status = db.get(TaxiiStatus, status_id) if len(status_id) <= 36 else None
    if status is None or status.requested_by_id is None or status.requested_by_id != actor.user_id:
        raise NotFound("status")
    successes = bytearray()
    listed_successes = 0
    for piece, count in _visible_successes(db, actor, status, check=not just_posted):
        successes += piece if not successes else b"," + piece
        listed_successes += count
    failures = bytearray()
    rows = db.execute(
        select(TaxiiStatusDetail.object_id, TaxiiStatusDetail.version, TaxiiStatusDetail.message)
        .where(TaxiiStatusDetail.status_id == status.id, TaxiiStatusDetail.outcome == "failure")
        .order_by(TaxiiStatusDetail.seq)
        .execution_options(yield_per=BATCH_ROWS)
    ).tuples()
    for object_id, version, message in rows:
        detail = {"id": object_id, "version": version}
        if message:
            detail["message"] = message
        piece = orjson.dumps(detail)
        failures += piece if not failures else b"," + piece
    head = {
        "id": status.id,
        "status": status.status,
        "request_timestamp": stix.format_timestamp(status.request_timestamp),
        "total_count": listed_successes + status.failure_count + status.pending_count,
        "success_count": listed_successes,
        "failure_count": status.failure_count,
        "pending_count": status.pending_count,
    }
    out = bytearray(orjson.dumps(head)[:-1])
    out += b',"successes":[' + successes + b'],"failures":[' + failures + b'],"pendings":[]}'
    return bytes(out)


def _visible_successes(
    db: Session, actor: Actor, status: TaxiiStatus, *, check: bool
) -> Iterator[tuple[bytes, int]]:
    """The status's successes the poster may still see, a batch at a time, as JSON text."""
    rows = db.execute(
        select(
            TaxiiStatusDetail.outcome,
            TaxiiStatusDetail.object_id,
            TaxiiStatusDetail.version,
            TaxiiStatusDetail.message,
        )
        .where(
            TaxiiStatusDetail.status_id == status.id,
            TaxiiStatusDetail.outcome.in_((PACKED_SUCCESSES, "success")),
        )
        .order_by(TaxiiStatusDetail.seq)
        .execution_options(yield_per=BATCH_ROWS)
    ).tuples()
    for outcome, object_id, version, message in rows:
        if outcome == PACKED_SUCCESSES and not check:
            piece = message[1:-1].encode()  # a batch's successes, already as served
            if piece:
                yield piece, len(orjson.loads(message))
            continue
        # A batch's successes packed in one row, or (older statuses) one object per row.
        items: list[dict[str, str]] = (
            orjson.loads(message)
            if outcome == PACKED_SUCCESSES
            else [{"id": object_id, "version": version}]
        )
        if not items:
            continue
        seen = _visible_versions(db, actor, status.collection_id, {i["id"] for i in items})
        kept = [item for item in items if _listed(item, seen)]
        if kept:
            yield orjson.dumps(kept)[1:-1], len(kept)


def _visible_versions(
    db: Session, actor: Actor, collection_id: str, stix_ids: set[str]
) -> set[tuple[str, datetime] | str]:
    found: set[tuple[str, datetime] | str] = set()
    rows = db.execute(
        select(StixObject.stix_id, StixObject.version_at).where(
            objects.visible_in(actor, collection_id), StixObject.stix_id.in_(stix_ids)
        )
    ).tuples()
    for stix_id, version_at in rows:
        found.add(stix_id)
        found.add((stix_id, version_at))
    return found


def _listed(item: dict[str, str], seen: set[tuple[str, datetime] | str]) -> bool:
    if not item["version"]:  # no created or modified: any visible version of the object
        return item["id"] in seen
    try:
        moment = stix.parse_timestamp(item["version"], "version")
    except stix.StixProblem:
        return False
    return (item["id"], moment) in seen


@router.get("/api/collections/")
def list_collections(db: DbSession, actor: TaxiiActor) -> Response:
    """The collections the reader may read, sorted by id (TAXII 2.1 section 5.1)."""
    found = service.list_collections(db, reader=actor)
    body = {"collections": [collection_resource(db, actor, c) for c in found]} if found else {}
    return taxii_response(body)


@router.get("/api/collections/{collection_id}/")
def getcollection_or_404(collection_id: str, db: DbSession, actor: TaxiiActor) -> Response:
    """One collection (TAXII 2.1 section 5.2)."""
    return taxii_response(
        collection_resource(db, actor, collection_or_404(db, actor, collection_id))
    )
