"""Request and response shapes for coordination cases."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from aseancyber.access.policy import Tlp
from aseancyber.cases.messages.models import MessageAudience
from aseancyber.cases.models import (
    CaseKind,
    EmbargoResponse,
    EmbargoState,
    Involvement,
    ParticipantRole,
    ProductStatus,
    ReportState,
    Sector,
)
from aseancyber.community.schemas import NoNul, RecordId

Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NoNul
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000), NoNul]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoNul]
Long = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), NoNul]
Body = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50_000), NoNul
]
Cve = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(CVE-\d{4}-\d{4,})?$")]
Cwe = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(CWE-[1-9]\d{0,5})?$")]
WorldEvent = Literal["P", "X", "A"]
VendorEvent = Literal["V", "F", "D"]


class WriteRequest(BaseModel):
    """A request body of the cases domain: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class CaseCreate(WriteRequest):
    title: Title
    kind: CaseKind
    tlp: Tlp = Tlp.AMBER
    summary: Text = ""
    sectors: list[Sector] = Field(default_factory=list, max_length=len(Sector))
    green_includes_external: bool = Field(
        default=False, description="TLP:GREEN only: let external parties see it as well."
    )


class CaseUpdate(WriteRequest):
    """A partial update; ``version`` is the one the editor loaded (optimistic concurrency)."""

    version: int = Field(ge=1)
    title: Title | None = None
    kind: CaseKind | None = None
    tlp: Tlp | None = None
    summary: Text | None = None
    sectors: list[Sector] | None = Field(default=None, max_length=len(Sector))
    green_includes_external: bool | None = None


class ParticipantAdd(WriteRequest):
    """Invite an organisation from the directory, or a person by e-mail.

    With ``email`` only: an existing user's organisation joins (or only that person, with
    ``individual``); an unknown address needs ``organisation_id`` and gets an account
    invitation as well.
    """

    role: ParticipantRole
    organisation_id: RecordId | None = None
    email: EmailStr | None = None
    individual: bool = False
    display_name: Short = ""


class ParticipantUpdate(WriteRequest):
    version: int = Field(ge=1)
    report_state: ReportState | None = None
    involvement: Involvement | None = None
    role: ParticipantRole | None = None
    muted: bool | None = None


class VendorEventRecord(WriteRequest):
    event: VendorEvent


class WorldEventRecord(WriteRequest):
    event: WorldEvent


class EmbargoAction(WriteRequest):
    action: Literal["propose", "accept", "reject", "revise", "end"]
    ends_at: AwareDatetime | None = None
    # The coordinators' reason: needed to activate over objections or to end early.
    reason: Long = ""


class EmbargoAnswer(WriteRequest):
    response: Literal["accepted", "rejected"]
    reason: Long = ""  # required when rejecting: the coordinators need to know why


class ProductCreate(WriteRequest):
    vendor_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul
    ]
    product_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul
    ]
    version_range: Short = ""
    cpe: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(cpe:2\.3:.+)?$")] = ""
    purl: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(pkg:.+)?$")] = ""
    vendor_participant_id: RecordId | None = None


class SsvcInput(WriteRequest):
    table: Literal["coordinator_triage", "coordinator_publish", "deployer", "supplier"]
    inputs: dict[str, str]


class VulnerabilityCreate(WriteRequest):
    title: Title
    cve: Cve = ""
    cwe: Cwe = ""
    cwe_name: Short = ""
    description: Text = ""
    remediation: Text = ""
    cvss_vector: Long = ""
    ssvc: SsvcInput | None = None
    epss_score: float | None = Field(default=None, ge=0, le=1)
    epss_percentile: float | None = Field(default=None, ge=0, le=1)


class VulnerabilityUpdate(VulnerabilityCreate):
    version: int = Field(ge=1)


class StatusSet(WriteRequest):
    product_id: RecordId
    status: ProductStatus


class MessageCreate(WriteRequest):
    body: Body
    thread_id: RecordId | None = None
    product_id: RecordId | None = None
    audience: MessageAudience = MessageAudience.ALL
    audience_participant_id: RecordId | None = None


# --- responses -----------------------------------------------------------------------------------


