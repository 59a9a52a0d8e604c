"""Notifications and e-mail: queued in the caller's transaction, delivered by jobs.

Whoever calls :func:`notify` decides who is told, and must pass only users who may see the
record the notification is about (through ``aseancyber.access.policy``): the inbox shows
the title and body to its owner as written.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.policy import Actor
from aseancyber.db import utcnow
from aseancyber.errors import FieldProblem, Invalid, NotFound
from aseancyber.notify.models import (
    DeliveryMode,
    EmailPriority,
    EmailStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboundEmail,
    priority_of,
)
from aseancyber.settings import get_settings
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate

PREFERENCES_PATH = "/notifications/preferences"

CONFIGURABLE_KINDS: tuple[NotificationKind, ...] = tuple(
    kind for kind in NotificationKind if kind is not NotificationKind.DIGEST
)
"""The kinds a user chooses a delivery mode for (the digest itself is not one of them)."""

MANDATORY_KINDS = frozenset({NotificationKind.SECURITY})
"""Kinds whose e-mail cannot be turned off: they warn of someone else using the account."""


DIGEST_DELAY = timedelta(minutes=5)
"""How long a digest e-mail (a person's new messages in one case) gathers entries before it
is due: "immediately" for case messages means within this delay, in one e-mail."""

DIGEST_MAX_ENTRIES = 50
"""Entries written out in one digest e-mail; later ones are counted, and read in the inbox."""


@dataclass(frozen=True)
class Digest:
    """Where a notification's e-mail is gathered: ``key`` names the topic (e.g. one case),
    ``subject`` is the digest e-mail's subject."""

    key: str
    subject: str


def _one_line(subject: str) -> str:
    return " ".join(subject.split())[:300]


def queue_email(
    db: Session,
    *,
    to: str,
    subject: str,
    body: str,
    priority: EmailPriority = EmailPriority.NORMAL,
) -> OutboundEmail:
    """Queue one plain-text e-mail; it is sent after the transaction commits, with retries."""
    email = OutboundEmail(
        to_address=to.strip(), subject=_one_line(subject), body=body, priority=priority.value
    )
    db.add(email)
    db.flush()
    return email


def _open_digest(key: str) -> ColumnElement[bool]:
    return and_(
        OutboundEmail.digest_key == key,
        OutboundEmail.status == EmailStatus.QUEUED,
        OutboundEmail.attempts == 0,  # not yet claimed by the mailer
    )


def queue_digest_entry(
    db: Session,
    *,
    to: str,
    key: str,
    subject: str,
    entry: str,
    priority: EmailPriority = EmailPriority.BULK,
) -> None:
    """Add one entry to the open digest e-mail for ``key``, or queue a new one due after
    :data:`DIGEST_DELAY`; at most one digest per key is open at a time."""
    addition = entry.rstrip("\n") + "\n\n"
    for _ in range(3):
        # One UPDATE appends in the database, so concurrent writers lose no entry; a
        # digest the mailer has claimed (attempts > 0) no longer matches.
        appended = db.execute(
            update(OutboundEmail)
            .where(_open_digest(key))
            .values(
                body=case(
                    (
                        OutboundEmail.digest_items < DIGEST_MAX_ENTRIES,
                        OutboundEmail.body + addition,
                    ),
                    else_=OutboundEmail.body,
                ),
                digest_items=OutboundEmail.digest_items + 1,
            ),
            execution_options={"synchronize_session": False},
        )
        if getattr(appended, "rowcount", 0) == 1:
            return
        try:
            with db.begin_nested():
                db.add(
                    OutboundEmail(
                        to_address=to.strip(),
                        subject=_one_line(subject),
                        body=addition,
                        priority=priority.value,
                        digest_key=key,
                        digest_items=1,
                        next_attempt_at=utcnow() + DIGEST_DELAY,
                    )
                )
            return
        except IntegrityError:  # another transaction opened this digest first: append to it
            continue
    raise RuntimeError(f"could not queue the digest entry for {key}")


def absolute_url(link: str) -> str:
    """The platform's public address for an in-platform path such as ``/inbox``."""
    return get_settings().base_url.rstrip("/") + link


def _check_link(link: str) -> str:
    # Links are in-platform paths only: never another site, never a javascript: URL.
    if link and (not link.startswith("/") or link.startswith("//")):
        raise Invalid("must be a path on this platform, starting with '/'", "link")
    return link


def email_body(*, title: str, body: str, link: str) -> str:
    """The plain-text e-mail for one notification, with where to change the preference."""
    parts = [title, ""]
    if body:
        parts += [body, ""]
    if link:
        parts += [f"Open: {absolute_url(link)}", ""]
    return "\n".join(parts) + "\n" + email_footer()


def digest_entry(*, title: str, body: str, link: str) -> str:
    """One notification as an entry of a digest e-mail."""
    parts = [f"* {title}"]
    if body:
        parts.append(body[:1000] + ("..." if len(body) > 1000 else ""))
    if link:
        parts.append(f"Open: {absolute_url(link)}")
    return "\n".join(parts)


def email_footer() -> str:
    """The last lines of every e-mail: where to change what one receives."""
    return f"--\nChoose which e-mails you receive: {absolute_url(PREFERENCES_PATH)}\n"


def notify(
    db: Session,
    *,
    user_ids: Iterable[str],
    kind: NotificationKind,
    title: str,
    body: str = "",
    link: str = "",
    digest: Digest | None = None,
) -> list[Notification]:
    """Put a notification in each active user's inbox and queue e-mail by their preference.

    With ``digest`` (e.g. a case's messages), "immediately" means one digest e-mail per
    person and ``digest.key`` gathering everything within :data:`DIGEST_DELAY`.
    """
    link = _check_link(link)
    wanted = sorted(set(user_ids))
    if not wanted:
        return []
    users = db.scalars(
        select(User).where(User.id.in_(wanted), User.is_active.is_(True)).order_by(User.id)
    ).all()
    modes = dict(
        db.execute(
            select(NotificationPreference.user_id, NotificationPreference.mode).where(
                NotificationPreference.user_id.in_(wanted),
                NotificationPreference.kind == kind,
            )
        )
        .tuples()
        .all()
    )
    created = []
    for user in users:
        mode = modes.get(user.id, DeliveryMode.IMMEDIATELY)
        if kind in MANDATORY_KINDS and mode is DeliveryMode.OFF:
            mode = DeliveryMode.IMMEDIATELY
        notification = Notification(
            user_id=user.id,
            kind=kind,
            title=" ".join(title.split())[:300],
            body=body,
            link=link,
            created_at=utcnow(),
            digest_pending=mode is DeliveryMode.DAILY_DIGEST,
        )
        db.add(notification)
        created.append(notification)
        if mode is not DeliveryMode.IMMEDIATELY:
            continue
        if digest is None:
            text = email_body(title=title, body=body, link=link)
            queue_email(db, to=user.email, subject=title, body=text, priority=priority_of(kind))
        else:
            queue_digest_entry(
                db,
                to=user.email,
                key=f"{digest.key}:{user.id}",
                subject=digest.subject,
                entry=digest_entry(title=title, body=body, link=link),
                priority=priority_of(kind),
            )
    db.flush()
    return created


# --- the inbox ------------------------------------------------------------------------------


def unread_count(db: Session, *, actor: Actor) -> int:
    """How many of the actor's notifications are unread (one COUNT on the inbox index)."""
    count = db.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
    )
    return int(count or 0)


