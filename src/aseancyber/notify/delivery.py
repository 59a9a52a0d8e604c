"""Delivering queued e-mail over SMTP, and the daily digest: both run as background jobs.

Sending happens only here, in a worker, never inside a web request. The claim of a batch is
committed before the mail server is contacted, so no database lock is held during network
I/O; each claimed e-mail is either marked sent, or gets its error recorded and a later
attempt (doubling back-off) until ``settings.email_max_attempts``, then ``failed``.
"""

import logging
import smtplib
import ssl
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.db import utcnow
from aseancyber.jobs.service import backoff
from aseancyber.notify.models import (
    DeliveryMode,
    EmailPriority,
    EmailStatus,
    Notification,
    NotificationPreference,
    OutboundEmail,
)
from aseancyber.notify.service import (
    DIGEST_MAX_ENTRIES,
    absolute_url,
    email_body,
    email_footer,
    queue_email,
)
from aseancyber.settings import Settings, SmtpSecurity, get_settings

log = logging.getLogger(__name__)

BATCH_SIZE = 100
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=6)
DIGEST_MAX_ITEMS = 50


@dataclass(frozen=True)
class ClaimedEmail:
    """What the sender needs of one claimed e-mail, kept outside any session."""

    id: str
    to_address: str
    subject: str
    body: str
    attempts: int


def _due() -> Any:
    return and_(
        OutboundEmail.status == EmailStatus.QUEUED, OutboundEmail.next_attempt_at <= utcnow()
    )


def has_due_emails(db: Session) -> bool:
    """Whether any queued e-mail is due now (a cheap read on the queue index)."""
    return bool(db.scalar(select(exists().where(_due()))))


def _queue_order() -> tuple[Any, ...]:
    # The most urgent first (communication checks, requests, escalations), then the oldest.
    return (OutboundEmail.priority, OutboundEmail.next_attempt_at, OutboundEmail.id)


def _claimed(row: Any) -> ClaimedEmail:
    """A claimed row as sent: a digest gets its count and the footer added now."""
    id_, to_address, subject, body, attempts, digest_key, items = row
    if digest_key is not None:
        more = items - DIGEST_MAX_ENTRIES
        heading = f"{items} new notification(s):\n\n"
        tail = f"... and {more} more in your inbox.\n\n" if more > 0 else ""
        subject = f"{subject} ({items} new)" if items > 1 else subject
        body = heading + body + tail + email_footer()
    return ClaimedEmail(id_, to_address, subject, body, attempts)