class ParticipantRead(BaseModel):
    id: str
    organisation_id: str
    organisation_name: str
    user_id: str | None
    name: str
    role: ParticipantRole
    report_state: ReportState
    involvement: Involvement
    embargo_response: EmbargoResponse
    embargo_asked_at: datetime | None = None
    embargo_answered_at: datetime | None = None
    embargo_reason: str = ""
    vendor_aware_at: datetime | None
    fix_ready_at: datetime | None
    fix_deployed_at: datetime | None
    version: int


class EmbargoAnswerRead(BaseModel):
    participant_id: str
    name: str
    asked_at: datetime | None = None  # when the standing proposal was put to it
    answered_at: datetime | None = None
    answered_by: str = ""  # the person who answered
    reason: str = ""  # an objection's reason


class EmbargoDecisionRead(BaseModel):
    action: str
    reason: str
    ends_at: datetime | None
    objections: int
    not_answered: int
    decided_by: str  # empty when every participant accepted and it activated itself
    decided_at: datetime


class EmbargoRead(BaseModel):
    """The embargo as coordinators run it: who accepted, objected, has not answered."""

    state: EmbargoState
    ends_at: datetime | None
    proposed_ends_at: datetime | None
    accepted: int
    objections: list[EmbargoAnswerRead]
    not_answered: list[EmbargoAnswerRead]
    cannot_answer: list[EmbargoAnswerRead]  # no active user: never blocks
    decisions: list[EmbargoDecisionRead]  # newest first
    your_actions: list[str]  # the embargo actions the reader may take now


class ProductRead(BaseModel):
    id: str
    vendor_name: str
    product_name: str
    version_range: str
    cpe: str
    purl: str
    vendor_participant_id: str | None


class VulnerabilityRead(BaseModel):
    id: str
    title: str
    cve: str
    cwe: str
    cwe_name: str
    description: str
    remediation: str
    cvss_vector: str
    cvss_score: float | None
    cvss_severity: str
    ssvc_table: str
    ssvc_inputs: dict[str, Any]
    ssvc_decision: str
    epss_score: float | None
    epss_percentile: float | None
    product_status: dict[str, ProductStatus]  # for the products listed with the case
    status_counts: dict[str, int]  # over all the case's products
    version: int


class ThreadRead(BaseModel):
    id: str
    title: str
    product_id: str | None
    message_count: int  # counted up to 100
    more_messages: bool  # more than message_count


class CaseListItem(BaseModel):
    id: str
    reference: str
    title: str
    kind: CaseKind
    tlp: Tlp
    summary: str
    sectors: list[str]
    embargo_state: EmbargoState
    embargo_ends_at: datetime | None
    public_at: datetime | None
    exploit_at: datetime | None
    attacks_at: datetime | None
    owner_organisation_id: str
    owner_organisation_name: str
    created_at: datetime
    updated_at: datetime
    version: int


class CaseRead(CaseListItem):
    embargo_proposed_ends_at: datetime | None
    your_participant_ids: list[str]
    you_coordinate: bool
    participant_count: int
    participant_summary: dict[str, dict[str, int]]
    participants: list[ParticipantRead]  # the first page, and the reader's own seats
    participants_next_cursor: str | None
    products_total: int
    products: list[ProductRead]  # the first page, and the reader's own products
    products_next_cursor: str | None
    vulnerabilities: list[VulnerabilityRead]
    threads: list[ThreadRead]  # the first ten
    threads_total: int


class ThreadPage(BaseModel):
    items: list[ThreadRead]
    next_cursor: str | None


class ParticipantPage(BaseModel):
    items: list[ParticipantRead]
    next_cursor: str | None


class ProductPage(BaseModel):
    items: list[ProductRead]
    next_cursor: str | None


class CasePage(BaseModel):
    items: list[CaseListItem]
    next_cursor: str | None


class AttachmentRead(BaseModel):
    id: str
    filename: str
    media_type: str
    size: int
    sha256: str


class MessageRead(BaseModel):
    id: str
    thread_id: str
    author_name: str
    audience: MessageAudience
    audience_participant_id: str | None
    body: str
    created_at: datetime
    attachments: list[AttachmentRead]


class MessagePage(BaseModel):
    items: list[MessageRead]
    next_cursor: str | None


class EpssRead(BaseModel):
    cve: str
    epss: float
    percentile: float
    model_version: str
    score_date: str
