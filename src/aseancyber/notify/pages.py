"""The inbox and the notification-preferences pages, and the header's unread count."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession
from aseancyber.access.policy import Actor
from aseancyber.errors import Invalid
from aseancyber.notify import service
from aseancyber.notify.models import DeliveryMode, NotificationKind
from aseancyber.web import forms, templating
from aseancyber.web.paging import page_links

router = APIRouter(include_in_schema=False)

MODE_LABELS = {
    DeliveryMode.IMMEDIATELY: "E-mail me at once",
    DeliveryMode.DAILY_DIGEST: "In a daily summary e-mail",
    DeliveryMode.OFF: "No e-mail (inbox only)",
}
INBOX_PAGE_SIZE = 25


def unread_count_context(request: Request) -> dict[str, Any]:
    """Template context for the header: ``unread_count`` of the signed-in reader."""
    state = request.state._state
    db: Session | None = state.get("db")
    actor: Actor | None = state.get("actor")
    if db is None or actor is None or not db.in_transaction():
        return {}
    try:
        return {"unread_count": service.unread_count(db, actor=actor)}
    except SQLAlchemyError:  # an error page must render even when the database cannot answer
        return {}


if unread_count_context not in templating.context_providers:
    templating.context_providers.append(unread_count_context)


@router.get("/inbox")
def inbox(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    unread: Annotated[bool, Query()] = False,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> HTMLResponse:
    page = service.list_for_user(
        db, actor=actor, unread_only=unread, cursor=cursor, limit=INBOX_PAGE_SIZE
    )
    context = {
        "notifications": page.items,
        "links": page_links(request, page.next_cursor),
        "unread_only": unread,
    }
    return templating.render(request, "notify/inbox.html", context)


@router.post("/inbox/read-all", dependencies=[CsrfChecked])
def mark_all_read(db: DbSession, actor: CurrentActor) -> Response:
    marked = service.mark_all_read(db, actor=actor)
    message = f"Marked {marked} notification(s) read." if marked else "Nothing was unread."
    return templating.redirect("/inbox", message)


@router.post("/inbox/{notification_id}/read", dependencies=[CsrfChecked])
def mark_read(notification_id: str, db: DbSession, actor: CurrentActor) -> Response:
    service.mark_read(db, actor=actor, notification_id=notification_id)
    return templating.redirect("/inbox")


def _preferences_page(
    request: Request,
    modes: dict[NotificationKind, DeliveryMode],
    *,
    errors: forms.FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "kinds": service.CONFIGURABLE_KINDS,
        "mandatory": service.MANDATORY_KINDS,
        "modes": modes,
        "mode_labels": MODE_LABELS,
        "errors": errors or {},
    }
    return templating.render(request, "notify/preferences.html", context, status_code=status_code)


@router.get("/notifications/preferences")
def preferences(request: Request, db: DbSession, actor: CurrentActor) -> HTMLResponse:
    return _preferences_page(request, service.get_preferences(db, actor=actor))


async def _posted_form(request: Request) -> FormData:
    return await request.form()


@router.post("/notifications/preferences", dependencies=[CsrfChecked])
def update_preferences(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    form: Annotated[FormData, Depends(_posted_form)],
) -> Response:
    chosen: dict[NotificationKind, DeliveryMode] = {}
    errors: forms.FieldErrors = {}
    for kind in service.CONFIGURABLE_KINDS:
        value = forms.text(form, kind.value)
        if not value:
            continue
        try:
            chosen[kind] = DeliveryMode(value)
        except ValueError:
            errors[kind.value] = "choose one of the options"
    if not errors:
        try:
            with db.begin_nested():
                service.set_preferences(db, actor=actor, modes=chosen)
        except Invalid as error:
            errors = forms.invalid_errors(error)
    if errors:
        current = service.get_preferences(db, actor=actor)
        return _preferences_page(request, current | chosen, errors=errors, status_code=422)
    return templating.redirect("/notifications/preferences", "Your e-mail preferences were saved.")