def list_for_user(
    db: Session,
    *,
    actor: Actor,
    unread_only: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Notification]:
    """One page of the actor's notifications, newest first."""
    statement = select(Notification).where(Notification.user_id == actor.user_id)
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    return paginate(
        db,
        statement,
        keys=[Notification.created_at, Notification.id],
        cursor=cursor,
        limit=limit,
        descending=True,
    )


def get_or_404(db: Session, *, actor: Actor, notification_id: str) -> Notification:
    """One of the actor's own notifications; anyone else's is not found."""
    notification = db.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == actor.user_id
        )
    )
    if notification is None:
        raise NotFound("notification")
    return notification


def mark_read(db: Session, *, actor: Actor, notification_id: str) -> Notification:
    """Mark one of the actor's notifications read (reading it twice changes nothing)."""
    notification = get_or_404(db, actor=actor, notification_id=notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.flush()
    return notification


def mark_all_read(db: Session, *, actor: Actor) -> int:
    """Mark every unread notification of the actor read; returns how many changed."""
    result = db.execute(
        update(Notification)
        .where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow()),
        execution_options={"synchronize_session": "fetch"},
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- preferences ----------------------------------------------------------------------------


def get_preferences(db: Session, *, actor: Actor) -> dict[NotificationKind, DeliveryMode]:
    """The actor's delivery mode for every configurable kind (``immediately`` unless set)."""
    chosen = dict(
        db.execute(
            select(NotificationPreference.kind, NotificationPreference.mode).where(
                NotificationPreference.user_id == actor.user_id
            )
        )
        .tuples()
        .all()
    )
    return {kind: chosen.get(kind, DeliveryMode.IMMEDIATELY) for kind in CONFIGURABLE_KINDS}


def set_preferences(
    db: Session, *, actor: Actor, modes: Mapping[NotificationKind, DeliveryMode]
) -> dict[NotificationKind, DeliveryMode]:
    """Change the actor's delivery mode for the kinds given; the others keep theirs."""
    problems = [
        FieldProblem(kind.value, "is not a kind you can choose a delivery for")
        for kind in modes
        if kind not in CONFIGURABLE_KINDS
    ] + [
        FieldProblem(kind.value, "security e-mails cannot be turned off")
        for kind, mode in modes.items()
        if kind in MANDATORY_KINDS and mode is DeliveryMode.OFF
    ]
    if problems:
        raise Invalid(problems)
    existing = {
        row.kind: row
        for row in db.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == actor.user_id)
        )
    }
    for kind, mode in modes.items():
        row = existing.get(kind)
        if row is None:
            db.add(NotificationPreference(user_id=actor.user_id, kind=kind, mode=mode))
        elif row.mode is not mode:
            row.mode = mode
    db.flush()
    return get_preferences(db, actor=actor)
