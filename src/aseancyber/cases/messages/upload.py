"""Reading a message with attachments from a ``multipart/form-data`` REST request.

The same rules as the case page's message form (:mod:`aseancyber.cases.messages.service` checks
types by extension, stores under generated names, serves as downloads); here each file is
read at most one byte past the limit, so an oversized one is refused with 413 naming it
without holding more than the limit in memory.
"""

from typing import Any

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException

from aseancyber.cases.messages import service as messages
from aseancyber.cases.schemas import MessageCreate
from aseancyber.errors import FieldProblem, Invalid, ServiceError, TooLarge
from aseancyber.storage import MAX_ATTACHMENT_BYTES

FORM_FIELDS = ("body", "thread_id", "product_id", "audience", "audience_participant_id")


class NotMultipart(ServiceError):
    status = 415
    title = "Unsupported media type"


async def read_message_form(request: Request) -> tuple[MessageCreate, list[messages.Upload]]:
    """The message fields and the uploaded files of a multipart request, checked."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise NotMultipart(
            "send the message as multipart/form-data (fields body, audience...; files "
            "attachments); JSON messages without files go to POST .../messages"
        )
    try:
        form = await request.form(
            max_files=messages.MAX_ATTACHMENTS + 1, max_fields=len(FORM_FIELDS) + 5
        )
    except MultiPartException as error:
        raise Invalid(f"the multipart body could not be read: {error.message}", "body") from error
    try:
        return await _checked(form)
    finally:
        await form.close()  # the spooled temporary files of the uploads


async def _checked(form: FormData) -> tuple[MessageCreate, list[messages.Upload]]:
    unknown = sorted(set(form.keys()) - {*FORM_FIELDS, "attachments"})
    if unknown:
        raise Invalid(f"unknown field {unknown[0]}", unknown[0])
    fields: dict[str, Any] = {}
    for name in FORM_FIELDS:
        value = form.get(name)
        if isinstance(value, UploadFile):
            raise Invalid("must be a text field, not a file", name)
        if value:
            fields[name] = value
    try:
        data = MessageCreate.model_validate(fields)
    except ValidationError as error:
        raise Invalid(
            [
                FieldProblem(".".join(str(p) for p in e["loc"]) or "body", e["msg"])
                for e in error.errors()
            ]
        ) from error
    uploads = []
    files = form.getlist("attachments")
    if len(files) > messages.MAX_ATTACHMENTS:
        raise Invalid(f"at most {messages.MAX_ATTACHMENTS} files per message", "attachments")
    for item in files:
        if not isinstance(item, UploadFile):
            raise Invalid("must be files, not text", "attachments")
        content = await item.read(MAX_ATTACHMENT_BYTES + 1)
        name = item.filename or "attachment"
        if len(content) > MAX_ATTACHMENT_BYTES:
            limit = MAX_ATTACHMENT_BYTES // (1024 * 1024)
            raise TooLarge(f"{name} is larger than the {limit} MiB attachment limit")
        uploads.append(messages.Upload(name, content))
    return data, uploads
