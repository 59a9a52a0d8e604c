"""Pages for coordination cases: /cases (list, new, export, measures), /cases/{id} (the
case's dashboard) with one small form per action, threads, attachments and invitations.

Cases are members-only: anonymous visitors are sent to sign in. A case the reader may not
see is 404 everywhere; a refused action re-renders the case with the reason and the
status (403, 409 or 422).
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from aseancyber.access.dependencies import CsrfChecked, DbSession, OptionalActor
from aseancyber.access.guards import login_redirect
from aseancyber.access.policy import Actor, Tlp
from aseancyber.access.rules import Action, may
from aseancyber.cases import catalogue, embargo, page_actions, participants, service, state, views
from aseancyber.cases.advisories import service as advisories
from aseancyber.cases.advisories.models import AdvisoryCategory
from aseancyber.cases.measures import service as measures
from aseancyber.cases.messages import service as messages
from aseancyber.cases.messages.api import attachment_response
from aseancyber.cases.messages.models import MessageAudience
from aseancyber.cases.models import (
    Case,
    CaseKind,
    EmbargoState,
    Involvement,
    ParticipantRole,
    ProductStatus,
    ReportState,
    Sector,
)
from aseancyber.cases.page_actions import FailedAction
from aseancyber.cases.provider import publication
from aseancyber.cases.schemas import CaseCreate
from aseancyber.cases.scoring.service import TABLES
from aseancyber.community.service import all_organisations
from aseancyber.errors import Conflict, Forbidden, Invalid, ServiceError
from aseancyber.exports import download
from aseancyber.web import forms, templating
from aseancyber.web.listing import PageCursor, PageLimit
from aseancyber.web.pagination import DEFAULT_LIMIT

router = APIRouter(tags=["pages"], include_in_schema=False)

TLP_OPTIONS = [(label.value, label.value) for label in Tlp]
KIND_OPTIONS = [(kind.value, kind.value.capitalize()) for kind in CaseKind]
SECTOR_OPTIONS = [(sector.value, sector.label) for sector in Sector]


@router.get("/cases")
def list_cases(
    *,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
    sector: Annotated[str, Query(max_length=40)] = "",
    embargo: Annotated[str, Query(max_length=20)] = "",
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Response:
    """The cases the reader's organisation takes part in (or may otherwise see)."""
    filters = service.parse_filters(kind=kind, sector=sector, embargo=embargo, q=q)
    page = service.list_(db, reader=reader, filters=filters, cursor=cursor, limit=limit)
    return templating.render(
        request,
        "cases/list.html",
        {
            "page": page,
            "values": {"q": q, "kind": kind, "sector": sector, "embargo": embargo},
            "total": service.count(db, reader=reader, filters=filters),
            "kind_options": KIND_OPTIONS,
            "sector_options": SECTOR_OPTIONS,
            "embargo_options": [(e.value, e.value.capitalize()) for e in EmbargoState],
            "can_create": may(reader, Action.CREATE, Case),
            "export_query": request.url.remove_query_params(["cursor", "limit"]).query,
        },
    )