def claim_due_emails(db: Session, *, limit: int = BATCH_SIZE) -> list[ClaimedEmail]:
    """Claim up to ``limit`` due e-mails, the most urgent first and then the oldest: count the
    attempt and hold them until it can retry."""
    now = utcnow()
    due = _due()
    if db.get_bind().dialect.name == "postgresql":
        ids = list(
            db.scalars(
                select(OutboundEmail.id)
                .where(due)
                .order_by(*_queue_order())
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return []
        target = OutboundEmail.id.in_(ids)
    else:  # SQLite: one UPDATE picks and claims, holding the single write lock
        target = OutboundEmail.id.in_(
            select(OutboundEmail.id).where(due).order_by(*_queue_order()).limit(limit)
        )
    # The retry time is set now too, so that if this worker dies mid-send the e-mail is
    # picked up again later rather than never.
    rows = db.execute(
        update(OutboundEmail)
        .where(target, due)
        .values(
            attempts=OutboundEmail.attempts + 1,
            next_attempt_at=now + backoff(1, base=RETRY_BASE, cap=RETRY_CAP),
        )
        .returning(
            OutboundEmail.id,
            OutboundEmail.to_address,
            OutboundEmail.subject,
            OutboundEmail.body,
            OutboundEmail.attempts,
            OutboundEmail.digest_key,
            OutboundEmail.digest_items,
            OutboundEmail.priority,
            OutboundEmail.created_at,
        ),
        execution_options={"synchronize_session": False},
    ).all()
    # RETURNING follows no ORDER BY: the batch is sent in queue order, urgent and oldest first.
    ranked = sorted(rows, key=lambda row: (row[7], row[8], row[0]))
    return [_claimed(row[:7]) for row in ranked]


def message_domain(settings: Settings) -> str:
    _, address = parseaddr(settings.mail_from)
    return address.rpartition("@")[2] or "localhost"


def build_message(email: ClaimedEmail, settings: Settings) -> EmailMessage:
    """The MIME message for one e-mail, with a stable Message-ID so a resend can be spotted."""
    _, address = parseaddr(email.to_address)
    if "@" not in address or address != email.to_address:
        raise ValueError(f"{email.to_address!r} is not one e-mail address")
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = f"<{email.id}@{message_domain(settings)}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(email.body)
    return message


def connect(settings: Settings) -> smtplib.SMTP:
    """An SMTP connection as the settings say: plain, STARTTLS or TLS, logged in if configured."""
    context = ssl.create_default_context(cafile=settings.smtp_ca_file)
    timeout = settings.smtp_timeout_seconds
    smtp: smtplib.SMTP
    if settings.smtp_security is SmtpSecurity.TLS:
        smtp = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    try:
        if settings.smtp_security is SmtpSecurity.STARTTLS:
            smtp.starttls(context=context)
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


@dataclass(frozen=True)
class Failure:
    """Why one e-mail was not sent; a permanent failure is not tried again."""

    error: str
    permanent: bool = False


def _failure(error: BaseException, *, permanent: bool = False) -> Failure:
    return Failure(f"{type(error).__name__}: {error}"[:2000], permanent)


def _refused_for_good(error: smtplib.SMTPRecipientsRefused) -> bool:
    # 5xx answers for every recipient: the address itself is refused, retrying cannot help.
    return all(code >= 500 for code, _ in error.recipients.values())


def deliver(batch: list[ClaimedEmail], settings: Settings) -> dict[str, Failure | None]:
    """Send each e-mail over one connection; returns each one's failure, or ``None`` if sent."""
    outcomes: dict[str, Failure | None] = {}
    try:
        smtp = connect(settings)
    except (OSError, smtplib.SMTPException) as error:
        return dict.fromkeys((email.id for email in batch), _failure(error))
    try:
        for email in batch:
            try:
                smtp.send_message(build_message(email, settings))
                outcomes[email.id] = None
            except smtplib.SMTPRecipientsRefused as error:
                outcomes[email.id] = _failure(error, permanent=_refused_for_good(error))
            except ValueError as error:  # a malformed address or header
                outcomes[email.id] = _failure(error, permanent=True)
            except smtplib.SMTPServerDisconnected as error:
                outcomes[email.id] = _failure(error)
                break
            except smtplib.SMTPException as error:
                outcomes[email.id] = _failure(error)
            except OSError as error:  # the connection broke
                outcomes[email.id] = _failure(error)
                break
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    unsent = Failure("not attempted: the connection to the mail server was lost")
    return {email.id: outcomes.get(email.id, unsent) for email in batch}


def record_outcomes(
    db: Session,
    *,
    batch: list[ClaimedEmail],
    outcomes: dict[str, Failure | None],
    max_attempts: int,
) -> None:
    """Mark each e-mail sent, or keep its error and schedule a retry, or give up on it."""
    now = utcnow()
    for email in batch:
        failure = outcomes[email.id]
        values: dict[str, Any]
        if failure is None:
            values = {"status": EmailStatus.SENT, "sent_at": now, "last_error": ""}
        elif failure.permanent or email.attempts >= max_attempts:
            values = {"status": EmailStatus.FAILED, "last_error": failure.error}
            log.warning("gave up e-mail %s after %d attempt(s)", email.id, email.attempts)
        else:
            retry = backoff(email.attempts, base=RETRY_BASE, cap=RETRY_CAP)
            values = {"last_error": failure.error, "next_attempt_at": now + retry}
        db.execute(
            update(OutboundEmail).where(OutboundEmail.id == email.id).values(**values),
            execution_options={"synchronize_session": False},
        )


def send_due_emails(db: Session, payload: dict[str, Any]) -> None:
    """Job handler: send the queued e-mails that are due, recording each outcome."""
    settings = get_settings()
    batch = claim_due_emails(db, limit=int(payload.get("limit", BATCH_SIZE)))
    if not batch:
        return
    db.commit()  # the claim is kept; no database lock is held while the mail server talks
    outcomes = deliver(batch, settings)
    record_outcomes(db, batch=batch, outcomes=outcomes, max_attempts=settings.email_max_attempts)


# --- the daily digest -----------------------------------------------------------------------


def _digest_body(notifications: list[Notification]) -> str:
    lines = []
    for notification in notifications[:DIGEST_MAX_ITEMS]:
        lines.append(f"* [{notification.kind.value}] {notification.title}")
        if notification.link:
            lines.append(f"  {absolute_url(notification.link)}")
    if len(notifications) > DIGEST_MAX_ITEMS:
        lines.append(f"... and {len(notifications) - DIGEST_MAX_ITEMS} more in your inbox.")
    title = f"Your daily summary: {len(notifications)} new notification(s)."
    return email_body(title=title, body="\n".join(lines), link="/inbox")


# Users (and then notification ids) named in one statement of the digest job: far below
# the parameters one statement may bind (65,535 with psycopg; 32,766 in SQLite's default
# build), which a busy day's pending notifications of every user at once went over.
DIGEST_BATCH = 1_000


def send_daily_digests(db: Session, payload: dict[str, Any]) -> None:
    """Job handler: queue one e-mail per user with the notifications waiting for a digest,
    a batch of users at a time."""
    user_ids = list(
        db.scalars(
            select(Notification.user_id)
            .where(Notification.digest_pending.is_(True))
            .distinct()
            .order_by(Notification.user_id)
        )
    )
    for start in range(0, len(user_ids), DIGEST_BATCH):
        _send_digests_to(db, user_ids[start : start + DIGEST_BATCH])


def _send_digests_to(db: Session, user_ids: list[str]) -> None:
    pending = list(
        db.scalars(
            select(Notification)
            .where(Notification.digest_pending.is_(True), Notification.user_id.in_(user_ids))
            .order_by(Notification.user_id, Notification.created_at, Notification.id)
        )
    )
    by_user: dict[str, list[Notification]] = defaultdict(list)
    for notification in pending:
        by_user[notification.user_id].append(notification)
    users = {
        user.id: user
        for user in db.scalars(select(User).where(User.id.in_(by_user), User.is_active.is_(True)))
    }
    turned_off = set(
        db.execute(
            select(NotificationPreference.user_id, NotificationPreference.kind).where(
                NotificationPreference.user_id.in_(by_user),
                NotificationPreference.mode == DeliveryMode.OFF,
            )
        )
        .tuples()
        .all()
    )
    for user_id, notifications in by_user.items():
        user = users.get(user_id)
        wanted = [n for n in notifications if (user_id, n.kind) not in turned_off]
        if user is not None and wanted:
            queue_email(
                db,
                to=user.email,
                subject=f"Daily summary: {len(wanted)} new notification(s)",
                body=_digest_body(wanted),
                priority=EmailPriority.BULK,
            )
    sent = [n.id for n in pending]  # exactly these: one arriving meanwhile waits for the next
    for start in range(0, len(sent), DIGEST_BATCH):
        db.execute(
            update(Notification)
            .where(Notification.id.in_(sent[start : start + DIGEST_BATCH]))
            .values(digest_pending=False),
            execution_options={"synchronize_session": False},
        )
