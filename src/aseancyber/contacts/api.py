"""REST routes for points of contact (/api/v1/contacts) and communication checks
(/api/v1/contact-checks).

Contacts are read through the visibility policy (anonymous readers see TLP:CLEAR ones
only, as on every public page): a contact the reader may not see is 404 on every route
and never appears in a list, count or export.
Check results count only the contacts the reader may see.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from aseancyber.access.dependencies import CurrentActor, DbSession, OptionalActor
from aseancyber.contacts import check_charts, check_results, exports, service
from aseancyber.contacts import checks_service as checks
from aseancyber.contacts.models import ContactKind
from aseancyber.contacts.schemas import (
    CheckLaunch,
    CheckPage,
    CheckRead,
    CheckResults,
    CheckTrendPoint,
    ContactCreate,
    ContactPage,
    ContactRead,
    ContactUpdate,
    ResponseTimesRead,
    StateResponseTimes,
    TargetRead,
)
from aseancyber.exports import download
from aseancyber.web.listing import PageCursor, PageLimit
from aseancyber.web.pagination import DEFAULT_LIMIT

router = APIRouter(prefix="/api/v1", tags=["contacts"])


def filters(
    kind: Annotated[ContactKind | None, Query(description="Kind of contact.")] = None,
    state: Annotated[
        str | None, Query(max_length=2, description="ISO 3166 alpha-2 code of the member state.")
    ] = None,
    owner: Annotated[
        str | None, Query(max_length=36, description="Id of the owner organisation.")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Words in the name, role or e-mail.")
    ] = None,
    stale: Annotated[bool, Query(description="Only contacts that need verifying.")] = False,
) -> service.ContactFilters:
    return service.parse_filters(
        kind=kind.value if kind else None, state=state, owner=owner, q=q, stale_only=stale
    )


Filters = Annotated[service.ContactFilters, Depends(filters)]


@router.get("/contacts")
def list_contacts(
    db: DbSession,
    reader: OptionalActor,
    selection: Filters,
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> ContactPage:
    """The points of contact the reader may see, by name."""
    page = service.list_(db, reader=reader, filters=selection, cursor=cursor, limit=limit)
    return ContactPage(
        items=[service.read(contact) for contact in page.items], next_cursor=page.next_cursor
    )


@router.get("/contacts/export", response_class=Response)
def export_contacts(
    db: DbSession,
    reader: OptionalActor,
    selection: Filters,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """Every visible contact matching the filters, as JSON or CSV (audited)."""
    exported = exports.export(db, reader=reader, filters=selection, format=format)
    return download(exported)


@router.post("/contacts", status_code=201)
def create_contact(body: ContactCreate, db: DbSession, actor: CurrentActor) -> ContactRead:
    """Add a contact to the caller's organisation (its administrators only)."""
    return service.read(service.create(db, actor=actor, data=body))


@router.get("/contacts/{contact_id}")
def get_contact(contact_id: str, db: DbSession, reader: OptionalActor) -> ContactRead:
    """One contact, if the reader may see it."""
    return service.read(service.get_or_404(db, reader=reader, contact_id=contact_id))


@router.patch("/contacts/{contact_id}")
def update_contact(
    contact_id: str, body: ContactUpdate, db: DbSession, actor: CurrentActor
) -> ContactRead:
    """Change a contact; send the ``version`` you loaded (409 if someone changed it since)."""
    return service.read(service.update(db, actor=actor, contact_id=contact_id, data=body))


@router.post("/contacts/{contact_id}/verify")
def verify_contact(contact_id: str, db: DbSession, actor: CurrentActor) -> ContactRead:
    """Record that the contact's details were confirmed today."""
    return service.read(service.verify(db, actor=actor, contact_id=contact_id))


@router.delete("/contacts/{contact_id}", status_code=204)
def delete_contact(contact_id: str, db: DbSession, actor: CurrentActor) -> Response:
    """Delete a contact (its organisation's administrators only)."""
    service.delete(db, actor=actor, contact_id=contact_id)
    return Response(status_code=204)


@router.get("/contact-checks")
def list_checks(
    db: DbSession,
    reader: CurrentActor,
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> CheckPage:
    """The history of communication checks, newest first (counts over visible contacts)."""
    page = checks.list_checks(db, cursor=cursor, limit=limit)
    return CheckPage(
        items=[checks.check_read(db, reader=reader, check=check) for check in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/contact-checks/response-times")
def response_times(db: DbSession, reader: CurrentActor) -> ResponseTimesRead:
    """Response times over the recent checks and by state (contacts the reader may see)."""
    trends = check_charts.response_trends(db, reader=reader)
    return ResponseTimesRead(
        over_time=[CheckTrendPoint(**vars(point)) for point in trends.over_time],
        by_state=[
            StateResponseTimes(
                state=row.label,
                asked=row.asked,
                answered=row.answered,
                median_seconds=row.median_seconds,
            )
            for row in trends.by_state
        ],
    )


@router.post("/contact-checks", status_code=201)
def launch_check(body: CheckLaunch, db: DbSession, actor: CurrentActor) -> CheckRead:
    """Launch a check over all visible contacts, or the chosen kinds and states."""
    check = checks.launch(db, actor=actor, data=body)
    return checks.check_read(db, reader=actor, check=check)


@router.get("/contact-checks/{check_id}")
def get_check(
    *,
    check_id: str,
    db: DbSession,
    reader: CurrentActor,
    show: Annotated[str, Query(pattern="^(all|answered|unanswered)$")] = "all",
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> CheckResults:
    """A check's results by state and kind, and one page of its visible targets."""
    check = checks.get_or_404(db, check_id=check_id)
    found = check_results.results(db, reader=reader, check=check)
    page = checks.targets(db, reader=reader, check=check, show=show, cursor=cursor, limit=limit)
    summary = checks.summary_of(check, found.overall)
    return CheckResults(
        **summary.model_dump(),
        by_state=found.by_state,
        by_kind=found.by_kind,
        targets=[checks.target_read(t) for t in page.items],
    )


@router.post("/contact-checks/{check_id}/close")
def close_check(check_id: str, db: DbSession, actor: CurrentActor) -> CheckRead:
    """Close a running check early (regional coordinators)."""
    check = checks.close(db, actor=actor, check_id=check_id)
    return checks.check_read(db, reader=actor, check=check)


@router.post("/contact-checks/{check_id}/targets/{target_id}/acknowledge")
def acknowledge(check_id: str, target_id: str, db: DbSession, actor: CurrentActor) -> TargetRead:
    """Acknowledge a check for one of the caller's organisation's contacts."""
    target = checks.acknowledge_in_app(db, actor=actor, check_id=check_id, target_id=target_id)
    return checks.target_read(target)
