"""REST routes for national documents under /api/v1/documents.

Reading is open to every reader, anonymous included, through the visibility policy:
anonymous readers see TLP:CLEAR only. A document the reader may not see is 404 on every
route (detail, PATCH, DELETE) and never appears in a list, a search, a count or an export.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from aseancyber.access.dependencies import CurrentActor, DbSession, OptionalActor, require
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor
from aseancyber.community import documents_service as service
from aseancyber.community.documents import DocumentKind
from aseancyber.community.documents_schemas import (
    DocumentCreate,
    DocumentPage,
    DocumentRead,
    DocumentUpdate,
)
from aseancyber.exports import download
from aseancyber.web.listing import PageCursor, PageLimit
from aseancyber.web.pagination import DEFAULT_LIMIT

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])


def filters(
    kind: Annotated[DocumentKind | None, Query(description="Kind of document.")] = None,
    state: Annotated[
        str | None, Query(max_length=2, description="ISO 3166 alpha-2 code of the member state.")
    ] = None,
    tlp: Annotated[
        str | None,
        Query(max_length=20, description="TLP 2.0 label, e.g. TLP:AMBER (the prefix is optional)."),
    ] = None,
    owner: Annotated[
        str | None, Query(max_length=36, description="Id of the owner organisation.")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Words in the title or summary.")
    ] = None,
) -> service.DocumentFilters:
    return service.parse_filters(
        kind=kind.value if kind else None, state=state, tlp=tlp, owner=owner, q=q
    )


Filters = Annotated[service.DocumentFilters, Depends(filters)]


@router.get("")
def list_documents(
    db: DbSession,
    reader: OptionalActor,
    selection: Filters,
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> DocumentPage:
    """The documents the reader may see, newest first, filtered and searched with ``q``."""
    page = service.list_(db, reader=reader, filters=selection, cursor=cursor, limit=limit)
    return DocumentPage(
        items=[service.list_item(document) for document in page.items],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/export",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
    response_class=Response,
)
def export_documents(
    db: DbSession,
    reader: OptionalActor,
    selection: Filters,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """Every visible document matching the filters, as JSON or CSV (the export is audited)."""
    exported = service.export(db, reader=reader, filters=selection, format=format)
    return download(exported)


@router.post("", status_code=201)
def create_document(
    body: DocumentCreate,
    db: DbSession,
    actor: Annotated[Actor, Depends(require(Permission.RECORD_CREATE))],
) -> DocumentRead:
    """Share a new document owned by the caller's organisation."""
    document = service.create(db, actor=actor, data=body)
    return service.read(db, document=document)


@router.get("/{document_id}")
def get_document(document_id: str, db: DbSession, reader: OptionalActor) -> DocumentRead:
    """One document, if the reader may see it."""
    document = service.get_or_404(db, reader=reader, document_id=document_id)
    return service.read(db, document=document)


@router.patch("/{document_id}")
def update_document(
    document_id: str, body: DocumentUpdate, db: DbSession, actor: CurrentActor
) -> DocumentRead:
    """Change a document; send the ``version`` you loaded (409 if someone changed it since)."""
    document = service.update(db, actor=actor, document_id=document_id, data=body)
    return service.read(db, document=document)


@router.delete("/{document_id}", status_code=204)
def delete_document(document_id: str, db: DbSession, actor: CurrentActor) -> Response:
    """Delete a document (its owner organisation's contributors and coordinators only)."""
    service.delete(db, actor=actor, document_id=document_id)
    return Response(status_code=204)
