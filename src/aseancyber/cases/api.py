"""REST routes for coordination cases under /api/v1/cases (a case's messages are in
:mod:`aseancyber.cases.messages.api`, its advisories in :mod:`aseancyber.cases.advisories.api`).

Every route reads through the policy: a case the caller may not see is 404 everywhere.
Inside a case, messages are filtered by their audience on every route.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from aseancyber.access.dependencies import CurrentActor, DbSession, OptionalActor, require
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor
from aseancyber.cases import catalogue, embargo, participants, service, views, workflow
from aseancyber.cases.measures import service as measures
from aseancyber.cases.models import ProductStatus
from aseancyber.cases.schemas import (
    CaseCreate,
    CasePage,
    CaseRead,
    CaseUpdate,
    EmbargoAction,
    EmbargoAnswer,
    EmbargoRead,
    ParticipantAdd,
    ParticipantPage,
    ParticipantRead,
    ParticipantUpdate,
    ProductCreate,
    ProductPage,
    ProductRead,
    StatusSet,
    VendorEventRecord,
    VulnerabilityCreate,
    VulnerabilityUpdate,
    WorldEventRecord,
)
from aseancyber.exports import download
from aseancyber.web.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
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
