"""Inbox and notification-preference REST routes: each user reaches only their own."""

from typing import Annotated

from fastapi import APIRouter, Query

from aseancyber.access.dependencies import CurrentActor, DbSession
from aseancyber.notify import service
from aseancyber.notify.schemas import (
    MarkedRead,
    NotificationPage,
    NotificationRead,
    Preferences,
    PreferencesUpdate,
)
from aseancyber.web.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


@router.get("")
def list_notifications(
    db: DbSession,
    actor: CurrentActor,
    unread: Annotated[bool, Query(description="only unread notifications")] = False,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> NotificationPage:
    """Your notifications, newest first, with the number still unread."""
    page = service.list_for_user(db, actor=actor, unread_only=unread, cursor=cursor, limit=limit)
    return NotificationPage(
        items=[NotificationRead.of(n) for n in page.items],
        next_cursor=page.next_cursor,
        unread_count=service.unread_count(db, actor=actor),
    )


@router.post("/read-all")
def mark_all_read(db: DbSession, actor: CurrentActor) -> MarkedRead:
    """Mark all your unread notifications read."""
    return MarkedRead(marked=service.mark_all_read(db, actor=actor))


@router.get("/preferences")
def read_preferences(db: DbSession, actor: CurrentActor) -> Preferences:
    """How you are e-mailed for each kind: immediately, in a daily digest, or not at all."""
    return Preferences(preferences=service.get_preferences(db, actor=actor))


@router.put("/preferences")
def update_preferences(body: PreferencesUpdate, db: DbSession, actor: CurrentActor) -> Preferences:
    """Change the e-mail delivery of the kinds given (security e-mails cannot be turned off)."""
    modes = service.set_preferences(db, actor=actor, modes=body.preferences)
    return Preferences(preferences=modes)


@router.post("/{notification_id}/read")
def mark_read(notification_id: str, db: DbSession, actor: CurrentActor) -> NotificationRead:
    """Mark one of your notifications read; anyone else's is not found."""
    return NotificationRead.of(service.mark_read(db, actor=actor, notification_id=notification_id))
