"""Request and response shapes for cross-border requests."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from aseancyber.access.policy import Tlp
from aseancyber.community.schemas import NoNul, RecordId
from aseancyber.requests.models import (
    EscalationDeadline,
    PreservationOutcome,
    RequestKind,
    RequestStatus,
)

MAX_AUDIENCE = 100
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), NoNul]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), NoNul]
Long = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50_000), NoNul]
Subject = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NoNul
]


class _Write(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Fields(_Write):
    body: Long = ""
    emergency: bool = False
    requesting_contact: Line = ""
    case_reference: Reference = ""
    offence: Line = ""
    facts_summary: Long = ""
    data_to_preserve: Long = ""
    identifiers: Long = Field(
        default="", description="IP address with timestamp and time zone, account, URL."
    )
    custodian: Line = ""
    custodian_location: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = (
        ""
    )
    urgency_reason: Long = ""
    mla_will_follow: bool = False
    preservation_days: int | None = Field(default=None, ge=60, le=3650)
    confidentiality: Long = ""
    mla_reference: Reference = ""


class RequestCreate(_Fields):
    kind: RequestKind
    subject: Subject
    receiving_organisation_id: RecordId
    tlp: Tlp = Tlp.AMBER_STRICT
    audience_user_emails: list[EmailStr] = Field(default_factory=list, max_length=MAX_AUDIENCE)
    send: bool = Field(default=False, description="Send at once instead of keeping a draft.")


class RequestUpdate(_Write):
    """Edit a draft (or add the MLA reference later); ``version`` is the one you loaded."""

    version: int = Field(ge=1)
    subject: Subject | None = None
    body: Long | None = None
    emergency: bool | None = None
    requesting_contact: Line | None = None
    case_reference: Reference | None = None
    offence: Line | None = None
    facts_summary: Long | None = None
    data_to_preserve: Long | None = None
    identifiers: Long | None = None
    custodian: Line | None = None
    custodian_location: Line | None = None
    urgency_reason: Long | None = None
    mla_will_follow: bool | None = None
    preservation_days: int | None = Field(default=None, ge=60, le=3650)
    confidentiality: Long | None = None
    mla_reference: Reference | None = None
    tlp: Tlp | None = None


class Transition(_Write):
    """Move a request along its life; ``note`` goes into the thread."""

    status: RequestStatus
    note: Long = ""
    answer: Long = ""
    refusal_grounds: Long = ""
    outcome: PreservationOutcome | None = None


class MessageCreate(_Write):
    body: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50_000), NoNul
    ]


class MessageRead(BaseModel):
    id: str
    event: str
    body: str
    author_name: str
    organisation_name: str
    created_at: datetime


class RequestListItem(BaseModel):
    id: str
    kind: RequestKind
    status: RequestStatus
    subject: str
    emergency: bool
    tlp: Tlp
    owner_organisation_id: str
    owner_organisation_name: str
    receiving_organisation_id: str
    receiving_organisation_name: str
    created_at: datetime
    sent_at: datetime | None
    ack_due_at: datetime | None
    acknowledged_at: datetime | None
    answer_due_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    overdue: bool = Field(description="Sent and not acknowledged by its deadline.")
    answer_overdue: bool = Field(description="Not answered or refused by its answer deadline.")
    version: int


class RequestRead(RequestListItem):
    body: str
    requesting_contact: str
    case_reference: str
    offence: str
    facts_summary: str
    data_to_preserve: str
    identifiers: str
    custodian: str
    custodian_location: str
    urgency_reason: str
    mla_will_follow: bool
    preservation_days: int | None
    confidentiality: str
    mla_reference: str
    outcome: PreservationOutcome | None
    answer: str
    refusal_grounds: str
    preserved_from: datetime | None
    preserved_until: datetime | None
    renewal_due: bool = Field(description="The preservation lapses within the notice period.")
    escalations: list["EscalationRead"]
    messages: list[MessageRead]


class EscalationRead(BaseModel):
    """A missed deadline escalated: when, which deadline, why, and to whom (in words)."""

    at: datetime
    deadline: EscalationDeadline
    reason: str
    recipients: list[str]
    people_told: int


class PreservationRenewal(_Write):
    """Extend the preservation period by ``days`` from its current end (at least 60)."""

    days: int = Field(ge=60, le=3650)


class RequestPage(BaseModel):
    items: list[RequestListItem]
    next_cursor: str | None


class ResponseStats(BaseModel):
    key: str
    label: str
    requests: int
    acknowledged: int
    answered: int
    median_hours_to_acknowledge: float | None
    median_hours_to_answer: float | None


class RequestDashboard(BaseModel):
    scope: str
    by_state: list[ResponseStats]
    by_kind: list[ResponseStats]


class AttachmentRead(BaseModel):
    """A file attached to a request or to a norm assessment (its bytes at ``download``)."""

    id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    created_at: datetime
    download: str
