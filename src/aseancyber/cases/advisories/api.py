"""REST routes for a case's advisories (/api/v1/cases/{id}/advisories, CSAF import) and for
published advisories under /api/v1/advisories.

Every route reads through the policy: a case or advisory the caller may not see is 404.
"""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response

from aseancyber.access.dependencies import CurrentActor, DbSession, OptionalActor
from aseancyber.cases import service, views
from aseancyber.cases.advisories import csaf
from aseancyber.cases.advisories import service as advisories
from aseancyber.cases.advisories.schemas import AdvisoryCreate, AdvisoryPage, AdvisoryRead
from aseancyber.cases.api import Cursor, Limit
from aseancyber.web.pagination import DEFAULT_LIMIT

case_router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
router = APIRouter(prefix="/api/v1/advisories", tags=["advisories"])


@case_router.get("/{case_id}/advisories")
def case_advisories(case_id: str, db: DbSession, reader: OptionalActor) -> list[AdvisoryRead]:
    """The advisories of a case."""
    case = service.get_or_404(db, reader=reader, case_id=case_id)
    return [advisories.read(a) for a in advisories.of_case(db, reader=reader, case=case)]


@case_router.post("/{case_id}/advisories", status_code=201)
def draft_advisory(
    case_id: str, body: AdvisoryCreate, db: DbSession, actor: CurrentActor
) -> AdvisoryRead:
    """Draft a CSAF advisory (security advisory or VEX) for the case (coordinators)."""
    return advisories.read(advisories.draft(db, actor=actor, case_id=case_id, data=body))


@case_router.post(
    "/{case_id}/csaf-import",
    openapi_extra={"requestBody": {"content": {"application/json": {}}, "required": True}},
)
async def import_csaf(
    case_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> dict[str, int]:
    """Create or update products and vulnerabilities from a CSAF 2.0 document (the body)."""
    content = await request.body()
    result = advisories.import_document(db, actor=actor, case_id=case_id, content=content)
    return {
        "products_created": result.products_created,
        "vulnerabilities_created": result.vulnerabilities_created,
        "vulnerabilities_updated": result.vulnerabilities_updated,
        "statuses_set": result.statuses_set,
    }


@router.get("")
def list_advisories(
    db: DbSession,
    reader: OptionalActor,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> AdvisoryPage:
    """Advisories the caller may see (anonymous callers: published TLP:CLEAR ones)."""
    page = advisories.list_(db, reader=reader, q=q, cursor=cursor, limit=limit)
    return AdvisoryPage(
        items=[advisories.read(a) for a in page.items], next_cursor=page.next_cursor
    )


@router.get("/export")
def export_advisories(
    db: DbSession, reader: OptionalActor, q: Annotated[str | None, Query(max_length=200)] = None
) -> dict[str, Any]:
    """Every visible advisory as JSON."""
    items = advisories.all_visible(db, reader=reader, q=q, limit=views.MAX_EXPORT)
    return {"items": [advisories.read(a).model_dump(mode="json") for a in items]}


@router.get("/{advisory_id}")
def get_advisory(advisory_id: str, db: DbSession, reader: OptionalActor) -> AdvisoryRead:
    """One advisory, if the caller may see it."""
    return advisories.read(advisories.get_or_404(db, reader=reader, advisory_id=advisory_id))


@router.get("/{advisory_id}/csaf")
def advisory_document(advisory_id: str, db: DbSession, reader: OptionalActor) -> Response:
    """The advisory's CSAF 2.0 document (a draft shows the case as it stands)."""
    advisory = advisories.get_or_404(db, reader=reader, advisory_id=advisory_id)
    return csaf_response(advisories.document_of(db, reader=reader, advisory=advisory))


def csaf_response(built: csaf.Built) -> Response:
    return Response(
        orjson.dumps(built.document, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={"Content-Disposition": f'inline; filename="{built.filename}"'},
    )
