"""REST routes for threat-information sharing under /api/v1/sharing.

Reading is open to every reader through the policy (anonymous readers see TLP:CLEAR
objects of public collections only); an object the reader may not see is 404 everywhere.
"""

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from aseancyber.access.dependencies import CurrentActor, DbSession, OptionalActor
from aseancyber.access.policy import Actor, Tlp
from aseancyber.shaping import shaped
from aseancyber.sharing import audience, service, share_service
from aseancyber.sharing import objects_service as objects
from aseancyber.sharing.audience import AudienceView
from aseancyber.sharing.envelope_stream import file_chunks
from aseancyber.sharing.ingest import IngestReport
from aseancyber.sharing.models import Collection, StixObject
from aseancyber.sharing.schemas import (
    AudienceOrganisation,
    AudiencePerson,
    AudienceRead,
    CollectionCreate,
    CollectionRead,
    IndicatorShare,
    IngestRead,
    ObjectListItem,
    ObjectPage,
    ObjectRead,
    OutcomeRead,
    SharingGroupCreate,
    SharingGroupRead,
    SightingCreate,
)
from aseancyber.sharing.stix import format_timestamp
from aseancyber.web.listing import PageCursor, PageLimit
from aseancyber.web.pagination import DEFAULT_LIMIT, paginate
from aseancyber.web.spool import spooled_body

router = APIRouter(prefix="/api/v1/sharing", tags=["sharing"])


def filters(
    *,
    collection: Annotated[str | None, Query(max_length=36)] = None,
    type: Annotated[str | None, Query(max_length=250, description="STIX type.")] = None,
    tlp: Annotated[str | None, Query(max_length=20)] = None,
    owner: Annotated[str | None, Query(max_length=36, description="Owner organisation id.")] = None,
    state: Annotated[str | None, Query(max_length=2, description="Owner's member state.")] = None,
    added_after: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Name, description, pattern.")
    ] = None,
) -> objects.ObjectFilters:
    return objects.parse_filters(
        collection=collection,
        type=type,
        tlp=tlp,
        owner=owner,
        state=state,
        added_after=added_after,
        q=q,
    )


Filters = Annotated[objects.ObjectFilters, Depends(filters)]


def list_item(row: StixObject) -> ObjectListItem:
    return shaped(
        ObjectListItem,
        row,
        owner_organisation_name=row.owner_organisation.name,
        version=row.version_at,
    )


def ingest_read(report: IngestReport) -> IngestRead:
    return IngestRead(
        status_id=report.status_id,
        total=report.total,
        accepted=report.successes,
        rejected=report.failures,
        stored_ids=report.stored_ids,
        failures=[
            OutcomeRead(id=o.object_id, version=o.version, message=o.message) for o in report.failed
        ],
    )


def collection_read(
    db: DbSession, *, reader: Actor | None, collection: Collection
) -> CollectionRead:
    return CollectionRead(
        id=collection.id,
        title=collection.title,
        description=collection.description,
        kind=collection.kind.value,
        default_tlp=collection.default_tlp,
        owner_organisation_id=collection.owner_organisation_id,
        can_write=service.can_write(db, actor=reader, collection=collection),
    )


@router.get("/collections")
def list_collections(db: DbSession, reader: OptionalActor) -> list[CollectionRead]:
    """The collections the reader may read."""
    return [
        collection_read(db, reader=reader, collection=c)
        for c in service.list_collections(db, reader=reader)
    ]


@router.post("/collections", status_code=201)
def create_collection(body: CollectionCreate, db: DbSession, actor: CurrentActor) -> CollectionRead:
    """A new collection owned by the caller's organisation (coordinators)."""
    collection = service.create_collection(
        db,
        actor=actor,
        title=body.title,
        kind=body.kind,
        default_tlp=body.default_tlp,
        description=body.description,
        sharing_group_id=body.sharing_group_id,
        public_read=body.public_read,
        grants=[
            (g.organisation_id, g.sharing_group_id, g.can_read, g.can_write) for g in body.grants
        ],
    )
    return collection_read(db, reader=actor, collection=collection)


@router.post("/groups", status_code=201)
def create_sharing_group(
    body: SharingGroupCreate, db: DbSession, actor: CurrentActor
) -> SharingGroupRead:
    """A named set of organisations that collections can grant access to (coordinators)."""
    group = service.create_sharing_group(
        db,
        actor=actor,
        name=body.name,
        organisation_ids=body.organisation_ids,
        description=body.description,
    )
    return SharingGroupRead(
        id=group.id,
        name=group.name,
        description=group.description,
        owner_organisation_id=group.owner_organisation_id,
        organisation_ids=sorted(service.group_member_ids(db, sharing_group_id=group.id)),
    )


