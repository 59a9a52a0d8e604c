"""Pages for communication checks: /contacts/checks (history), /contacts/checks/new,
/contacts/checks/{id} (live results), /contacts/checks/{id}/respond (the in-app task) and
/contacts/acknowledge (the page an e-mailed link opens).

The link page works without signing in: opening it shows what is being acknowledged and a
button (so a mail scanner fetching the link records nothing); pressing it spends the link.
A forged, expired, used or closed link gets a clear page and records nothing.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession, OptionalActor
from aseancyber.access.rules import Action, may
from aseancyber.community.service import list_member_states
from aseancyber.contacts import check_charts, check_results
from aseancyber.contacts import checks_service as checks
from aseancyber.contacts.models import CONTACT_KIND_LABELS, CheckStatus, ContactCheck, ContactKind
from aseancyber.contacts.schemas import CheckLaunch
from aseancyber.errors import Forbidden, Invalid
from aseancyber.web import forms, templating
from aseancyber.web.listing import PageCursor, PageLimit
from aseancyber.web.pagination import DEFAULT_LIMIT

router = APIRouter(tags=["pages"], include_in_schema=False)
REFRESH_SECONDS = 30
Token = Annotated[str, Query(max_length=2000)]


@router.get("/contacts/checks")
def list_checks(
    request: Request,
    db: DbSession,
    reader: CurrentActor,
    cursor: PageCursor = None,
) -> Response:
    """The history of communication checks."""
    page = checks.list_checks(db, cursor=cursor)
    counts = checks.history_counts(db, reader=reader, check_ids=[c.id for c in page.items])
    trends = check_charts.response_trends(db, reader=reader)
    return templating.render(
        request,
        "contacts/checks.html",
        {
            "page": page,
            "counts": counts,
            "can_launch": may(reader, Action.CREATE, ContactCheck),
            "trends": trends,
            "over_time_chart": check_charts.over_time_chart(trends.over_time),
            "by_state_chart": check_charts.by_state_chart(trends.by_state),
            "minutes": check_charts.minutes,
        },
    )


def _launch_form(
    request: Request,
    db: DbSession,
    values: dict[str, object],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return templating.render(
        request,
        "contacts/check_form.html",
        {
            "values": values,
            "errors": errors or {},
            "kind_options": [(k.value, label) for k, label in CONTACT_KIND_LABELS.items()],
            "state_options": [(s.iso2, s.name) for s in list_member_states(db)],
        },
        status_code=status_code,
    )


@router.get("/contacts/checks/new")
def new_check(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The form to launch a check (regional coordinators)."""
    if not may(actor, Action.CREATE, ContactCheck):
        raise Forbidden("communication checks are launched by regional coordinators")
    return _launch_form(request, db, {"kinds": [], "states": [], "title": ""})


