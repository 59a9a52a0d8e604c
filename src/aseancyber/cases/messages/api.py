"""REST routes for a case's threads, messages and attachments under /api/v1/cases/{id}/.

Every route reads through the policy (a case the caller may not see is 404) and filters the
messages by their audience inside the case.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from aseancyber.access.dependencies import CurrentActor, DbSession, OptionalActor
from aseancyber.cases import service, views
from aseancyber.cases.api import Cursor, Limit
from aseancyber.cases.messages import service as messages
from aseancyber.cases.schemas import (
    MessageCreate,
    MessagePage,
    MessageRead,
    ThreadPage,
)
from aseancyber.exports import download
from aseancyber.web.pagination import DEFAULT_LIMIT

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])


@router.get("/{case_id}/threads")
def list_threads(
    case_id: str,
    db: DbSession,
    reader: OptionalActor,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = DEFAULT_LIMIT,
) -> ThreadPage:
    """Every thread of the case, a page at a time, with the messages you may read (capped)."""
    case = service.get_or_404(db, reader=reader, case_id=case_id)
    seat = service.seat_of(db, reader=reader, case=case)
    page = messages.threads_page(db, case=case, cursor=cursor, limit=limit)
    summaries = messages.summarise_threads(db, reader=reader, seat=seat, threads=page.items)
    return ThreadPage(items=[views.thread_read(s) for s in summaries], next_cursor=page.next_cursor)


@router.get("/{case_id}/messages")
def list_messages(
    *,
    case_id: str,
    db: DbSession,
    reader: OptionalActor,
    thread_id: Annotated[str | None, Query(max_length=36)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> MessagePage:
    """The messages the caller may read in the case, newest first."""
    case = service.get_or_404(db, reader=reader, case_id=case_id)
    seat = service.seat_of(db, reader=reader, case=case)
    if thread_id is not None:
        messages.get_thread_or_404(db, case=case, thread_id=thread_id)
    page = messages.list_messages(
        db,
        reader=reader,
        case=case,
        seat=seat,
        thread_id=thread_id,
        q=q,
        cursor=cursor,
        limit=limit,
    )
    attachments = messages.attachments_of(db, page.items)
    return MessagePage(
        items=[views.message_read(m, attachments.get(m.id, [])) for m in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/{case_id}/messages/export", response_class=Response)
def export_messages(case_id: str, db: DbSession, reader: OptionalActor) -> Response:
    """Every message the caller may read in the case, as JSON (audited)."""
    case = service.get_or_404(db, reader=reader, case_id=case_id)
    exported = views.export_messages(db, reader=reader, case=case)
    return download(exported)


@router.post("/{case_id}/messages", status_code=201)
def post_message(
    case_id: str, body: MessageCreate, db: DbSession, actor: CurrentActor
) -> MessageRead:
    """Post a message with its audience inside the case (attachments: the case page form)."""
    message = messages.post(db, actor=actor, case_id=case_id, data=body)
    return views.message_read(message, [])


@router.get("/{case_id}/attachments/{attachment_id}", response_class=Response)
def download_attachment(
    case_id: str, attachment_id: str, db: DbSession, reader: OptionalActor
) -> Response:
    """An attachment, as a download, if the caller may read its message."""
    found = messages.download(db, reader=reader, case_id=case_id, attachment_id=attachment_id)
    return attachment_response(found)


def attachment_response(found: messages.Download) -> Response:
    return Response(
        found.content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
        },
    )
