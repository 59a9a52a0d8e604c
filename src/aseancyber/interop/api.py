"""MISP interop routes: the MISP feed of each collection (``/misp/feed/...``) and MISP
event import (``/api/v1/interop/misp/...``).

The feed answers MISP's feed fetcher: configure the feed in MISP with the URL
``https://<host>/misp/feed/<collection id>`` and the header
``Authorization: Bearer <API token>`` (see docs/interop.md). Every file is built for the
token's user; a collection or event they may not see is 404.
"""

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from aseancyber.access.dependencies import CurrentActor, DbSession
from aseancyber.access.policy import Tlp
from aseancyber.interop import misp_feed, misp_import
from aseancyber.interop.schemas import MispEventImportRead, MispImportRead
from aseancyber.sharing.api import ingest_read

router = APIRouter(tags=["interop"])
JSON = "application/json"


def _json(body: object) -> Response:
    return Response(orjson.dumps(body), media_type=JSON)


@router.get("/misp/feed/{collection_id}/manifest.json", response_class=Response)
def feed_manifest(collection_id: str, db: DbSession, reader: CurrentActor) -> Response:
    """The feed's ``manifest.json``: event uuid -> info, date, threat level, analysis,
    timestamp, Orgc and Tag, for the events the reader sees."""
    return _json(misp_feed.manifest(db, reader=reader, collection_id=collection_id))


@router.get("/misp/feed/{collection_id}/hashes.csv", response_class=Response)
def feed_hashes(collection_id: str, db: DbSession, reader: CurrentActor) -> Response:
    """The feed's ``hashes.csv``: ``md5(value),event uuid`` per visible attribute value."""
    return Response(
        misp_feed.hashes_csv(db, reader=reader, collection_id=collection_id),
        media_type="text/csv; charset=utf-8",
    )


@router.get("/misp/feed/{collection_id}/{event_uuid}.json", response_class=Response)
def feed_event(
    collection_id: str, event_uuid: str, db: DbSession, reader: CurrentActor
) -> Response:
    """One event file of the feed, ``{"Event": {...}}``; 404 when the reader sees none of it."""
    return _json(
        misp_feed.event_file(db, reader=reader, collection_id=collection_id, event_uuid=event_uuid)
    )


@router.post("/api/v1/interop/misp/collections/{collection_id}/events", status_code=201)
async def import_misp_events(
    collection_id: str,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    minimum_tlp: Annotated[
        Tlp | None, Query(description="Make every object at least this.")
    ] = None,
) -> MispImportRead:
    """Import MISP event JSON (an event, a list of events, or a MISP REST search answer)
    sent as the body: converted to STIX 2.1 with misp-stix and stored like a bundle upload,
    labels mapped from MISP tags and distribution failing closed."""
    content = await request.body()
    imported = await run_in_threadpool(
        lambda: misp_import.import_events(
            db,
            actor=actor,
            collection_id=collection_id,
            content=content,
            minimum_label=minimum_tlp,
        )
    )
    return MispImportRead(
        events=[
            MispEventImportRead(
                uuid=event.uuid, info=event.info, tlp=event.label, ingest=ingest_read(event.report)
            )
            for event in imported
        ]
    )