@router.post("/contacts/checks/new", dependencies=[CsrfChecked])
async def launch_check(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Launch a check from the form."""
    if not may(actor, Action.CREATE, ContactCheck):
        raise Forbidden("communication checks are launched by regional coordinators")
    form = await request.form()
    values: dict[str, object] = {
        "title": forms.text(form, "title"),
        "kinds": forms.texts(form, "kinds"),
        "states": forms.texts(form, "states"),
        "everyone": forms.checked(form, "everyone"),
    }
    parsed = forms.parse(CheckLaunch, values)
    if isinstance(parsed, dict):
        return _launch_form(request, db, values, parsed, 422)
    if checks.is_everyone(parsed) and not parsed.everyone:
        # An empty form would e-mail every contact: say how many and ask first.
        return templating.render(
            request,
            "contacts/check_confirm.html",
            {"title": parsed.title, "count": checks.everyone_count(db, actor=actor)},
        )
    try:
        check = checks.launch(db, actor=actor, data=parsed)
    except Invalid as error:
        return _launch_form(request, db, values, forms.invalid_errors(error), 422)
    return templating.redirect(
        f"/contacts/checks/{check.id}",
        "The check was launched: every contact was e-mailed.",
        "success",
    )


@router.get("/contacts/checks/{check_id}")
def show_check(
    *,
    check_id: str,
    request: Request,
    db: DbSession,
    reader: CurrentActor,
    show: Annotated[str, Query(pattern="^(all|answered|unanswered)$")] = "all",
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Response:
    """The live results of a check over the contacts the reader may see."""
    check = checks.get_or_404(db, check_id=check_id)
    found = check_results.results(db, reader=reader, check=check)
    page = checks.targets(db, reader=reader, check=check, show=show, cursor=cursor, limit=limit)
    response = templating.render(
        request,
        "contacts/check_results.html",
        {
            "check": check,
            "results": found,
            "page": page,
            "show": show,
            "running": check.status is CheckStatus.RUNNING,
            "refresh_seconds": REFRESH_SECONDS,
            "can_close": may(reader, Action.EDIT, check) and check.status is CheckStatus.RUNNING,
            "is_unreachable": checks.is_unreachable,
            "kind_labels": CONTACT_KIND_LABELS,
        },
    )
    if check.status is CheckStatus.RUNNING:
        response.headers["Refresh"] = str(REFRESH_SECONDS)  # live without JavaScript
    return response


@router.post("/contacts/checks/{check_id}/close", dependencies=[CsrfChecked])
def close_check(check_id: str, db: DbSession, actor: CurrentActor) -> Response:
    """Close a running check early."""
    checks.close(db, actor=actor, check_id=check_id)
    return templating.redirect(f"/contacts/checks/{check_id}", "The check was closed.", "success")


@router.get("/contacts/checks/{check_id}/respond")
def respond(check_id: str, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The in-app task: the reader's organisation's contacts in this check."""
    check = checks.get_or_404(db, check_id=check_id)
    return templating.render(
        request,
        "contacts/respond.html",
        {
            "check": check,
            "targets": checks.respond_targets(db, actor=actor, check=check),
            "kind_labels": CONTACT_KIND_LABELS,
        },
    )


@router.post(
    "/contacts/checks/{check_id}/targets/{target_id}/acknowledge", dependencies=[CsrfChecked]
)
def acknowledge_in_app(
    check_id: str, target_id: str, db: DbSession, actor: CurrentActor
) -> Response:
    """Acknowledge for one of the reader's organisation's contacts."""
    try:
        target = checks.acknowledge_in_app(db, actor=actor, check_id=check_id, target_id=target_id)
    except Invalid as error:
        return templating.redirect(
            f"/contacts/checks/{check_id}/respond", error.problems[0].message.capitalize(), "error"
        )
    return templating.redirect(
        f"/contacts/checks/{check_id}/respond",
        f"Acknowledged for {target.contact.name}.",
        "success",
    )


def _refused(request: Request, error: Invalid) -> Response:
    return templating.render(
        request, "contacts/link_refused.html", {"detail": error.problems[0].message}, 400
    )


@router.get("/contacts/acknowledge")
def acknowledge_page(
    request: Request, db: DbSession, reader: OptionalActor, token: Token = ""
) -> Response:
    """What an e-mailed link opens: the check and a button; nothing is recorded yet."""
    try:
        target = checks.target_from_link(db, token=token)
    except Invalid as error:
        return _refused(request, error)
    return templating.render(
        request,
        "contacts/acknowledge.html",
        {"target": target, "token": token, "kind_label": CONTACT_KIND_LABELS[target.kind]},
    )


@router.post("/contacts/acknowledge", dependencies=[CsrfChecked])
async def acknowledge(request: Request, db: DbSession, reader: OptionalActor) -> Response:
    """Spend the link and record the response time."""
    form = await request.form()
    token = forms.text(form, "token")
    try:
        target = checks.acknowledge_by_link(db, token=token)
    except Invalid as error:
        return _refused(request, error)
    return templating.render(
        request,
        "contacts/acknowledged.html",
        {"target": target, "kind_label": CONTACT_KIND_LABELS[ContactKind(target.kind)]},
    )
