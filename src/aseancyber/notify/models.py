"""In-app notifications, delivery preferences, the outbound e-mail queue and spent signed links."""

from datetime import datetime
from enum import IntEnum, StrEnum

from sqlalchemy import Enum, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from aseancyber.db import Base, db_enum, id_column, utcnow


class NotificationKind(StrEnum):
    """What a notification is about; every domain adds its kinds here, in this one place."""

    ACCOUNT = "account"
    SECURITY = "security"
    DIGEST = "digest"  # the daily summary e-mail itself; not a preference a user sets
    SYSTEM = "system"
    CASE_INVITATION = "case_invitation"
    CASE_UPDATE = "case_update"
    CASE_MESSAGE = "case_message"
    CASE_EMBARGO = "case_embargo"
    CASE_PUBLICITY = "case_publicity"  # a case's vulnerability or an exploit became public
    CONTACT_VERIFY = "contact_verify"  # a point of contact is due for verification
    CONTACT_CHECK = "contact_check"  # a communication check awaits an acknowledgement
    REQUEST = "cross_border_request"  # a cross-border request was sent, answered or updated
    REQUEST_DEADLINE = "request_deadline"  # a request's acknowledgement is overdue
    POSITION = "position"  # common positions: versions, comments, edits, consensus
    POSITION_DEADLINE = "position_deadline"  # endorsement deadline reminders
    ENGAGEMENT_ACTION = "engagement_action"  # dialogue-partner follow-up actions and due dates
    INITIATIVE_OVERLAP = "initiative_overlap"  # another body's initiative may duplicate yours
    SHARED_WITH_YOU = "shared_with_you"  # you or your organisation is named on AMBER/RED
    SIGHTING = "sighting"  # someone sighted an indicator your organisation shared

    @property
    def description(self) -> str:
        """What the kind covers, in words for the preferences page."""
        return _KIND_DESCRIPTIONS.get(self, self.value.replace("_", " ").capitalize())


_KIND_DESCRIPTIONS = {
    NotificationKind.ACCOUNT: "Your account: invitations, profile and role changes",
    NotificationKind.SECURITY: "Security: sign-ins, second factor, password and API token changes",
    NotificationKind.DIGEST: "The daily summary",
    NotificationKind.SYSTEM: "Platform announcements and maintenance",
    NotificationKind.CASE_INVITATION: "Coordination cases: invitations to take part",
    NotificationKind.CASE_UPDATE: "Coordination cases: state, product status and advisories",
    NotificationKind.CASE_MESSAGE: (
        "Coordination cases: new messages (immediately: one e-mail per case within 5 minutes)"
    ),
    NotificationKind.CASE_EMBARGO: "Coordination cases: embargo proposals, reminders and ends",
    NotificationKind.CASE_PUBLICITY: (
        "Coordination cases you coordinate: the vulnerability or an exploit became public"
    ),
    NotificationKind.INITIATIVE_OVERLAP: "Initiatives: another body may duplicate yours",
    NotificationKind.SHARED_WITH_YOU: (
        "Sharing: you or your organisation is named on a TLP:AMBER or TLP:RED record"
    ),
    NotificationKind.SIGHTING: "Sharing: someone sighted an indicator your organisation shared",
}


class DeliveryMode(StrEnum):
    """How a user wants to be e-mailed about one kind; the inbox always gets the notification."""

    IMMEDIATELY = "immediately"
    DAILY_DIGEST = "daily_digest"
    OFF = "off"


def kind_column() -> "Enum":
    # No CHECK constraint: a domain adds a kind to the enum without a migration.
    return Enum(
        NotificationKind,
        name="notification_kind",
        native_enum=False,
        create_constraint=False,
        length=40,
        values_callable=lambda members: [member.value for member in members],
    )


class Notification(Base):
    """One message in a user's inbox; callers notify only users who may see what it is about."""

    __tablename__ = "notification"
    __audited__ = False  # a user's own inbox, not a record of the shared platform
    __table_args__ = (
        Index("ix_notification_user_read", "user_id", "read_at"),
        Index("ix_notification_user_created", "user_id", "created_at"),
        Index("ix_notification_digest_pending", "digest_pending"),
    )

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(kind_column())
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # Waiting for the user's next daily digest e-mail.
    digest_pending: Mapped[bool] = mapped_column(default=False)


class NotificationPreference(Base):
    """A user's choice of e-mail delivery for one kind; no row means ``immediately``."""

    __tablename__ = "notification_preference"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[NotificationKind] = mapped_column(kind_column(), primary_key=True)
    mode: Mapped[DeliveryMode] = mapped_column(db_enum(DeliveryMode, "delivery_mode"))


class EmailPriority(IntEnum):
    """The order the mailer takes queued e-mail in: lower first, then oldest first."""

    URGENT = 0  # communication checks, requests and escalations, security and account links
    NORMAL = 5
    BULK = 9  # case-message digests and the daily summary


URGENT_KINDS = frozenset(
    {
        NotificationKind.ACCOUNT,
        NotificationKind.SECURITY,
        NotificationKind.CONTACT_CHECK,
        NotificationKind.REQUEST,
        NotificationKind.REQUEST_DEADLINE,
        NotificationKind.CASE_PUBLICITY,
    }
)
"""Kinds whose e-mail goes before everything else: someone is waiting for an answer."""


def priority_of(kind: NotificationKind) -> EmailPriority:
    """The queue priority of the e-mail for a notification of ``kind``."""
    if kind in URGENT_KINDS:
        return EmailPriority.URGENT
    if kind in {NotificationKind.CASE_MESSAGE, NotificationKind.DIGEST}:
        return EmailPriority.BULK
    return EmailPriority.NORMAL


class EmailStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # gave up after the configured number of attempts


class OutboundEmail(Base):
    """An e-mail waiting to be sent, or its outcome; sending never happens in a request."""

    __tablename__ = "outbound_email"
    __audited__ = False
    __table_args__ = (
        Index("ix_outbound_email_due", "status", "next_attempt_at"),
        # The mailer's order: the most urgent due e-mail first, then the oldest.
        Index("ix_outbound_email_queue", "status", "priority", "next_attempt_at"),
        # At most one digest per key (a person in a case) still open for more messages:
        # queued and not yet claimed by the mailer.
        Index(
            "ix_outbound_email_open_digest",
            "digest_key",
            unique=True,
            sqlite_where=text("digest_key IS NOT NULL AND status = 'queued' AND attempts = 0"),
            postgresql_where=text("digest_key IS NOT NULL AND status = 'queued' AND attempts = 0"),
        ),
    )

    id: Mapped[str] = id_column()
    priority: Mapped[int] = mapped_column(default=EmailPriority.NORMAL.value)
    # Set on a digest (e.g. one person's new messages in one case): later entries are
    # appended to the queued e-mail until the mailer claims it.
    digest_key: Mapped[str | None] = mapped_column(String(120))
    digest_items: Mapped[int] = mapped_column(default=0)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[EmailStatus] = mapped_column(
        db_enum(EmailStatus, "email_status"), default=EmailStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class UsedLink(Base):
    """Single-use signed links already spent (their nonce), so a replay records nothing."""

    __tablename__ = "used_link"
    __audited__ = False
    __table_args__ = (Index("ix_used_link_expires_at", "expires_at"),)

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(40))
    used_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
