"""Request and response shapes for common positions and dialogue-partner engagements."""

from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from aseancyber.access.policy import Tlp
from aseancyber.community.schemas import NoNul, RecordId
from aseancyber.positions.models import (
    ActionStatus,
    AdoptionBasis,
    ConfirmationKind,
    ConsensusMode,
    EngagementKind,
    PositionStatus,
    ProposalKind,
    ProposalStatus,
    ReferendumStatus,
    ResponseKind,
    SilenceStatus,
)

Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NoNul
]
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), NoNul]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000), NoNul]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000), NoNul]
Paragraph = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000), NoNul
]
ParagraphKey = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=12), NoNul
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), NoNul]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), NoNul]
MAX_PARAGRAPHS = 200
MAX_AUDIENCE = 500


class _Write(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- positions -----------------------------------------------------------------------------------


class PositionCreate(_Write):
    title: Title
    occasion: Line = ""
    summary: Summary = ""
    paragraphs: list[Paragraph] = Field(min_length=1, max_length=MAX_PARAGRAPHS)
    tlp: Tlp = Tlp.GREEN
    green_includes_external: bool = False
    deadline: datetime | None = Field(
        default=None, description="When member states are asked to have answered (aware time)."
    )
    consensus_mode: ConsensusMode = Field(
        default=ConsensusMode.SILENCE,
        description=(
            "silence: consensus is no objection (reservations do not block; a silence "
            "procedure may end the drafting); unanimous: every member state must endorse."
        ),
    )
    audience_organisation_ids: list[RecordId] = Field(default_factory=list, max_length=MAX_AUDIENCE)
    audience_user_ids: list[RecordId] = Field(default_factory=list, max_length=MAX_AUDIENCE)


class PositionUpdate(_Write):
    """A partial update of what is not the text; ``version`` is the one the editor loaded."""

    version: int = Field(ge=1)
    title: Title | None = None
    occasion: Line | None = None
    summary: Summary | None = None
    tlp: Tlp | None = None
    green_includes_external: bool | None = None
    deadline: datetime | None = None
    consensus_mode: ConsensusMode | None = None
    audience_organisation_ids: list[RecordId] | None = Field(default=None, max_length=MAX_AUDIENCE)
    audience_user_ids: list[RecordId] | None = Field(default=None, max_length=MAX_AUDIENCE)


class TextRevision(_Write):
    """A new text from the drafter: it becomes the next version if ``based_on`` is current."""

    based_on: int = Field(ge=1, description="The version number the drafter edited.")
    paragraphs: list[Paragraph] = Field(min_length=1, max_length=MAX_PARAGRAPHS)
    note: Note = ""


class CommentCreate(_Write):
    text: LongText = Field(min_length=1)
    paragraph_key: ParagraphKey | None = None


class ProposalCreate(_Write):
    kind: ProposalKind
    paragraph_key: ParagraphKey
    proposed_text: LongText = ""
    rationale: LongText = ""


class ProposalDecision(_Write):
    note: LongText = ""


class ResponseCreate(_Write):
    version_number: int = Field(ge=1, description="The version this answer is about.")
    kind: ResponseKind
    text: LongText = ""
    member_state_id: RecordId | None = Field(
        default=None, description="Optional; must be the caller's own member state."
    )


class SilenceOpen(_Write):
    """Open a silence procedure on the current version, until an aware ``deadline``."""

    version_number: int = Field(ge=1, description="The version states are asked not to object to.")
    deadline: AwareDatetime = Field(description="With its time zone, e.g. 2026-12-10T17:00+08:00.")


class AdReferendumCreate(_Write):
    """Record that the meeting adopted the current version ad referendum."""

    version_number: int = Field(ge=1)
    confirmation_deadline: AwareDatetime = Field(
        description="By when capitals confirm or withdraw, with its time zone."
    )


class ConfirmationCreate(_Write):
    """A capital confirms, or withdraws from, an adoption ad referendum (for its own state)."""

    kind: ConfirmationKind
    text: LongText = ""


class DeriveCreate(_Write):
    title: Title | None = None


class ParagraphRead(BaseModel):
    key: str
    ordinal: int
    text: str


class VersionRead(BaseModel):
    number: int
    note: str
    created_at: datetime
    created_by_name: str | None
    paragraphs: list[ParagraphRead]


class CommentRead(BaseModel):
    id: str
    version_number: int
    paragraph_key: str | None
    text: str
    author_name: str | None
    organisation_name: str
    created_at: datetime


class ProposalRead(BaseModel):
    id: str
    base_version: int
    kind: ProposalKind
    paragraph_key: str
    original_text: str
    proposed_text: str
    rationale: str
    status: ProposalStatus
    proposer_name: str | None
    organisation_name: str
    created_at: datetime
    decided_at: datetime | None
    decision_note: str
    resulting_version: int | None


class ResponseRead(BaseModel):
    member_state_id: str
    member_state_name: str
    version_number: int
    kind: ResponseKind
    text: str
    by_name: str | None
    organisation_name: str
    created_at: datetime
    counts: bool


class BoardRow(BaseModel):
    member_state_id: str
    member_state_name: str
    iso2: str
    response: ResponseRead | None
    state: str = Field(
        description="endorsed, endorsed_old_version, reservation, objection or no_response"
    )


class BoardRead(BaseModel):
    consensus_mode: ConsensusMode
    current_version: int
    states: int
    endorsed_current: int
    reservations_current: int
    objections_current: int
    not_answered_current: int = Field(description="States with no answer on the current version.")
    consensus: bool = Field(
        description="Every state has answered the current version as the mode requires."
    )
    rows: list[BoardRow]


class SilenceRead(BaseModel):
    id: str
    version_number: int
    deadline: datetime
    status: SilenceStatus
    opened_at: datetime
    opened_by_name: str | None
    closed_at: datetime | None
    broken_by_member_state_id: str | None
    broken_by_member_state_name: str | None
    broken_by_name: str | None
    broken_reason: str
    deadline_passed: bool = Field(description="The deadline has passed (outcome due or recorded).")


class ConfirmationRead(BaseModel):
    member_state_id: str
    member_state_name: str
    version_number: int
    kind: ConfirmationKind
    text: str
    by_name: str | None
    organisation_name: str
    created_at: datetime


class ReferendumRead(BaseModel):
    status: ReferendumStatus
    deadline: datetime | None
    settled_at: datetime | None
    confirmed: int
    states: int
    answers: list[ConfirmationRead]


class PositionListItem(BaseModel):
    id: str
    title: str
    occasion: str
    summary: str
    status: PositionStatus
    tlp: Tlp
    green_includes_external: bool
    current_version: int
    deadline: datetime | None
    adopted_at: datetime | None
    adopted_version: int | None
    consensus_mode: ConsensusMode
    adoption_basis: AdoptionBasis | None
    referendum_status: ReferendumStatus | None
    referendum_deadline: datetime | None
    derived_from_id: str | None
    owner_organisation_id: str
    owner_organisation_name: str
    created_at: datetime
    updated_at: datetime
    version: int


class AudienceRead(BaseModel):
    organisation_ids: list[str]
    user_ids: list[str]


class PositionRead(PositionListItem):
    created_by_id: str | None
    audience: AudienceRead
    text: VersionRead
    board: BoardRead
    silence: SilenceRead | None = Field(description="The newest silence procedure, if any.")
    reservations: list[ResponseRead] = Field(
        description="Reservations standing on the adopted (or else the current) version."
    )
    referendum: ReferendumRead | None


class PositionPage(BaseModel):
    items: list[PositionListItem]
    next_cursor: str | None


class DiffRead(BaseModel):
    from_version: int
    to_version: int
    html: str
    changes: int


# --- engagements ---------------------------------------------------------------------------------


class ParticipantIn(_Write):
    organisation_id: RecordId
    role: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), NoNul] = ""


