"""The MISP import page: upload a MISP event JSON file into a collection."""

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession
from aseancyber.access.policy import Tlp
from aseancyber.community.documents_service import parse_tlp
from aseancyber.errors import ServiceError
from aseancyber.interop import misp_import
from aseancyber.sharing import service
from aseancyber.sharing.share_pages import why_not
from aseancyber.web import forms, templating

router = APIRouter(tags=["pages"], include_in_schema=False)
PAGE = "interop/misp_import.html"


def _context(db: DbSession, actor: CurrentActor) -> dict[str, object]:
    collections = service.writable_collections(db, actor=actor)
    return {
        "collections": collections,
        "reason": None if collections else why_not(actor),
        "labels": list(Tlp),
        "imported": None,
        "problem": None,
    }


@router.get("/sharing/misp-import")
def import_form(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The MISP event import form."""
    return templating.render(request, PAGE, _context(db, actor))


@router.post("/sharing/misp-import", dependencies=[CsrfChecked])
async def import_submit(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Import the uploaded MISP events and show each one's label and what was stored; a
    refused file is shown with the reason, and nothing of it is kept."""
    async with request.form() as form:
        upload = form.get("file")
        content = await upload.read() if upload is not None and not isinstance(upload, str) else b""
        collection_id = forms.text(form, "collection_id")
        minimum = forms.text(form, "minimum_tlp")
    try:
        imported = await run_in_threadpool(
            partial(
                misp_import.import_events,
                db,
                actor=actor,
                collection_id=collection_id,
                content=content,
                minimum_label=parse_tlp(minimum) if minimum else None,
            )
        )
    except ServiceError as error:
        db.rollback()
        context = {**_context(db, actor), "problem": error.detail}
        return templating.render(request, PAGE, context, status_code=error.status)
    return templating.render(request, PAGE, {**_context(db, actor), "imported": imported})