@router.get("/objects")
def list_objects(
    db: DbSession,
    reader: OptionalActor,
    selection: Filters,
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> ObjectPage:
    """The latest visible version of each object, newest first, filtered and searched."""
    page = paginate(
        db,
        objects.visible_objects(reader, selection),
        keys=[StixObject.date_added, StixObject.id],
        cursor=cursor,
        limit=limit,
        descending=True,
    )
    return ObjectPage(items=[list_item(row) for row in page.items], next_cursor=page.next_cursor)


@router.get("/objects/export", response_class=Response)
def export_objects(
    db: DbSession,
    reader: OptionalActor,
    selection: Filters,
    format: Annotated[str, Query(pattern="^(json|stix)$")] = "json",
) -> Response:
    """The filtered selection as a STIX 2.1 bundle (``stix``) or a JSON list (audited)."""
    if format == "stix":
        content = share_service.export_bundle(db, reader=reader, filters=selection)
        return Response(
            content,
            media_type="application/stix+json;version=2.1",
            headers={"Content-Disposition": 'attachment; filename="stix-bundle.json"'},
        )
    rows = share_service.exported_rows(db, reader=reader, filters=selection)
    page = ObjectPage(items=[list_item(row) for row in rows], next_cursor=None)
    return Response(page.model_dump_json(), media_type="application/json")


@router.get("/objects/{ref}")
def get_object(ref: str, db: DbSession, reader: OptionalActor) -> ObjectRead:
    """One object by record id (that version) or STIX id (its latest visible version)."""
    row = objects.get_version_or_404(db, reader=reader, ref=ref)
    body = objects.parsed(row)
    return ObjectRead(
        **list_item(row).model_dump(),
        object=body,
        claimed_author=objects.claimed_author(body, row),
        versions=[
            format_timestamp(v.version_at)
            for v in objects.versions_of(db, reader=reader, version=row)
        ],
        sighting_count=share_service.sighting_count(db, reader=reader, stix_id=row.stix_id),
    )


def audience_read(view: AudienceView) -> AudienceRead:
    organisations = [*view.community_organisations, *view.external_organisations]
    return AudienceRead(
        tlp=view.label,
        public=view.public,
        all_member_state_organisations=view.all_community,
        summary=view.summary,
        organisations=[
            AudienceOrganisation(
                id=o.id,
                name=o.name,
                member_state=o.member_state.name if o.member_state else None,
                external=not o.is_community,
            )
            for o in organisations
        ],
        people=[
            AudiencePerson(
                id=u.id, display_name=u.display_name, organisation_name=u.organisation.name
            )
            for u in view.people
        ],
        named_but_unable_to_see=view.unreachable,
    )


@router.get("/audience")
def preview_audience(
    *,
    db: DbSession,
    actor: CurrentActor,
    collection_id: Annotated[str, Query(max_length=36)],
    tlp: Tlp,
    audience_organisation_ids: Annotated[list[str] | None, Query(max_length=500)] = None,
    audience_user_ids: Annotated[list[str] | None, Query(max_length=500)] = None,
    green_includes_external: bool = False,
) -> AudienceRead:
    """Who would be able to see an indicator shared with these choices (nothing is stored)."""
    view = share_service.preview_audience(
        db,
        actor=actor,
        collection_id=collection_id,
        label=tlp,
        organisation_ids=audience_organisation_ids or [],
        user_ids=audience_user_ids or [],
        green_includes_external=green_includes_external,
    )
    return audience_read(view)


@router.get("/objects/{ref}/audience")
def object_audience(ref: str, db: DbSession, reader: OptionalActor) -> AudienceRead:
    """Who may see this object version, as the policy decides."""
    row = objects.get_version_or_404(db, reader=reader, ref=ref)
    return audience_read(audience.for_stored(db, version=row))


@router.post("/indicators", status_code=201)
def share_indicator(body: IndicatorShare, db: DbSession, actor: CurrentActor) -> ObjectListItem:
    """Share an indicator: the STIX pattern is generated from the observable."""
    return list_item(share_service.share_indicator(db, actor=actor, data=body))


@router.post("/collections/{collection_id}/bundles", status_code=201)
async def upload_bundle(
    collection_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> IngestRead:
    """Store a STIX bundle sent as the JSON body; rejected objects come back with reasons.
    The body was read whole before the route (memory, then a temporary file) and is stored
    chunk by chunk from there (memory does not grow with its size)."""
    report = await run_in_threadpool(
        partial(
            share_service.upload_bundle_stream,
            db,
            actor=actor,
            collection_id=collection_id,
            chunks=file_chunks(spooled_body(request)),
        )
    )
    return ingest_read(report)


@router.post("/objects/{ref}/sightings", status_code=201)
def add_sighting(
    ref: str, body: SightingCreate, db: DbSession, actor: CurrentActor
) -> ObjectListItem:
    """ "We saw this too": a sighting of the object by the caller's organisation."""
    return list_item(share_service.add_sighting(db, actor=actor, ref=ref, data=body))
