"""Request and response shapes for the community directory."""

from datetime import date
from typing import Annotated, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from aseancyber.access.models import OrganisationKind


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL characters; refuse them here rather than fail later.
    if "\x00" in value:
        raise ValueError("may not contain NUL characters")
    return value


NoNul = AfterValidator(_no_nul)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), NoNul
]
RecordId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=36), NoNul
]


def _web_address(value: str) -> str:
    if value and not value.startswith(("https://", "http://")):
        raise ValueError("must start with https:// or http://")
    return value


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError("is not a known IANA time zone such as Asia/Singapore") from error
    return value


def _optional_email(value: str) -> str:
    if not value:
        return value
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(f"is not a valid e-mail address: {error}") from error


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


# Codes are upper-cased before their pattern is checked, so "tl" is accepted as "TL".
Iso2 = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^[A-Z]{2}$")]
Iso3 = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^[A-Z]{3}$")]
PartnerCode = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^[A-Z]{2,3}$")]


WebAddress = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500),
    NoNul,
    AfterValidator(_web_address),
]
OptionalEmail = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_optional_email)
]
TimeZoneName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_time_zone),
]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- member states, pillars, dialogue partners ------------------------------------------------


class MemberStateRead(ResponseModel):
    id: str
    name: str
    iso2: str
    iso3: str
    accession_date: date
    time_zone: str


class MemberStateWrite(RequestModel):
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoNul
    ]
    iso2: Iso2
    iso3: Iso3
    accession_date: date
    time_zone: TimeZoneName


class PillarRead(ResponseModel):
    id: str
    code: str
    name: str


class DialoguePartnerRead(ResponseModel):
    id: str
    name: str
    code: str


class DialoguePartnerWrite(RequestModel):
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoNul
    ]
    code: PartnerCode


# --- organisations -----------------------------------------------------------------------------


class OrganisationSummary(ResponseModel):
    id: str
    name: str
    short_name: str
    kind: OrganisationKind
    member_state_iso2: str | None = None


class SectoralBodySummary(ResponseModel):
    id: str
    code: str
    name: str


class UserSummary(ResponseModel):
    id: str
    display_name: str


class OrganisationRead(ResponseModel):
    id: str
    name: str
    short_name: str
    kind: OrganisationKind
    member_state_id: str | None
    member_state_iso2: str | None
    dialogue_partner_id: str | None
    email: str
    website: str
    is_community: bool
    version: int
    sectoral_bodies: list[SectoralBodySummary]
    users: list[UserSummary] | None = Field(
        default=None, description="Only for signed-in community members; null otherwise."
    )


class OrganisationCreate(RequestModel):
    name: Name
    short_name: ShortText
    kind: OrganisationKind
    member_state_id: RecordId | None = None
    dialogue_partner_id: RecordId | None = None
    email: OptionalEmail = ""
    website: WebAddress = ""


class OrganisationUpdate(RequestModel):
    """A partial update; ``version`` is the one the editor loaded (optimistic concurrency)."""

    version: int = Field(ge=1)
    name: Name | None = None
    short_name: ShortText | None = None
    kind: OrganisationKind | None = None
    member_state_id: RecordId | None = None
    dialogue_partner_id: RecordId | None = None
    email: OptionalEmail | None = None
    website: WebAddress | None = None


KIND_LABELS = {
    OrganisationKind.NATIONAL_CYBER_AGENCY: "National cyber agency",
    OrganisationKind.NATIONAL_CERT: "National CERT / CSIRT",
    OrganisationKind.LAW_ENFORCEMENT: "Law-enforcement 24/7 unit",
    OrganisationKind.DEFENCE: "Defence",
    OrganisationKind.FOREIGN_MINISTRY: "Foreign ministry",
    OrganisationKind.SECTOR_REGULATOR: "Sector regulator",
    OrganisationKind.CI_OPERATOR: "Critical-infrastructure operator",
    OrganisationKind.VENDOR: "Vendor",
    OrganisationKind.RESEARCHER: "Researcher",
    OrganisationKind.SECRETARIAT: "ASEAN Secretariat",
    OrganisationKind.DIALOGUE_PARTNER_AGENCY: "Dialogue-partner agency",
}
KIND_OPTIONS = [(kind.value, label) for kind, label in KIND_LABELS.items()]
"""(value, label) pairs for choosing a kind of organisation in a form."""

CONTACT_FIELDS = frozenset({"email", "website"})
"""The fields an organisation admin may change on their own organisation."""


# --- sectoral bodies ---------------------------------------------------------------------------


class SectoralBodyRead(ResponseModel):
    id: str
    code: str
    name: str
    pillar: PillarRead | None
    remit: str


class SectoralBodyDetail(SectoralBodyRead):
    members: list[OrganisationSummary]


class SectoralBodyWrite(RequestModel):
    code: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), NoNul
    ]
    name: Name
    pillar_id: RecordId | None = None
    remit: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000), NoNul] = ""
    member_ids: list[RecordId] = Field(default_factory=list, max_length=1000)


class DirectoryCounts(BaseModel):
    member_states: int
    organisations: int
    sectoral_bodies: int
    dialogue_partners: int


ItemT = TypeVar("ItemT")


class ItemPage(BaseModel, Generic[ItemT]):
    """A list response: one page of items and the cursor of the next page (null at the end)."""

    items: list[ItemT]
    next_cursor: str | None = None
