"""REST routes for dialogue-partner engagements under /api/v1/engagements.

An engagement's audience is its participating organisations: a dialogue partner sees the
engagements it took part in, and any other is 404 on every route.
"""

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response

from aseancyber import audit
from aseancyber.access.dependencies import CurrentActor, DbSession, OptionalActor
from aseancyber.positions import engagements_service as service
from aseancyber.positions.schemas import (
    ActionCreate,
    ActionRead,
    ActionUpdate,
    EngagementCreate,
    EngagementPage,
    EngagementRead,
    EngagementUpdate,
)
from aseancyber.web.listing import PageCursor, PageLimit
from aseancyber.web.pagination import DEFAULT_LIMIT

router = APIRouter(prefix="/api/v1/engagements", tags=["engagements"])

Kind = Annotated[str | None, Query(max_length=40, description="arf_ism, admm_plus_ewg, ...")]
Search = Annotated[str | None, Query(max_length=200, description="Words in the title or summary.")]


@router.get("")
def list_engagements(
    *,
    db: DbSession,
    reader: OptionalActor,
    kind: Kind = None,
    q: Search = None,
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> EngagementPage:
    """The engagements the reader may see, newest first."""
    filters = service.parse_filters(kind=kind, q=q)
    page = service.list_(db, reader=reader, filters=filters, cursor=cursor, limit=limit)
    return EngagementPage(
        items=[service.list_item(e) for e in page.items], next_cursor=page.next_cursor
    )


def export_response(
    db: DbSession, reader: OptionalActor, kind: str | None, q: str | None
) -> Response:
    """Every visible engagement matching the filters as JSON; the export is audited."""
    filters = service.parse_filters(kind=kind, q=q)
    engagements = service.all_visible(db, reader=reader, filters=filters, limit=10_000)
    rows = [service.read(e).model_dump(mode="json") for e in engagements]
    audit.record(
        db,
        action="engagement.export",
        record_kind="engagement",
        record_id="*",
        record_organisation_id=reader.organisation_id if reader else None,
        changed_fields=[f"count={len(rows)}", "format=json"],
        after={"ids": [e.id for e in engagements]},
        actor=reader,
    )
    return Response(
        orjson.dumps({"items": rows, "count": len(rows)}, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="engagements.json"'},
    )


@router.get(
    "/export", response_class=Response, responses={200: {"content": {"application/json": {}}}}
)
def export_engagements(
    db: DbSession, reader: OptionalActor, kind: Kind = None, q: Search = None
) -> Response:
    """Every visible engagement matching the filters, as JSON (audited)."""
    return export_response(db, reader, kind, q)


@router.post("", status_code=201)
def create_engagement(body: EngagementCreate, db: DbSession, actor: CurrentActor) -> EngagementRead:
    """Record an engagement; its participating organisations are its audience."""
    return service.read(service.create(db, actor=actor, data=body))


@router.get("/{engagement_id}")
def get_engagement(engagement_id: str, db: DbSession, reader: OptionalActor) -> EngagementRead:
    """One engagement with its participants and follow-up actions."""
    return service.read(service.get_or_404(db, reader=reader, engagement_id=engagement_id))


@router.patch("/{engagement_id}")
def update_engagement(
    engagement_id: str, body: EngagementUpdate, db: DbSession, actor: CurrentActor
) -> EngagementRead:
    """Change an engagement; send the ``version`` you loaded (409 if it changed since)."""
    return service.read(service.update(db, actor=actor, engagement_id=engagement_id, data=body))


@router.delete("/{engagement_id}", status_code=204)
def delete_engagement(engagement_id: str, db: DbSession, actor: CurrentActor) -> Response:
    service.delete(db, actor=actor, engagement_id=engagement_id)
    return Response(status_code=204)


@router.post("/{engagement_id}/actions", status_code=201)
def add_action(
    engagement_id: str, body: ActionCreate, db: DbSession, actor: CurrentActor
) -> ActionRead:
    """Add a follow-up action with an owner and a due date."""
    action = service.add_action(db, actor=actor, engagement_id=engagement_id, data=body)
    engagement = service.get_or_404(db, reader=actor, engagement_id=engagement_id)
    return next(a for a in service.read(engagement).actions if a.id == action.id)


@router.patch("/{engagement_id}/actions/{action_id}")
def update_action(
    engagement_id: str, action_id: str, body: ActionUpdate, db: DbSession, actor: CurrentActor
) -> ActionRead:
    """Mark an action done, cancelled or open again."""
    service.set_action_status(
        db, actor=actor, engagement_id=engagement_id, action_id=action_id, status=body.status
    )
    engagement = service.get_or_404(db, reader=actor, engagement_id=engagement_id)
    return next(a for a in service.read(engagement).actions if a.id == action_id)
