"""REST routes for coordination cases under /api/v1/cases, and published advisories under
/api/v1/advisories.

Every route reads through the policy: a case the caller may not see is 404 everywhere.
Inside a case, messages are filtered by their audience on every route.
"""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response

from aseancyber.access.dependencies import CurrentActor, DbSession, OptionalActor, require
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor
from aseancyber.cases import catalogue, embargo, measures, participants, service, views, workflow
from aseancyber.cases.advisories import csaf
from aseancyber.cases.advisories import service as advisories
from aseancyber.cases.advisories.schemas import AdvisoryCreate, AdvisoryPage, AdvisoryRead
from aseancyber.cases.messages import service as messages
from aseancyber.cases.models import ProductStatus
from aseancyber.cases.schemas import (
    CaseCreate,
    CasePage,
    CaseRead,
    CaseUpdate,
    EmbargoAction,
    EmbargoAnswer,
    EmbargoRead,
    MessageCreate,
    MessagePage,
    MessageRead,
    ParticipantAdd,
    ParticipantPage,
    ParticipantRead,
    ParticipantUpdate,
    ProductCreate,
    ProductPage,
    ProductRead,
    StatusSet,
    ThreadPage,
    ThreadRead,
    VendorEventRecord,
    VulnerabilityCreate,
    VulnerabilityUpdate,
    WorldEventRecord,
)
from aseancyber.exports import download
from aseancyber.web.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
advisory_router = APIRouter(prefix="/api/v1/advisories", tags=["advisories"])
Writer = Annotated[Actor, Depends(require(Permission.RECORD_CREATE))]
Cursor = Annotated[str | None, Query(max_length=500)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def filters(
    kind: Annotated[str | None, Query(max_length=20)] = None,
    sector: Annotated[str | None, Query(max_length=40)] = None,
    embargo: Annotated[str | None, Query(max_length=20)] = None,
    open: Annotated[bool, Query(description="Only cases not closed.")] = False,
    q: Annotated[str | None, Query(max_length=200, description="Words in title/summary.")] = None,
) -> service.CaseFilters:
    return service.parse_filters(kind=kind, sector=sector, embargo=embargo, open_only=open, q=q)


Filters = Annotated[service.CaseFilters, Depends(filters)]


@router.get("")
def list_cases(
    db: DbSession,
    reader: OptionalActor,
    selection: Filters,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> CasePage:
    """The cases the caller may see (their organisation takes part), newest first."""
    page = service.list_(db, reader=reader, filters=selection, cursor=cursor, limit=limit)
    return CasePage(items=[views.list_item(c) for c in page.items], next_cursor=page.next_cursor)


@router.get("/export", response_class=Response)
def export_cases(
    db: DbSession,
    reader: OptionalActor,
    selection: Filters,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """Every visible case matching the filters, as JSON or CSV (audited)."""
    exported = views.export(db, reader=reader, filters=selection, format=format)
    return download(exported)


@router.get("/measures")
def case_measures(db: DbSession, reader: CurrentActor) -> dict[str, Any]:
    """Open cases by member state and sector, V->F and F->P times, share of good histories."""
    return measures.for_reader(db, reader=reader)


@router.post("", status_code=201)
def create_case(body: CaseCreate, db: DbSession, actor: Writer) -> CaseRead:
    """Open a case; the caller's organisation is its first coordinator."""
    case = service.create(db, actor=actor, data=body)
    return views.read(db, reader=actor, case=case)


@router.get("/{case_id}")
def get_case(case_id: str, db: DbSession, reader: OptionalActor) -> CaseRead:
    """One case with participants, products, vulnerabilities and threads."""
    case = service.get_or_404(db, reader=reader, case_id=case_id)
    return views.read(db, reader=reader, case=case)


@router.patch("/{case_id}")
def update_case(case_id: str, body: CaseUpdate, db: DbSession, actor: CurrentActor) -> CaseRead:
    """Edit title, kind, summary, sectors or label; send the ``version`` you loaded."""
    case = service.update(db, actor=actor, case_id=case_id, data=body)
    return views.read(db, reader=actor, case=case)


@router.post("/{case_id}/close")
def close_case(case_id: str, db: DbSession, actor: CurrentActor) -> CaseRead:
    """Close the case (coordinators)."""
    case = workflow.close(db, actor=actor, case_id=case_id)
    return views.read(db, reader=actor, case=case)


@router.post("/{case_id}/events")
def record_world_event(
    case_id: str, body: WorldEventRecord, db: DbSession, actor: CurrentActor
) -> CaseRead:
    """Record P (public), X (exploit public) or A (attacks); P and X end the embargo."""
    case = workflow.record_world_event(db, actor=actor, case_id=case_id, event=body.event)
    return views.read(db, reader=actor, case=case)


@router.post("/{case_id}/embargo")
def change_embargo(
    case_id: str, body: EmbargoAction, db: DbSession, actor: CurrentActor
) -> CaseRead:
    """Propose, accept, reject, revise or end the embargo (times in UTC)."""
    case = workflow.embargo(db, actor=actor, case_id=case_id, data=body)
    return views.read(db, reader=actor, case=case)


@router.get("/{case_id}/embargo")
def read_embargo(case_id: str, db: DbSession, reader: OptionalActor) -> EmbargoRead:
    """The embargo: accepted, objections (who, when, why), not answered (asked when),
    participants that cannot answer, the coordinators' decisions and your possible actions."""
    case = service.get_or_404(db, reader=reader, case_id=case_id)
    return embargo.read(db, reader=reader, case=case)


@router.get("/{case_id}/participants")
def list_participants(
    case_id: str,
    db: DbSession,
    reader: OptionalActor,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> ParticipantPage:
    """All participants of the case, a page at a time."""
    case = service.get_or_404(db, reader=reader, case_id=case_id)
    page = service.participants_page(db, case_id=case.id, cursor=cursor, limit=limit)
    return ParticipantPage(
        items=[views.participant_read(p) for p in page.items], next_cursor=page.next_cursor
    )


@router.get("/{case_id}/products")
def list_products(
    case_id: str,
    db: DbSession,
    reader: OptionalActor,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> ProductPage:
    """All products of the case, a page at a time."""
    case = service.get_or_404(db, reader=reader, case_id=case_id)
    page = catalogue.products_page(db, case_id=case.id, cursor=cursor, limit=limit)
    return ProductPage(
        items=[views.product_read(p) for p in page.items], next_cursor=page.next_cursor
    )


@router.get("/{case_id}/vulnerabilities/{vulnerability_id}/statuses")
def vulnerability_statuses(
    case_id: str, vulnerability_id: str, db: DbSession, reader: OptionalActor
) -> dict[str, ProductStatus]:
    """Every product's status for one vulnerability (product id -> status)."""
    case = service.get_or_404(db, reader=reader, case_id=case_id)
    vulnerability = catalogue.get_vulnerability_or_404(
        db, case=case, vulnerability_id=vulnerability_id
    )
    return catalogue.statuses_of(db, case_id=case.id).get(vulnerability.id, {})


@router.post("/{case_id}/participants", status_code=201)
def add_participant(
    case_id: str, body: ParticipantAdd, db: DbSession, actor: CurrentActor
) -> ParticipantRead:
    """Invite an organisation or a person by e-mail (coordinators)."""
    return views.participant_read(participants.add(db, actor=actor, case_id=case_id, data=body))


@router.patch("/{case_id}/participants/{participant_id}")
def update_participant(
    case_id: str, participant_id: str, body: ParticipantUpdate, db: DbSession, actor: CurrentActor
) -> ParticipantRead:
    """Report state, involvement, mute (itself or coordinators); role (coordinators)."""
    participant = participants.update(
        db, actor=actor, case_id=case_id, participant_id=participant_id, data=body
    )
    return views.participant_read(participant)


@router.delete("/{case_id}/participants/{participant_id}", status_code=204)
def remove_participant(
    case_id: str, participant_id: str, db: DbSession, actor: CurrentActor
) -> Response:
    """Remove a participant that has recorded nothing (coordinators)."""
    participants.remove(db, actor=actor, case_id=case_id, participant_id=participant_id)
    return Response(status_code=204)


@router.post("/{case_id}/participants/{participant_id}/events")
def record_vendor_event(
    case_id: str,
    participant_id: str,
    body: VendorEventRecord,
    db: DbSession,
    actor: CurrentActor,
) -> ParticipantRead:
    """Record V, F or D for a vendor (that vendor or a coordinator)."""
    participant = workflow.record_vendor_event(
        db, actor=actor, case_id=case_id, participant_id=participant_id, event=body.event
    )
    return views.participant_read(participant)


@router.post("/{case_id}/participants/{participant_id}/embargo-response")
def answer_embargo(
    case_id: str, participant_id: str, body: EmbargoAnswer, db: DbSession, actor: CurrentActor
) -> ParticipantRead:
    """A participant accepts or rejects the proposed embargo for itself."""
    participant = workflow.answer_embargo(
        db, actor=actor, case_id=case_id, participant_id=participant_id, data=body
    )
    return views.participant_read(participant)


@router.post("/{case_id}/products", status_code=201)
def add_product(
    case_id: str, body: ProductCreate, db: DbSession, actor: CurrentActor
) -> ProductRead:
    """Add a product (coordinators, or a vendor for its own)."""
    return views.product_read(catalogue.add_product(db, actor=actor, case_id=case_id, data=body))


@router.post("/{case_id}/vulnerabilities", status_code=201)
def add_vulnerability(
    case_id: str, body: VulnerabilityCreate, db: DbSession, actor: CurrentActor
) -> CaseRead:
    """Add a vulnerability; a CVSS 4.0 vector is scored, SSVC inputs give the decision."""
    catalogue.add_vulnerability(db, actor=actor, case_id=case_id, data=body)
    case = service.get_or_404(db, reader=actor, case_id=case_id)
    return views.read(db, reader=actor, case=case)


@router.put("/{case_id}/vulnerabilities/{vulnerability_id}")
def update_vulnerability(
    case_id: str,
    vulnerability_id: str,
    body: VulnerabilityUpdate,
    db: DbSession,
    actor: CurrentActor,
) -> CaseRead:
    """Replace a vulnerability's fields; send the ``version`` you loaded."""
    catalogue.update_vulnerability(
        db, actor=actor, case_id=case_id, vulnerability_id=vulnerability_id, data=body
    )
    case = service.get_or_404(db, reader=actor, case_id=case_id)
    return views.read(db, reader=actor, case=case)


@router.post("/{case_id}/vulnerabilities/{vulnerability_id}/status", status_code=204)
def set_status(
    case_id: str, vulnerability_id: str, body: StatusSet, db: DbSession, actor: CurrentActor
) -> Response:
    """Set a product's status for a vulnerability (its vendor or a coordinator)."""
    catalogue.set_status(
        db, actor=actor, case_id=case_id, vulnerability_id=vulnerability_id, data=body
    )
    return Response(status_code=204)


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
    return ThreadPage(
        items=[
            ThreadRead(
                id=s.thread.id,
                title=s.thread.title,
                product_id=s.thread.product_id,
                message_count=s.message_count,
                more_messages=s.more,
            )
            for s in summaries
        ],
        next_cursor=page.next_cursor,
    )


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


@router.get("/{case_id}/advisories")
def case_advisories(case_id: str, db: DbSession, reader: OptionalActor) -> list[AdvisoryRead]:
    """The advisories of a case."""
    case = service.get_or_404(db, reader=reader, case_id=case_id)
    return [advisories.read(a) for a in advisories.of_case(db, reader=reader, case=case)]


@router.post("/{case_id}/advisories", status_code=201)
def draft_advisory(
    case_id: str, body: AdvisoryCreate, db: DbSession, actor: CurrentActor
) -> AdvisoryRead:
    """Draft a CSAF advisory (security advisory or VEX) for the case (coordinators)."""
    return advisories.read(advisories.draft(db, actor=actor, case_id=case_id, data=body))


@router.post(
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


# --- advisories --------------------------------------------------------------------------------


@advisory_router.get("")
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


@advisory_router.get("/export")
def export_advisories(
    db: DbSession, reader: OptionalActor, q: Annotated[str | None, Query(max_length=200)] = None
) -> dict[str, Any]:
    """Every visible advisory as JSON."""
    items = advisories.all_visible(db, reader=reader, q=q, limit=views.MAX_EXPORT)
    return {"items": [advisories.read(a).model_dump(mode="json") for a in items]}


@advisory_router.get("/{advisory_id}")
def get_advisory(advisory_id: str, db: DbSession, reader: OptionalActor) -> AdvisoryRead:
    """One advisory, if the caller may see it."""
    return advisories.read(advisories.get_or_404(db, reader=reader, advisory_id=advisory_id))


@advisory_router.get("/{advisory_id}/csaf")
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
