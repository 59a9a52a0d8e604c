"""Attachments of cross-border requests: upload, list and download.

A file belongs to its request: whoever may see the request (the policy, through
:func:`service.get_or_404`) may list and download its files, and anyone else gets 404.
Those who may write in the request's thread add files while the thread is open. Every
download is written to the audit log (uploads are audited by the ORM hook).
"""

from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor, Reader
from aseancyber.access.rules import Action, may
from aseancyber.errors import Forbidden, Invalid
from aseancyber.requests import files, service
from aseancyber.requests.models import CrossBorderRequest, RequestAttachment, RequestStatus

CLOSED = {RequestStatus.CLOSED, RequestStatus.WITHDRAWN}


def list_for(db: Session, *, request: CrossBorderRequest) -> list[RequestAttachment]:
    """The files of a (visible) request, oldest first."""
    parent = RequestAttachment.request_id == request.id
    return files.attachments_of(db, RequestAttachment, parent)


def upload(
    db: Session, *, actor: Actor, request_id: str, uploads: list[files.Upload]
) -> list[RequestAttachment]:
    """Add files to a request the actor may see and write in; all are checked first."""
    request = service.get_or_404(db, reader=actor, request_id=request_id)
    if not may(actor, Action.CONTRIBUTE, request):
        raise Forbidden("adding files to a request needs the contributor or coordinator role")
    if request.status in CLOSED:
        raise Invalid(f"the request is {request.status.label}: no more files", files.FIELD)
    return files.check_and_store(
        db,
        uploads,
        lambda item: RequestAttachment(request_id=request.id, **item.columns(actor.user_id)),
    )


def download(db: Session, *, reader: Reader, request_id: str, attachment_id: str) -> files.Download:
    """A file's bytes if the reader may see its request (404 otherwise); audited."""
    request = service.get_or_404(db, reader=reader, request_id=request_id)
    attachment = files.attachment_or_404(
        db, RequestAttachment, RequestAttachment.request_id == request.id, attachment_id
    )
    return files.audited_download(
        db,
        attachment,
        reader=reader,
        action="request.attachment_download",
        record_kind="request",
        record_id=request.id,
        record_organisation_id=request.owner_organisation_id,
    )
