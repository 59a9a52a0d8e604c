"""Attachment files for requests and norm assessments, kept the way case attachments are.

The bytes live in the platform's file store (:mod:`aseancyber.storage`), as case attachments do,
under a generated name that never comes from the upload; the row keeps the cleaned display
name, the size and the SHA-256. The media type served is taken from the project's one
allow-list by extension (``storage.ALLOWED_TYPES``), never from the upload, and
downloads are sent with ``nosniff`` and a sandboxing CSP. Who may upload and download is
decided by the parent record's own rules (see the callers): this module only checks,
stores and reads files.
"""

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from fastapi.responses import Response
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from aseancyber import audit
from aseancyber.access.policy import Reader
from aseancyber.community.service import has_nul
from aseancyber.db import Base
from aseancyber.errors import Invalid, NotFound, TooLarge
from aseancyber.storage import ALLOWED_TYPES, MAX_ATTACHMENT_BYTES, file_store

MAX_FILES = 5
MAX_BYTES = MAX_ATTACHMENT_BYTES  # the same limit as case attachments
FIELD = "attachments"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")
Row = TypeVar("Row")

Attached = TypeVar("Attached", bound=Base)


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


@dataclass(frozen=True)
class CheckedUpload:
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class StoredFile:
    filename: str
    media_type: str
    size: int
    sha256: str
    storage_name: str

    def columns(self, uploaded_by_id: str | None) -> dict[str, Any]:
        """The columns every attachment table has, for this file."""
        return {
            "filename": self.filename,
            "media_type": self.media_type,
            "size": self.size,
            "sha256": self.sha256,
            "storage_name": self.storage_name,
            "uploaded_by_id": uploaded_by_id,
        }


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    content: bytes


def clean_filename(name: str) -> str:
    """The last path segment of an uploaded name, reduced to safe characters, for display."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _SAFE_NAME.sub("_", base).strip(" .") or "attachment"
    return cleaned[:200]


def check_uploads(uploads: list[Upload]) -> list[CheckedUpload]:
    """Every upload's type, size and count checked before anything is written."""
    if not uploads:
        raise Invalid("choose at least one file", FIELD)
    if len(uploads) > MAX_FILES:
        raise Invalid(f"at most {MAX_FILES} files at a time", FIELD)
    checked = []
    for upload in uploads:
        name = clean_filename(upload.filename)
        media_type = ALLOWED_TYPES.get(Path(name).suffix.lower())
        if media_type is None:
            allowed = ", ".join(sorted(ALLOWED_TYPES))
            raise Invalid(f"{name}: only these file types are accepted: {allowed}", FIELD)
        if len(upload.content) > MAX_ATTACHMENT_BYTES:
            limit = MAX_ATTACHMENT_BYTES // (1024 * 1024)
            raise TooLarge(f"{FIELD}: {name} is larger than the limit of {limit} MiB")
        if not upload.content:
            raise Invalid(f"{name} is empty", FIELD)
        checked.append(CheckedUpload(name, media_type, upload.content))
    return checked


def write(upload: CheckedUpload) -> StoredFile:
    """Write the bytes under a fresh generated name (never overwriting a file)."""
    storage_name = file_store().put(upload.content)
    return StoredFile(
        filename=upload.filename,
        media_type=upload.media_type,
        size=len(upload.content),
        sha256=hashlib.sha256(upload.content).hexdigest(),
        storage_name=storage_name,
    )


def discard(stored: list[StoredFile]) -> None:
    """Remove files written for a change that was then refused (nothing half-kept)."""
    for item in stored:
        file_store().delete(item.storage_name)


def store_all(
    db: Session, checked: list[CheckedUpload], row: Callable[[StoredFile], Row]
) -> list[Row]:
    """Write every checked file and add the row ``row`` makes for each; if anything fails,
    the files already written are removed, so nothing is half-kept."""
    stored: list[StoredFile] = []
    try:
        for item in checked:
            stored.append(write(item))
        added = [row(item) for item in stored]
        db.add_all(added)
        db.flush()
    except Exception:
        discard(stored)
        raise
    return added


def check_and_store(
    db: Session, uploads: list[Upload], row: Callable[[StoredFile], Row]
) -> list[Row]:
    """Check every upload first (:func:`check_uploads`), then :func:`store_all` them."""
    return store_all(db, check_uploads(uploads), row)


class AttachmentRow(Protocol):
    """What every attachment table has (requests, norm assessments)."""

    @property
    def id(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def filename(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def storage_name(self) -> str: ...


def read_or_404(attachment: AttachmentRow) -> Download:
    """The bytes of an attachment row already scoped to its (visible) parent, or 404 when
    the file itself is gone."""
    found = read(attachment.filename, attachment.media_type, attachment.storage_name)
    if found is None:
        raise NotFound("attachment")
    return found


def attachments_of(
    db: Session, model: type[Attached], parent: ColumnElement[bool]
) -> list[Attached]:
    """The attachments of a parent the caller has already found visible (``parent`` selects
    them), oldest first."""
    columns = model.__table__.c
    return list(db.scalars(select(model).where(parent).order_by(columns.created_at, columns.id)))


def attachment_or_404(
    db: Session, model: type[Attached], parent: ColumnElement[bool], attachment_id: str
) -> Attached:
    """The attachment ``attachment_id`` of a parent the caller has already found visible
    (``parent`` selects the parent's attachments), or 404."""
    found = None
    if not has_nul(attachment_id) and len(attachment_id) <= 36:
        found = db.scalar(select(model).where(model.__table__.c.id == attachment_id, parent))
    if found is None:
        raise NotFound("attachment")
    return found


def audited_download(
    db: Session,
    attachment: AttachmentRow,
    *,
    reader: Reader,
    action: str,
    record_kind: str,
    record_id: str,
    record_organisation_id: str,
) -> Download:
    """An attachment's bytes (:func:`read_or_404`), the download written to the audit log
    against its parent record."""
    found = read_or_404(attachment)
    audit.record(
        db,
        action=action,
        record_kind=record_kind,
        record_id=record_id,
        record_organisation_id=record_organisation_id,
        changed_fields=[f"attachment={attachment.id}"],
        after={"attachment_id": attachment.id, "sha256": attachment.sha256},
        actor=reader,
    )
    return found


def read(filename: str, media_type: str, storage_name: str) -> Download | None:
    """The bytes of a stored file, or ``None`` if the file is missing or its name is odd."""
    content = file_store().get(storage_name)
    if content is None:
        return None
    return Download(filename, media_type, content)


async def uploads_from(form: FormData) -> list[Upload]:
    """The files of a multipart form's ``attachments`` field (a browser sends an empty,
    nameless one when no file was chosen)."""
    items = form.getlist(FIELD)
    return await read_uploads([i for i in items if isinstance(i, UploadFile) and i.filename])


async def read_uploads(items: Sequence[UploadFile]) -> list[Upload]:
    """Uploaded files read at most one byte over the limit, so an oversized file is refused
    without holding all of it."""
    return [Upload(item.filename or "attachment", await item.read(MAX_BYTES + 1)) for item in items]


def response(found: Download) -> Response:
    """A download response that browsers neither sniff nor run."""
    return Response(
        found.content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
        },
    )
