"""Pages for threat-information sharing: /sharing/collections, /sharing/objects (+ export,
one object, sightings), /sharing/share (an indicator) and /sharing/upload (a bundle).

Reading is open to anonymous visitors (TLP:CLEAR objects of public collections only); an
object the reader may not see is 404 everywhere.
"""

import io
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession, OptionalActor
from aseancyber.access.policy import Tlp
from aseancyber.errors import FieldProblem, Invalid
from aseancyber.sharing import audience, display, service, share_service, stix
from aseancyber.sharing import objects_service as objects
from aseancyber.sharing.api import list_item
from aseancyber.sharing.envelope_stream import file_chunks
from aseancyber.sharing.models import StixObject
from aseancyber.sharing.schemas import ObjectPage, SightingCreate
from aseancyber.sharing.share_pages import why_not
from aseancyber.web import forms, templating
from aseancyber.web.listing import PageCursor, PageLimit
from aseancyber.web.pagination import DEFAULT_LIMIT, paginate

router = APIRouter(tags=["pages"], include_in_schema=False)
TLP_OPTIONS = [(label.value, label.value) for label in Tlp]


def _can_share(db: DbSession, reader: OptionalActor) -> bool:
    return reader is not None and bool(service.writable_collections(db, actor=reader))


@router.get("/sharing/collections")
def collections_page(request: Request, db: DbSession, reader: OptionalActor) -> Response:
    """The collections the reader may read."""
    found = service.list_collections(db, reader=reader)
    return templating.render(
        request,
        "sharing/collections.html",
        {"collections": found, "can_share": _can_share(db, reader)},
    )


@router.get("/sharing/objects")
def objects_page(
    *,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    q: Annotated[str, Query(max_length=200)] = "",
    type: Annotated[str, Query(max_length=250)] = "",
    tlp: Annotated[str, Query(max_length=20)] = "",
    owner: Annotated[str, Query(max_length=36)] = "",
    state: Annotated[str, Query(max_length=2)] = "",
    collection: Annotated[str, Query(max_length=36)] = "",
    added_after: Annotated[str, Query(max_length=40)] = "",
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Response:
    """The latest visible version of each object, filtered and searched."""
    values = {
        "q": q,
        "type": type,
        "tlp": tlp,
        "owner": owner,
        "state": state,
        "collection": collection,
        "added_after": added_after,
    }
    filters = objects.parse_filters(**values)
    page = paginate(
        db,
        objects.visible_objects(reader, filters),
        keys=[StixObject.date_added, StixObject.id],
        cursor=cursor,
        limit=limit,
        descending=True,
    )
    return templating.render(
        request,
        "sharing/objects.html",
        {
            "page": page,
            "values": values,
            "tlp_options": TLP_OPTIONS,
            "can_share": _can_share(db, reader),
            "export_query": "&".join(f"{k}={v}" for k, v in values.items() if v),
        },
    )


@router.get("/sharing/objects/export")
def export_page(
    *,
    db: DbSession,
    reader: OptionalActor,
    q: Annotated[str, Query(max_length=200)] = "",
    type: Annotated[str, Query(max_length=250)] = "",
    tlp: Annotated[str, Query(max_length=20)] = "",
    owner: Annotated[str, Query(max_length=36)] = "",
    state: Annotated[str, Query(max_length=2)] = "",
    collection: Annotated[str, Query(max_length=36)] = "",
    format: Annotated[str, Query(pattern="^(json|stix)$")] = "json",
) -> Response:
    """Download the filtered selection as a STIX bundle (or a JSON list of entries)."""
    filters = objects.parse_filters(
        q=q, type=type, tlp=tlp, owner=owner, state=state, collection=collection
    )
    if format == "stix":
        content = share_service.export_bundle(db, reader=reader, filters=filters)
        return Response(
            content,
            media_type="application/stix+json;version=2.1",
            headers={"Content-Disposition": 'attachment; filename="stix-bundle.json"'},
        )
    rows = share_service.exported_rows(db, reader=reader, filters=filters)
    body = ObjectPage(items=[list_item(row) for row in rows], next_cursor=None)
    return Response(body.model_dump_json(), media_type="application/json")


@router.get("/sharing/objects/{ref}")
def object_page(ref: str, request: Request, db: DbSession, reader: OptionalActor) -> Response:
    """One object for people: fields, markings, relationships both ways, versions, sightings."""
    row = objects.get_version_or_404(db, reader=reader, ref=ref)
    body = objects.parsed(row)
    return templating.render(
        request,
        "sharing/object.html",
        {
            "row": row,
            "obj": body,
            "raw": stix.dumps(body),
            "fields": display.fields(db, body),
            "audience": audience.for_stored(db, version=row),
            "sighting_rows": share_service.visible_sightings(
                db, reader=reader, stix_id=row.stix_id
            ),
            "claimed_author": objects.claimed_author(body, row),
            "versions": objects.versions_of(db, reader=reader, version=row),
            "related": objects.related(db, reader=reader, version=row),
            "sightings": share_service.sighting_count(db, reader=reader, stix_id=row.stix_id),
        },
    )


@router.post("/sharing/objects/{ref}/sightings", dependencies=[CsrfChecked])
async def sighting_page(ref: str, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """ "We saw this too": record a sighting by the reader's organisation."""
    form = await request.form()
    data = forms.parse(
        SightingCreate,
        {"count": forms.text(form, "count") or 1, "description": forms.text(form, "description")},
    )
    if isinstance(data, dict):
        raise Invalid([FieldProblem(name, message) for name, message in data.items()])
    sighting = share_service.add_sighting(db, actor=actor, ref=ref, data=data)
    return templating.redirect(f"/sharing/objects/{ref}", f"Sighting {sighting.stix_id} recorded")


def _upload_context(db: DbSession, actor: CurrentActor) -> dict[str, object]:
    collections = service.writable_collections(db, actor=actor)
    return {"collections": collections, "reason": None if collections else why_not(actor)}


@router.get("/sharing/upload")
def upload_form(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The bundle upload form."""
    return templating.render(
        request, "sharing/upload.html", {**_upload_context(db, actor), "report": None}
    )


@router.post("/sharing/upload", dependencies=[CsrfChecked])
async def upload_submit(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Store an uploaded STIX bundle and show which objects were accepted or rejected.

    The form parser spools the file to disk; it is then read and stored in batches, so a
    large bundle never sits in memory whole. The page shows the upload's progress (see
    upload.html) and then this report."""
    async with request.form() as form:
        upload = form.get("file")
        collection_id = forms.text(form, "collection_id")
        file = upload.file if upload is not None and not isinstance(upload, str) else io.BytesIO()
        report = await run_in_threadpool(
            partial(
                share_service.upload_bundle_stream,
                db,
                actor=actor,
                collection_id=collection_id,
                chunks=file_chunks(file),
            )
        )
    stored = objects.rows_by_id(db, reader=actor, record_ids=report.stored_ids)
    return templating.render(
        request,
        "sharing/upload.html",
        {**_upload_context(db, actor), "report": report, "stored": stored},
    )
