"""Request and response shapes for norms, practical actions and assessments."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from aseancyber.access.policy import AggregateScope, Tlp
from aseancyber.community.schemas import NoNul, RecordId, WebAddress
from aseancyber.norms.models import ActionLevel, AssessmentStatus, Visibility

ActionTitle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NoNul
]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000), NoNul]
Agency = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoNul]
MAX_LINKS = 20


class _Write(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Visibilities a state chooses from; CUSTOM only arises through the policy's own labels.
ChosenVisibility = Annotated[
    Visibility,
    Field(description="state, secretariat, member_states or public"),
]


class ActionCreate(_Write):
    norm_letter: Annotated[str, StringConstraints(pattern="^[a-k]$")]
    title: ActionTitle
    description: LongText = ""
    level: ActionLevel


class ActionUpdate(_Write):
    version: int = Field(ge=1)
    title: ActionTitle | None = None
    description: LongText | None = None
    level: ActionLevel | None = None


class AssessmentCreate(_Write):
    """A state's assessment of one action; the state is the caller's own."""

    action_id: RecordId
    status: AssessmentStatus
    evidence: LongText = ""
    links: list[WebAddress] = Field(default_factory=list, max_length=MAX_LINKS)
    responsible_agency: Agency = ""
    assessed_on: date
    visibility: ChosenVisibility = Visibility.STATE


class AssessmentUpdate(_Write):
    """A partial update; ``version`` is the one the editor loaded (optimistic concurrency)."""

    version: int = Field(ge=1)
    status: AssessmentStatus | None = None
    evidence: LongText | None = None
    links: list[WebAddress] | None = Field(default=None, max_length=MAX_LINKS)
    responsible_agency: Agency | None = None
    assessed_on: date | None = None
    visibility: ChosenVisibility | None = None


class NormActionRead(BaseModel):
    id: str
    code: str
    norm_letter: str
    title: str
    description: str
    level: ActionLevel
    version: int


class NormRead(BaseModel):
    letter: str
    short_name: str
    description: str
    actions: list[NormActionRead]


class AssessmentRead(BaseModel):
    id: str
    member_state_id: str
    member_state_iso2: str
    action_id: str
    action_code: str
    action_title: str
    norm_letter: str
    status: AssessmentStatus
    evidence: str
    links: list[str]
    responsible_agency: str
    assessed_on: date
    visibility: Visibility
    tlp: Tlp
    owner_organisation_id: str
    created_at: datetime
    updated_at: datetime
    version: int


class AssessmentPage(BaseModel):
    items: list[AssessmentRead]
    next_cursor: str | None


class VersionRead(BaseModel):
    assessment_id: str
    version: int
    status: AssessmentStatus
    evidence: str
    links: list[str]
    responsible_agency: str
    assessed_on: date
    visibility: Visibility
    recorded_at: datetime


class FieldChange(BaseModel):
    field: str
    before: str | list[str] | None
    after: str | list[str] | None


class AssessmentDiff(BaseModel):
    """How one action's assessment changed between two dates (``None``: not yet recorded)."""

    assessment_id: str
    action_code: str
    action_title: str
    before_version: int | None
    after_version: int | None
    changes: list[FieldChange]


class StateDiff(BaseModel):
    member_state_iso2: str
    from_date: date
    to_date: date
    items: list[AssessmentDiff]


class EvidenceSharingUpdate(BaseModel):
    """Whom the state lets see its aggregate evidence figures (never the records)."""

    model_config = ConfigDict(extra="forbid")

    scope: AggregateScope


class EvidenceSharingRead(BaseModel):
    member_state_iso2: str
    scope: AggregateScope
    label: str
    updated_at: datetime | None
