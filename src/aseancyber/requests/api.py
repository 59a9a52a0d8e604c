"""REST routes for cross-border requests under /api/v1/requests.

Read through the visibility policy (anonymous readers see TLP:CLEAR requests only): a
request the reader may not see is 404 on every route and never appears in a list, an
export or the dashboard's figures.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile

from aseancyber.access.dependencies import CurrentActor, DbSession, OptionalActor
from aseancyber.requests import attachments, escalation, files, service, views, workflow
from aseancyber.requests.models import RequestAttachment, RequestKind, RequestStatus
from aseancyber.requests.schemas import (
    AttachmentRead,
    MessageCreate,
    MessageRead,
    PreservationRenewal,
    RequestCreate,
    RequestDashboard,
    RequestPage,
    RequestRead,
    RequestUpdate,
    Transition,
)
from aseancyber.shaping import shaped
from aseancyber.web.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/api/v1/requests", tags=["requests"])


def filters(
    kind: Annotated[RequestKind | None, Query(description="Kind of request.")] = None,
    status: Annotated[RequestStatus | None, Query(description="Where it is in its life.")] = None,
    direction: Annotated[
        str | None, Query(pattern="^(sent|received)$", description="From or to your organisation.")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Words in the subject or case reference.")
    ] = None,
) -> service.RequestFilters:
    return service.parse_filters(
        kind=kind.value if kind else None,
        status=status.value if status else None,
        direction=direction,
        q=q,
    )


Filters = Annotated[service.RequestFilters, Depends(filters)]


@router.get("")
def list_requests(
    db: DbSession,
    reader: OptionalActor,
    selection: Filters,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> RequestPage:
    """The requests the reader may see, newest first."""
    page = service.list_(db, reader=reader, filters=selection, cursor=cursor, limit=limit)
    return RequestPage(items=[views.list_item(r) for r in page.items], next_cursor=page.next_cursor)


@router.get("/export")
def export_requests(db: DbSession, reader: OptionalActor, selection: Filters) -> dict[str, object]:
    """Every visible request matching the filters, in full, as JSON."""
    items = [
        views.read(db, request=r).model_dump(mode="json")
        for r in service.all_visible(db, reader=reader, filters=selection)
    ]
    return {"items": items, "count": len(items)}


@router.get("/dashboard")
def request_dashboard(db: DbSession, reader: OptionalActor) -> RequestDashboard:
    """Response times by state and kind: aggregates of the requests the reader may see."""
    return workflow.dashboard(db, reader=reader)


@router.get("/templates")
def request_templates() -> dict[str, dict[str, object]]:
    """The starting text and the required fields of each kind of request."""
    return {
        kind.value: {
            "label": kind.label,
            "template": service.TEMPLATES[kind],
            "required_fields": list(service.REQUIRED_FIELDS[kind]),
        }
        for kind in RequestKind
    }


@router.post("", status_code=201)
def create_request(body: RequestCreate, db: DbSession, actor: CurrentActor) -> RequestRead:
    """Draft a request to an organisation of another state (``send: true`` sends it too)."""
    request = service.create(db, actor=actor, data=body)
    if body.send:
        workflow.transition(
            db, actor=actor, request_id=request.id, data=Transition(status=RequestStatus.SENT)
        )
    return views.read(db, request=request)


@router.get("/{request_id}")
def get_request(request_id: str, db: DbSession, reader: OptionalActor) -> RequestRead:
    """One request and its thread, if the reader may see it."""
    return views.read(db, request=service.get_or_404(db, reader=reader, request_id=request_id))


@router.patch("/{request_id}")
def update_request(
    request_id: str, body: RequestUpdate, db: DbSession, actor: CurrentActor
) -> RequestRead:
    """Edit a draft; send the ``version`` you loaded (409 if someone changed it since)."""
    request = service.update(db, actor=actor, request_id=request_id, data=body)
    return views.read(db, request=request)


@router.delete("/{request_id}", status_code=204)
def delete_request(request_id: str, db: DbSession, actor: CurrentActor) -> Response:
    """Delete a draft."""
    service.delete_draft(db, actor=actor, request_id=request_id)
    return Response(status_code=204)


@router.post("/{request_id}/transitions")
def move_request(
    request_id: str, body: Transition, db: DbSession, actor: CurrentActor
) -> RequestRead:
    """Send, acknowledge, start, answer, refuse, withdraw or close a request."""
    request = workflow.transition(db, actor=actor, request_id=request_id, data=body)
    return views.read(db, request=request)


@router.post("/{request_id}/preservation/renewals")
def renew_preservation(
    request_id: str, body: PreservationRenewal, db: DbSession, actor: CurrentActor
) -> RequestRead:
    """Extend a running preservation period (either party; audited, the other side told)."""
    request = escalation.renew_preservation(db, actor=actor, request_id=request_id, days=body.days)
    return views.read(db, request=request)


@router.post("/{request_id}/messages", status_code=201)
def post_message(
    request_id: str, body: MessageCreate, db: DbSession, actor: CurrentActor
) -> MessageRead:
    """Add a message to the request's thread."""
    message = service.add_message(db, actor=actor, request_id=request_id, body=body.body)
    return shaped(
        MessageRead,
        message,
        author_name=actor.display_name,
        organisation_name=message.organisation.name,
    )


def attachment_read(request_id: str, attachment: RequestAttachment) -> AttachmentRead:
    """The REST view of one file of a (visible) request."""
    download = f"/api/v1/requests/{request_id}/attachments/{attachment.id}"
    return shaped(AttachmentRead, attachment, download=download)


@router.get("/{request_id}/attachments")
def list_attachments(request_id: str, db: DbSession, reader: OptionalActor) -> list[AttachmentRead]:
    """The files of a request the reader may see."""
    request = service.get_or_404(db, reader=reader, request_id=request_id)
    return [attachment_read(request.id, a) for a in attachments.list_for(db, request=request)]


@router.post("/{request_id}/attachments", status_code=201)
async def upload_attachments(
    request_id: str,
    db: DbSession,
    actor: CurrentActor,
    uploaded: Annotated[list[UploadFile], File(alias=files.FIELD)],
) -> list[AttachmentRead]:
    """Add files (multipart field ``attachments``; allowed types only, 5 MiB each)."""
    found = await files.read_uploads(uploaded)
    added = attachments.upload(db, actor=actor, request_id=request_id, uploads=found)
    return [attachment_read(request_id, a) for a in added]


@router.get("/{request_id}/attachments/{attachment_id}", response_class=Response)
def download_attachment(
    request_id: str, attachment_id: str, db: DbSession, reader: OptionalActor
) -> Response:
    """A file of a request the reader may see, as a download (audited)."""
    found = attachments.download(
        db, reader=reader, request_id=request_id, attachment_id=attachment_id
    )
    return files.response(found)
