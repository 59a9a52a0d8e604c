"""Audit pages: the trail an administrator may read, and the chain check for platform admins."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from aseancyber.access import audit_trail as trail
from aseancyber.access.dependencies import CsrfChecked, DbSession, require
from aseancyber.access.permissions import Permission, has_permission
from aseancyber.access.policy import Actor
from aseancyber.audit import service
from aseancyber.audit.models import AuditEntry
from aseancyber.web import templating
from aseancyber.web.forms import FieldErrors
from aseancyber.web.pagination import Page
from aseancyber.web.paging import page_links

router = APIRouter(tags=["pages"], include_in_schema=False)
AuditReader = Annotated[Actor, Depends(require(Permission.AUDIT_READ_ORGANISATION))]
PlatformAuditor = Annotated[Actor, Depends(require(Permission.AUDIT_READ_ALL))]
PAGE_SIZE = 50


def local_day(
    value: str, time_zone: str, *, field: str, errors: FieldErrors, days_after: int = 0
) -> datetime | None:
    """Midnight starting a YYYY-MM-DD day (plus ``days_after``) in the reader's zone, in UTC."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value) + timedelta(days=days_after)
    except ValueError:
        errors[field] = "enter a date as YYYY-MM-DD"
        return None
    except OverflowError:
        errors[field] = "is out of range"
        return None
    try:
        return datetime.combine(day, time(), tzinfo=templating.zone(time_zone)).astimezone(UTC)
    except OverflowError:
        errors[field] = "is out of range"
        return None


@router.get("/audit", response_class=HTMLResponse)
def audit_trail(
    *,
    request: Request,
    db: DbSession,
    actor: AuditReader,
    action: Annotated[str, Query(max_length=80)] = "",
    record_kind: Annotated[str, Query(max_length=40)] = "",
    actor_user: Annotated[str, Query(alias="actor", max_length=254)] = "",
    date_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    cursor: str | None = None,
) -> HTMLResponse:
    """Audit entries newest first, filtered by action, record kind, actor and local dates."""
    errors: FieldErrors = {}
    since = local_day(date_from, actor.time_zone, field="from", errors=errors)
    until = local_day(date_to, actor.time_zone, field="to", errors=errors, days_after=1)
    if since is not None and until is not None and since >= until:
        errors["to"] = "must be on or after the start date"
    page: Page[AuditEntry] = Page([], None)
    if not errors:
        page = trail.list_entries(
            db,
            actor=actor,
            action=action or None,
            record_kind=record_kind or None,
            actor_user=actor_user or None,
            since=since,
            until=until,
            cursor=cursor,
            limit=PAGE_SIZE,
        )
    return templating.render(
        request,
        "audit/entries.html",
        {
            "page": page,
            "links": page_links(request, page.next_cursor),
            "names": trail.names_for(db, page.items),
            "filters": {
                "action": action,
                "record_kind": record_kind,
                "actor": actor_user,
                "from": date_from,
                "to": date_to,
            },
            "errors": errors,
            "reads_all": trail.reads_all_organisations(actor),
            "can_verify": has_permission(actor, Permission.AUDIT_READ_ALL),
        },
    )


@router.post("/audit/verify", dependencies=[CsrfChecked])
def verify_chain(db: DbSession, actor: PlatformAuditor) -> RedirectResponse:
    """Check the whole hash chain and report the result on the audit page."""
    result = service.verify(db)
    if result.ok:
        return templating.redirect(
            "/audit", f"The audit chain is intact: {result.checked} entries checked.", "success"
        )
    return templating.redirect(
        "/audit",
        f"The audit chain is broken at entry {result.first_bad_seq}: {result.problem}.",
        "error",
    )
