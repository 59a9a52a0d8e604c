"""Cross-border requests between organisations of different member states: assistance
under norm (h), information, consultation, and 24/7 cybercrime preservation requests
(Budapest Convention articles 29 and 35; the fields of domain reference section 9).

A request is owned by the requesting organisation and labelled TLP:AMBER+STRICT by
default. While a draft it is the requester's alone; when sent, its audience becomes the
receiving organisation plus any named recipients, so the policy shows it to exactly the
two organisations (and those people). A label may be raised (RED: named recipients only;
the receiving organisation is always named).
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aseancyber.access.models import Organisation, User
from aseancyber.access.policy import Shareable, register_shareable
from aseancyber.db import Base, db_enum, id_column, utcnow
from aseancyber.storage import StoredFileColumns


class RequestKind(StrEnum):
    ASSISTANCE = "assistance"
    INFORMATION = "information"
    CONSULTATION = "consultation"
    PRESERVATION = "preservation"

    @property
    def label(self) -> str:
        return REQUEST_KIND_LABELS[self]


REQUEST_KIND_LABELS = {
    RequestKind.ASSISTANCE: "Request for assistance (norm h)",
    RequestKind.INFORMATION: "Request for information",
    RequestKind.CONSULTATION: "Consultation request",
    RequestKind.PRESERVATION: "24/7 cybercrime preservation request",
}


class RequestStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class PreservationOutcome(StrEnum):
    PRESERVED = "preserved"
    PARTIAL_DISCLOSURE = "partial_disclosure"
    REFUSED = "refused"


@register_shareable
class CrossBorderRequest(Shareable, Base):
    """One request from an organisation of one state to an organisation of another."""

    __tablename__ = "cross_border_request"
    __shareable_kind__ = "request"
    __table_args__ = (
        Index("ix_cross_border_request_created", "created_at", "id"),
        Index("ix_cross_border_request_status_due", "status", "ack_due_at"),
    )

    id: Mapped[str] = id_column()
    kind: Mapped[RequestKind] = mapped_column(db_enum(RequestKind, "request_kind"), index=True)
    status: Mapped[RequestStatus] = mapped_column(
        db_enum(RequestStatus, "request_status"), default=RequestStatus.DRAFT, index=True
    )
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    emergency: Mapped[bool] = mapped_column(default=False)
    receiving_organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    requesting_state_id: Mapped[str | None] = mapped_column(ForeignKey("member_state.id"))
    receiving_state_id: Mapped[str | None] = mapped_column(ForeignKey("member_state.id"))
    # 24/7 preservation (domain reference, section 9) and shared case fields.
    requesting_contact: Mapped[str] = mapped_column(String(300), default="")
    case_reference: Mapped[str] = mapped_column(String(100), default="")
    offence: Mapped[str] = mapped_column(String(300), default="")
    facts_summary: Mapped[str] = mapped_column(Text, default="")
    data_to_preserve: Mapped[str] = mapped_column(Text, default="")
    identifiers: Mapped[str] = mapped_column(Text, default="")
    custodian: Mapped[str] = mapped_column(String(300), default="")
    custodian_location: Mapped[str] = mapped_column(String(200), default="")
    urgency_reason: Mapped[str] = mapped_column(Text, default="")
    mla_will_follow: Mapped[bool] = mapped_column(default=False)
    preservation_days: Mapped[int | None]
    confidentiality: Mapped[str] = mapped_column(Text, default="")
    mla_reference: Mapped[str] = mapped_column(String(100), default="")  # the formal MLA request
    # Named people (user ids, comma-separated) who join the audience when the request is sent.
    named_user_ids: Mapped[str] = mapped_column(Text, default="")
    # The answer.
    outcome: Mapped[PreservationOutcome | None] = mapped_column(
        db_enum(PreservationOutcome, "preservation_outcome")
    )
    answer: Mapped[str] = mapped_column(Text, default="")
    refusal_grounds: Mapped[str] = mapped_column(Text, default="")
    # Timers.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None]
    ack_due_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    answer_due_at: Mapped[datetime | None]
    answer_reminded_at: Mapped[datetime | None]
    answer_escalated_at: Mapped[datetime | None]
    # The preservation period (24/7 requests answered "preserved" or "partial disclosure").
    preserved_from: Mapped[datetime | None]
    preserved_until: Mapped[datetime | None]
    renewal_prompted_at: Mapped[datetime | None]  # for the current ``preserved_until``
    version: Mapped[int] = mapped_column(default=1)

    owner_organisation: Mapped[Organisation] = relationship(
        lazy="joined", foreign_keys="CrossBorderRequest.owner_organisation_id"
    )
    receiving_organisation: Mapped[Organisation] = relationship(
        lazy="joined", foreign_keys="CrossBorderRequest.receiving_organisation_id"
    )

    __mapper_args__ = {"version_id_col": version}


class RequestMessage(Base):
    """One message in a request's thread, seen by whoever may see the request."""

    __tablename__ = "cross_border_request_message"
    __table_args__ = (Index("ix_cross_border_request_message_thread", "request_id", "position"),)

    id: Mapped[str] = id_column()
    request_id: Mapped[str] = mapped_column(
        ForeignKey("cross_border_request.id", ondelete="CASCADE")
    )
    author_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    position: Mapped[int] = mapped_column(default=1)  # 1, 2, ... within the thread
    event: Mapped[str] = mapped_column(String(40), default="message")  # or the new status
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class RequestAttachment(StoredFileColumns, Base):
    """A file sent with a request, stored under a generated name (never the uploaded one);
    whoever may see the request may download it, nobody else."""

    __tablename__ = "cross_border_request_attachment"
    __table_args__ = (
        Index("ix_cross_border_request_attachment_parent", "request_id", "created_at"),
    )

    id: Mapped[str] = id_column()
    request_id: Mapped[str] = mapped_column(
        ForeignKey("cross_border_request.id", ondelete="CASCADE")
    )
    uploaded_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EscalationDeadline(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    ANSWER = "answer"


class RequestEscalation(Base):
    """A missed deadline escalated: when, why and to whom (descriptions, not user ids), as
    both parties of the request see it."""

    __tablename__ = "cross_border_request_escalation"
    __table_args__ = (Index("ix_cross_border_request_escalation_request", "request_id", "at"),)

    id: Mapped[str] = id_column()
    request_id: Mapped[str] = mapped_column(
        ForeignKey("cross_border_request.id", ondelete="CASCADE")
    )
    deadline: Mapped[EscalationDeadline] = mapped_column(
        db_enum(EscalationDeadline, "request_escalation_deadline")
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")
    recipients: Mapped[str] = mapped_column(Text, default="")  # one description per line
    people_told: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def recipient_list(self) -> list[str]:
        return [line for line in self.recipients.splitlines() if line.strip()]
