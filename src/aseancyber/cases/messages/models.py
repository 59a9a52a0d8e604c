"""Threads, messages and attachments of a case; each message is read only by its audience."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aseancyber.access.models import User
from aseancyber.db import Base, db_enum, id_column, utcnow
from aseancyber.storage import StoredFileColumns


class MessageAudience(StrEnum):
    ALL = "all"  # every participant of the case
    COORDINATORS = "coordinators"  # the coordinators only
    PARTICIPANT = "participant"  # one participant (and the coordinators)

    @property
    def label(self) -> str:
        return {
            "all": "All participants",
            "coordinators": "Coordinators only",
            "participant": "One participant and the coordinators",
        }[self.value]


class Thread(Base):
    """A conversation in a case: the case's general thread or one about a product."""

    __tablename__ = "case_thread"
    __table_args__ = (Index("ix_case_thread_case", "case_id", "created_at"),)

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("coordination_case.id", ondelete="CASCADE"))
    product_id: Mapped[str | None] = mapped_column(
        ForeignKey("case_product.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    """One message, read only by its audience inside the case."""

    __tablename__ = "case_message"
    __table_args__ = (
        Index("ix_case_message_thread", "thread_id", "created_at", "id"),
        Index("ix_case_message_case", "case_id", "created_at", "id"),
    )

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("coordination_case.id", ondelete="CASCADE"))
    thread_id: Mapped[str] = mapped_column(ForeignKey("case_thread.id", ondelete="CASCADE"))
    author_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    author_participant_id: Mapped[str | None] = mapped_column(
        ForeignKey("case_participant.id", ondelete="SET NULL")
    )
    audience: Mapped[MessageAudience] = mapped_column(db_enum(MessageAudience, "message_audience"))
    # A removed participant's private messages stay, readable by the coordinators only.
    audience_participant_id: Mapped[str | None] = mapped_column(
        ForeignKey("case_participant.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined", foreign_keys="Message.author_id")


class Attachment(StoredFileColumns, Base):
    """A file sent with a message, stored under a generated name (never the uploaded one)."""

    __tablename__ = "case_attachment"

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(
        ForeignKey("coordination_case.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[str] = mapped_column(
        ForeignKey("case_message.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