@router.get("/cases/export")
def export_cases(
    *,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    format: Annotated[str, Query(max_length=10)] = "json",
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
    sector: Annotated[str, Query(max_length=40)] = "",
    embargo: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """Download the visible, filtered cases as JSON or CSV."""
    filters = service.parse_filters(kind=kind, sector=sector, embargo=embargo, q=q)
    exported = views.export(db, reader=reader, filters=filters, format=format)
    return download(exported)


@router.get("/cases/measures")
def case_measures(request: Request, db: DbSession, reader: OptionalActor) -> Response:
    """Open cases by state and sector, V->F and F->P times, good histories."""
    if reader is None:
        return login_redirect(request)
    return templating.render(
        request, "cases/measures.html", {"m": measures.for_reader(db, reader=reader)}
    )


def _new_form(
    request: Request, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response:
    return templating.render(
        request,
        "cases/new.html",
        {
            "values": values,
            "errors": errors,
            "tlp_options": TLP_OPTIONS,
            "kind_options": KIND_OPTIONS,
            "sector_options": SECTOR_OPTIONS,
        },
        status_code=status_code,
    )


@router.get("/cases/new")
def new_case(request: Request, actor: OptionalActor) -> Response:
    """The form to open a case."""
    if actor is None:
        return login_redirect(request)
    if not may(actor, Action.CREATE, Case):
        raise Forbidden("opening a case needs the contributor or coordinator role")
    return _new_form(request, {"tlp": Tlp.AMBER.value, "kind": "vulnerability", "sectors": []}, {})


@router.post("/cases/new", dependencies=[CsrfChecked])
async def create_case(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """Open a case from the form."""
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    values = {
        "title": forms.text(form, "title"),
        "kind": forms.text(form, "kind"),
        "tlp": forms.text(form, "tlp"),
        "summary": forms.text(form, "summary"),
        "sectors": forms.texts(form, "sectors"),
    }
    parsed = forms.parse(CaseCreate, values)
    if isinstance(parsed, dict):
        return _new_form(request, values, parsed, 422)
    try:
        case = service.create(db, actor=actor, data=parsed)
    except Invalid as error:
        return _new_form(request, values, forms.invalid_errors(error), 422)
    return templating.redirect(f"/cases/{case.id}", f"Case {case.reference} opened.", "success")


def _local_input(value: datetime | None, time_zone: str) -> str:
    if value is None:
        return ""
    return value.astimezone(templating.zone(time_zone)).strftime("%Y-%m-%dT%H:%M")


def _detail(
    request: Request,
    db: Session,
    reader: Actor | None,
    case: Case,
    *,
    problem: str | None = None,
    failed: FailedAction | None = None,
    status_code: int = 200,
) -> Response:
    view = views.overview(db, reader=reader, case=case)
    seat = view.seat
    recent = messages.list_messages(db, reader=reader, case=case, seat=seat, limit=10)
    history = measures.ordering_of(db, case=case)
    embargo_view = embargo.read(db, reader=reader, case=case)
    return templating.render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "seat": seat,
            "participants": view.participants,
            "participants_next_cursor": view.participants_next_cursor,
            "participant_count": view.participant_count,
            "summary": view.participant_summary,
            # Bounded: the vendors shown here; the products page offers every vendor.
            "vendors": [
                p
                for p in view.participants
                if p.role is ParticipantRole.VENDOR
                and seat.can_write
                and (seat.coordinator or seat.owns(p))
            ],
            "products": view.products,
            "products_total": view.products_total,
            "products_next_cursor": view.products_next_cursor,
            "vulnerabilities": view.vulnerabilities,
            "statuses": view.statuses,
            "status_counts": view.status_counts,
            "threads": messages.threads_of(db, reader=reader, case=case, seat=seat),
            "recent": recent.items,
            "advisories": advisories.of_case(db, reader=reader, case=case),
            "approvals": {
                a.id: publication.approvals_of(db, advisory=a)
                for a in advisories.of_case(db, reader=reader, case=case)
            },
            "embargo_view": embargo_view,
            "embargo_actions": embargo_view.your_actions,
            "publish_blocked": publication.embargo_blocks(case),
            "history_good": history.good,
            "ordering": history.pairs,
            "problem": problem,
            "failed": failed.action if failed else "",
            "errors": failed.errors if failed else {},
            "values": failed.values if failed else {},
            "error_prefix": failed.prefix if failed else "",
            "event_names": state.EVENT_NAMES,
            "role_options": [(r.value, r.label) for r in ParticipantRole],
            "report_options": [(r.value, r.value.capitalize()) for r in ReportState],
            "involvement_options": [(i.value, i.label) for i in Involvement],
            "status_options": [(s.value, s.label) for s in ProductStatus],
            "audience_options": [(a.value, a.label) for a in MessageAudience],
            "category_options": [
                (AdvisoryCategory.SECURITY_ADVISORY.value, "Security advisory"),
                (AdvisoryCategory.VEX.value, "VEX"),
            ],
            "publish_options": [(label.value, label.value) for label in Tlp],
            "organisation_options": [(o.id, o.name) for o in all_organisations(db)],
            "ssvc_tables": TABLES,
            "embargo_local": _local_input(
                case.embargo_proposed_ends_at or case.embargo_ends_at,
                reader.time_zone if reader else "UTC",
            ),
            "zone_name": reader.time_zone if reader else "UTC",
            "tlp_options": TLP_OPTIONS,
            "sector_options": SECTOR_OPTIONS,
        },
        status_code=status_code,
    )


@router.get("/cases/{case_id}")
def show_case(case_id: str, request: Request, db: DbSession, reader: OptionalActor) -> Response:
    """The case's dashboard: state, embargo in the reader's time, participants, products."""
    case = service.get_or_404(db, reader=reader, case_id=case_id)
    return _detail(request, db, reader, case)


@router.get("/cases/{case_id}/participants")
def case_participants(
    case_id: str,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    cursor: PageCursor = None,
) -> Response:
    """Every participant of a case, a page at a time, with the same forms as the case page."""
    case = service.get_or_404(db, reader=reader, case_id=case_id)
    page = service.participants_page(db, case_id=case.id, cursor=cursor, limit=DEFAULT_LIMIT)
    return templating.render(
        request,
        "cases/participants.html",
        {
            "case": case,
            "seat": service.seat_of(db, reader=reader, case=case),
            "participants": page.items,
            "next_cursor": page.next_cursor,
            "event_names": state.EVENT_NAMES,
            "role_options": [(r.value, r.label) for r in ParticipantRole],
            "report_options": [(r.value, r.value.capitalize()) for r in ReportState],
            "involvement_options": [(i.value, i.label) for i in Involvement],
        },
    )


@router.get("/cases/{case_id}/products")
def case_products(
    case_id: str,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    cursor: PageCursor = None,
) -> Response:
    """Every product of a case with its status per vulnerability, a page at a time."""
    case = service.get_or_404(db, reader=reader, case_id=case_id)
    page = catalogue.products_page(db, case_id=case.id, cursor=cursor, limit=DEFAULT_LIMIT)
    return templating.render(
        request,
        "cases/products.html",
        {
            "case": case,
            "products": page.items,
            "next_cursor": page.next_cursor,
            "vulnerabilities": catalogue.vulnerabilities_of(db, case_id=case.id),
            "seat": (seat := service.seat_of(db, reader=reader, case=case)),
            "vendors": service.vendors_for_forms(db, case_id=case.id, seat=seat),
            "statuses": catalogue.statuses_for(
                db, case_id=case.id, product_ids=[p.id for p in page.items]
            ),
        },
    )


@router.post("/cases/{case_id}/actions/{action}", dependencies=[CsrfChecked])
async def case_action(
    case_id: str, action: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """One action on a case from its page; a refusal re-renders the case with the reason."""
    if actor is None:
        return login_redirect(request)
    case = service.get_or_404(db, reader=actor, case_id=case_id)
    async with request.form() as form:  # closes uploaded files' temporary storage
        savepoint = db.begin_nested()
        try:
            handler = page_actions.ACTIONS.get(action)
            if handler is None:
                raise Invalid(f"there is no action {action[:40]}", "action")
            target, message = await handler(form, db, actor, case_id, action)
        except (Invalid, Forbidden, Conflict) as error:
            savepoint.rollback()  # nothing of a refused action is kept
            db.refresh(case)
            failed = FailedAction.of(action, form, error) if isinstance(error, Invalid) else None
            problem = None if failed else error.detail
            return _detail(
                request, db, actor, case, problem=problem, failed=failed, status_code=error.status
            )
        savepoint.commit()
    return templating.redirect(target, message, "success")


@router.get("/cases/{case_id}/threads/{thread_id}")
def show_thread(
    *,
    case_id: str,
    thread_id: str,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    cursor: PageCursor = None,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """One thread's messages that the reader may read, newest first."""
    case = service.get_or_404(db, reader=reader, case_id=case_id)
    seat = service.seat_of(db, reader=reader, case=case)
    thread = messages.get_thread_or_404(db, case=case, thread_id=thread_id)
    page = messages.list_messages(
        db, reader=reader, case=case, seat=seat, thread_id=thread.id, q=q, cursor=cursor
    )
    return templating.render(
        request,
        "cases/thread.html",
        {
            "case": case,
            "thread": thread,
            "page": page,
            "attachments": messages.attachments_of(db, page.items),
            "seat": seat,
            "participants": service.participants_of(db, case_id=case.id),
            "audience_options": [(a.value, a.label) for a in MessageAudience],
            "q": q,
        },
    )


@router.get("/cases/{case_id}/attachments/{attachment_id}")
def download_attachment(
    case_id: str, attachment_id: str, request: Request, db: DbSession, reader: OptionalActor
) -> Response:
    """An attachment, as a download, if the reader may read its message."""
    found = messages.download(db, reader=reader, case_id=case_id, attachment_id=attachment_id)
    return attachment_response(found)


@router.get("/cases/invitations/{token}")
def show_invitation(token: str, request: Request, actor: OptionalActor) -> Response:
    """The landing page of an invitation e-mail: acknowledge to open the case."""
    if actor is None:
        return login_redirect(request)
    return templating.render(request, "cases/invitation.html", {"token": token})


@router.post("/cases/invitations/{token}", dependencies=[CsrfChecked])
def accept_invitation(
    token: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """Acknowledge an invitation (once) and open the case."""
    if actor is None:
        return login_redirect(request)
    try:
        case = participants.accept_invitation(db, actor=actor, token=token)
    except ServiceError as error:
        return templating.render(
            request,
            "cases/invitation.html",
            {"token": token, "problem": error.detail},
            status_code=error.status,
        )
    return templating.redirect(f"/cases/{case.id}", "Welcome to the case.", "success")
