"""Outbound e-mail queue and spent signed links."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aseancyber.db import Base, db_enum, id_column, utcnow


class EmailStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # gave up after the configured number of attempts


class OutboundEmail(Base):
    """An e-mail waiting to be sent, or its outcome; sending never happens in a request."""

    __tablename__ = "outbound_email"
    __audited__ = False
    __table_args__ = (Index("ix_outbound_email_due", "status", "next_attempt_at"),)

    id: Mapped[str] = id_column()
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

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(40))
    used_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
