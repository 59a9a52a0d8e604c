"""Request and response shapes for initiatives and their imports."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from aseancyber.access.policy import Tlp
from aseancyber.community.schemas import Iso2, NoNul, RecordId, WebAddress
from aseancyber.initiatives.models import AudienceKind, InitiativeStatus, StatementClause, Theme

Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NoNul
]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000), NoNul]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), NoNul]
Programme = Annotated[str, StringConstraints(strip_whitespace=True, max_length=80), NoNul]


def _lower(value: object) -> object:
    return value.strip().lower().strip("()") if isinstance(value, str) else value


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


# A norm of the catalogue by letter (g) or one of its practical actions by code (g.3).
NormLetter = Annotated[
    str, BeforeValidator(_lower), StringConstraints(pattern=r"^[a-k](\.[0-9]{1,3})?$")
]
Currency = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^([A-Z]{3})?$")]
MAX_LIST = 50
MAX_AUDIENCE = 500


class WriteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Content(WriteRequest):
    summary: LongText = ""
    aims: LongText = ""
    activities: LongText = ""
    status: InitiativeStatus = InitiativeStatus.PLANNED
    start_on: date | None = None
    end_on: date | None = None
    pillar: Code | None = Field(default=None, description="Pillar code: APSC, AEC or ASCC.")
    sectoral_body: Code | None = Field(default=None, description="Sectoral body code, e.g. ADGMIN.")
    programme: Programme = Field(default="", description="ACCP, ASCCE, AJCCBC, ...")
    beneficiary_states: list[Iso2] = Field(default_factory=list, max_length=MAX_LIST)
    other_beneficiaries: list[Name] = Field(
        default_factory=list,
        max_length=MAX_LIST,
        description="Beneficiaries outside ASEAN: dialogue partners, other countries, regions.",
    )
    themes: list[Theme] = Field(default_factory=list, max_length=10)
    target_audience: list[AudienceKind] = Field(default_factory=list, max_length=10)
    norms: list[NormLetter] = Field(
        default_factory=list,
        max_length=60,
        description="Norms of the catalogue by letter (a-k) or practical actions by code (g.3).",
    )
    statement_clauses: list[StatementClause] = Field(default_factory=list, max_length=10)
    funders: list[Name] = Field(default_factory=list, max_length=MAX_LIST)
    implementers: list[Name] = Field(default_factory=list, max_length=MAX_LIST)
    partners: list[Name] = Field(default_factory=list, max_length=MAX_LIST)
    budget_amount: Decimal | None = Field(default=None, ge=0, max_digits=16, decimal_places=2)
    budget_currency: Currency = ""
    source_link: WebAddress = ""
    green_includes_external: bool = Field(
        default=False, description="TLP:GREEN only: let external parties see it as well."
    )
    audience_organisation_ids: list[RecordId] = Field(default_factory=list, max_length=MAX_AUDIENCE)
    audience_user_ids: list[RecordId] = Field(default_factory=list, max_length=MAX_AUDIENCE)


class InitiativeCreate(_Content):
    title: Title
    tlp: Tlp = Tlp.GREEN


class InitiativeUpdate(WriteRequest):
    """A partial update; ``version`` is the one the editor loaded. Lists replace whole lists."""

    version: int = Field(ge=1)
    title: Title | None = None
    tlp: Tlp | None = None
    summary: LongText | None = None
    aims: LongText | None = None
    activities: LongText | None = None
    status: InitiativeStatus | None = None
    start_on: date | None = None
    end_on: date | None = None
    pillar: Code | None = None
    sectoral_body: Code | None = None
    programme: Programme | None = None
    beneficiary_states: list[Iso2] | None = Field(default=None, max_length=MAX_LIST)
    other_beneficiaries: list[Name] | None = Field(default=None, max_length=MAX_LIST)
    themes: list[Theme] | None = Field(default=None, max_length=10)
    target_audience: list[AudienceKind] | None = Field(default=None, max_length=10)
    norms: list[NormLetter] | None = Field(default=None, max_length=60)
    statement_clauses: list[StatementClause] | None = Field(default=None, max_length=10)
    funders: list[Name] | None = Field(default=None, max_length=MAX_LIST)
    implementers: list[Name] | None = Field(default=None, max_length=MAX_LIST)
    partners: list[Name] | None = Field(default=None, max_length=MAX_LIST)
    budget_amount: Decimal | None = Field(default=None, ge=0, max_digits=16, decimal_places=2)
    budget_currency: Currency | None = None
    source_link: WebAddress | None = None
    green_includes_external: bool | None = None
    audience_organisation_ids: list[RecordId] | None = Field(default=None, max_length=MAX_AUDIENCE)
    audience_user_ids: list[RecordId] | None = Field(default=None, max_length=MAX_AUDIENCE)


class InitiativeListItem(BaseModel):
    id: str
    title: str
    summary: str
    status: InitiativeStatus
    start_on: date | None
    end_on: date | None
    pillar: str | None
    sectoral_body: str | None
    programme: str
    beneficiary_states: list[str]
    themes: list[Theme]
    target_audience: list[AudienceKind]
    norms: list[str]
    tlp: Tlp
    owner_organisation_id: str
    owner_organisation_name: str
    created_at: datetime
    updated_at: datetime
    version: int


class InitiativeRead(InitiativeListItem):
    aims: str
    other_beneficiaries: list[str]
    activities: str
    statement_clauses: list[StatementClause]
    funders: list[str]
    implementers: list[str]
    partners: list[str]
    budget_amount: Decimal | None
    budget_currency: str
    source_link: str
    green_includes_external: bool
    created_by_id: str | None
    audience_organisation_ids: list[str]
    audience_user_ids: list[str]


class InitiativePage(BaseModel):
    items: list[InitiativeListItem]
    next_cursor: str | None


class InitiativeDetailRead(InitiativeRead):
    """One initiative as its own REST resource: also whether it was merged into another."""

    merged: bool = False  # merged into another initiative (it has left the lists)
    merged_into_id: str | None = None  # that initiative, when the reader may see it


class ImportRequest(WriteRequest):
    format: Literal["csv", "json"]
    content: Annotated[str, StringConstraints(max_length=20_000_000), NoNul]
    skip_bad_rows: bool = Field(
        default=False,
        description="Import the good rows and report the bad ones (otherwise nothing is "
        "imported unless every row is good, and every problem is listed).",
    )
    import_valid_rows: bool = Field(
        default=False, description="The former name of skip_bad_rows (either one works)."
    )
    tlp: Tlp = Tlp.GREEN


class ImportProblemRead(BaseModel):
    row: int
    field: str
    column: str = Field(description="The column as the file names it.")
    value: str = Field(description="The offending value (shortened when long).")
    problem: str


class ImportResultRead(BaseModel):
    rows: int
    valid_rows: int
    imported: int
    imported_ids: list[str]
    problems: list[ImportProblemRead]
    problems_total: int = Field(description="Every problem found (the list may be cut short).")
    overlaps_flagged: int


class ImportRunRead(BaseModel):
    """A large import queued as a background job, and how far it is."""

    id: str
    status: str = Field(description="queued, running, done or failed.")
    rows: int = Field(description="Rows in the file.")
    bad_rows: int = Field(description="Bad rows skipped (listed in problems).")
    to_store: int = Field(description="Good rows to store.")
    stored: int = Field(description="Rows stored so far.")
    percent: int
    message: str
    error: str
    resume_row: int | None = Field(
        description="After a failure midway: the first row not stored; POST to resume_url."
    )
    overlaps_flagged: int
    problems: list[ImportProblemRead]
    status_url: str
    resume_url: str | None
