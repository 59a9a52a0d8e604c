"""TAXII 2.1 server-level resources: discovery, the API root, status, collections."""

import orjson
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber import __version__
from aseancyber.access.dependencies import DbSession
from aseancyber.access.policy import Actor
from aseancyber.errors import NotFound
from aseancyber.sharing import service, stix
from aseancyber.sharing.ingest import PACKED_SUCCESSES
from aseancyber.sharing.models import TaxiiStatus, TaxiiStatusDetail
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


def status_json(db: Session, actor: Actor, status_id: str) -> bytes:
    """:func:`status_resource` as JSON text, built without a dict per object: the status
    of a large envelope (100,000s of objects) costs its text, not ten times that."""
    status = db.get(TaxiiStatus, status_id) if len(status_id) <= 36 else None
    if status is None or status.requested_by_organisation_id != actor.organisation_id:
        raise NotFound("status")
    head = {
        "id": status.id,
        "status": status.status,
        "request_timestamp": stix.format_timestamp(status.request_timestamp),
        "total_count": status.total_count,
        "success_count": status.success_count,
        "failure_count": status.failure_count,
        "pending_count": status.pending_count,
    }
    out = bytearray(orjson.dumps(head)[:-1])
    listed = (((PACKED_SUCCESSES, "success"), "successes"), (("failure",), "failures"))
    for outcomes, name in listed:
        out += b',"' + name.encode() + b'":['
        rows = db.execute(
            select(
                TaxiiStatusDetail.outcome,
                TaxiiStatusDetail.object_id,
                TaxiiStatusDetail.version,
                TaxiiStatusDetail.message,
            )
            .where(
                TaxiiStatusDetail.status_id == status.id, TaxiiStatusDetail.outcome.in_(outcomes)
            )
            .order_by(TaxiiStatusDetail.seq)
            .execution_options(yield_per=BATCH_ROWS)
        ).tuples()
        first = True
        for outcome, object_id, version, message in rows:
            if outcome == PACKED_SUCCESSES:
                piece = message[1:-1].encode()  # a batch's successes, already as served
                if not piece:
                    continue
            else:  # one object's outcome ("success" rows predate the packed ones)
                detail = {"id": object_id, "version": version}
                if message:
                    detail["message"] = message
                piece = orjson.dumps(detail)
            out += piece if first else b"," + piece
            first = False
        out += b"]"
    out += b',"pendings":[]}'
    return bytes(out)


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