class EngagementCreate(_Write):
    title: Title
    kind: EngagementKind
    starts_on: date
    ends_on: date | None = None
    location: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoNul] = ""
    summary: Summary = ""
    outcomes: LongText = ""
    initiative_ref: Reference = Field(
        default="", description="An initiative's id or its address on this platform."
    )
    tlp: Tlp = Tlp.AMBER
    green_includes_external: bool = False
    participants: list[ParticipantIn] = Field(default_factory=list, max_length=MAX_AUDIENCE)


class EngagementUpdate(_Write):
    version: int = Field(ge=1)
    title: Title | None = None
    kind: EngagementKind | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    location: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoNul] | None
    ) = None
    summary: Summary | None = None
    outcomes: LongText | None = None
    initiative_ref: Reference | None = None
    tlp: Tlp | None = None
    green_includes_external: bool | None = None
    participants: list[ParticipantIn] | None = Field(default=None, max_length=MAX_AUDIENCE)


class ActionCreate(_Write):
    description: LongText = Field(min_length=1)
    owner_organisation_id: RecordId
    owner_user_id: RecordId | None = None
    due_on: date


class ActionUpdate(_Write):
    status: ActionStatus


class ParticipantRead(BaseModel):
    organisation_id: str
    organisation_name: str
    kind: str
    role: str


class ActionRead(BaseModel):
    id: str
    description: str
    owner_organisation_id: str
    owner_organisation_name: str
    owner_user_id: str | None
    owner_user_name: str | None
    due_on: date
    status: ActionStatus
    completed_at: datetime | None


class EngagementListItem(BaseModel):
    id: str
    title: str
    kind: EngagementKind
    starts_on: date
    ends_on: date | None
    location: str
    summary: str
    tlp: Tlp
    green_includes_external: bool
    initiative_ref: str
    owner_organisation_id: str
    owner_organisation_name: str
    created_at: datetime
    updated_at: datetime
    version: int


class EngagementRead(EngagementListItem):
    outcomes: str
    created_by_id: str | None
    participants: list[ParticipantRead]
    actions: list[ActionRead]


class EngagementPage(BaseModel):
    items: list[EngagementListItem]
    next_cursor: str | None
