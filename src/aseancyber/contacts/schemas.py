"""Request and response shapes for points of contact and communication checks."""

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from aseancyber.access.policy import Tlp
from aseancyber.community.schemas import NoNul, OptionalEmail, RecordId, TimeZoneName
from aseancyber.contacts.models import ContactKind
from aseancyber.db import utcnow

MAX_AUDIENCE = 500
_HEX = re.compile(r"^(?:[0-9A-F]{40}|[0-9A-F]{64})$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{4,38}$")


def _fingerprint(value: str) -> str:
    """An OpenPGP v4 (40 hex digits) or v5/v6 (64 hex digits) fingerprint, spaces allowed."""
    compact = re.sub(r"[\s:]", "", value).upper().removeprefix("0X")
    if compact and not _HEX.match(compact):
        raise ValueError(
            "must be an OpenPGP fingerprint: 40 hexadecimal digits (v4) or 64 (v5/v6), "
            "spaces allowed"
        )
    return compact


def _phone(value: str) -> str:
    if value and not _PHONE.match(value):
        raise ValueError("must be a telephone number such as +65 6211 0000")
    return value


def _email_required(value: str) -> str:
    if not value:
        raise ValueError("is required")
    return value


def _not_future(value: date | None) -> date | None:
    if value is not None and value > utcnow().date():
        raise ValueError("may not be in the future")
    return value


Text200 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoNul]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul]
Fingerprint = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=120), AfterValidator(_fingerprint)
]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=40), NoNul, AfterValidator(_phone)
]
Email = Annotated[OptionalEmail, AfterValidator(_email_required)]
Language = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), NoNul
]
VerifiedOn = Annotated[date | None, AfterValidator(_not_future)]


class _Write(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactCreate(_Write):
    kind: ContactKind
    name: Name = Field(description="A person, or a function such as 'Duty officer'.")
    role: Text200 = ""
    sector: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), NoNul] = ""
    email: Email
    phone: Phone = ""
    hours: Text200 = ""
    time_zone: TimeZoneName = "UTC"
    languages: list[Language] = Field(default_factory=list, max_length=10)
    pgp_fingerprint: Fingerprint = ""
    notes: Annotated[str, StringConstraints(max_length=5000), NoNul] = ""
    last_verified_on: VerifiedOn = None
    focal_point: bool = Field(
        default=False,
        description="The state's national focal point: escalations reach it when an "
        "organisation of the state has no active administrator.",
    )
    tlp: Tlp = Field(
        default=Tlp.GREEN,
        description="Default TLP:GREEN without external parties: every member-state body.",
    )
    green_includes_external: bool = False
    audience_organisation_ids: list[RecordId] = Field(default_factory=list, max_length=MAX_AUDIENCE)
    audience_user_ids: list[RecordId] = Field(default_factory=list, max_length=MAX_AUDIENCE)


class ContactUpdate(_Write):
    """A partial update; ``version`` is the one the editor loaded (optimistic concurrency)."""

    version: int = Field(ge=1)
    kind: ContactKind | None = None
    name: Name | None = None
    role: Text200 | None = None
    sector: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), NoNul] | None
    ) = None
    email: Email | None = None
    phone: Phone | None = None
    hours: Text200 | None = None
    time_zone: TimeZoneName | None = None
    languages: list[Language] | None = Field(default=None, max_length=10)
    pgp_fingerprint: Fingerprint | None = None
    notes: Annotated[str, StringConstraints(max_length=5000), NoNul] | None = None
    last_verified_on: VerifiedOn = None
    focal_point: bool | None = None
    tlp: Tlp | None = None
    green_includes_external: bool | None = None
    audience_organisation_ids: list[RecordId] | None = Field(default=None, max_length=MAX_AUDIENCE)
    audience_user_ids: list[RecordId] | None = Field(default=None, max_length=MAX_AUDIENCE)


class ContactRead(BaseModel):
    id: str
    kind: ContactKind
    name: str
    role: str
    sector: str
    email: str
    phone: str
    hours: str
    time_zone: str
    languages: list[str]
    pgp_fingerprint: str
    notes: str
    member_state_id: str | None
    member_state_iso2: str | None
    owner_organisation_id: str
    owner_organisation_name: str
    tlp: Tlp
    green_includes_external: bool
    last_verified_on: date | None
    focal_point: bool
    needs_verification: bool
    created_at: datetime
    updated_at: datetime
    version: int


class ContactPage(BaseModel):
    items: list[ContactRead]
    next_cursor: str | None


class CheckLaunch(_Write):
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoNul] = ""
    kinds: list[ContactKind] = Field(
        default_factory=list, max_length=10, description="Empty: every kind."
    )
    states: list[Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]] = Field(
        default_factory=list, max_length=30, description="ISO alpha-2 codes; empty: every state."
    )
    everyone: bool = Field(
        default=False,
        description="Needed when kinds and states are both empty: confirms that the check "
        "goes to every contact you may see (an empty form is otherwise refused).",
    )


class GroupStats(BaseModel):
    key: str
    label: str
    asked: int
    answered: int
    median_seconds: float | None
    p90_seconds: float | None


class TargetRead(BaseModel):
    id: str
    contact_id: str
    contact_name: str
    kind: ContactKind
    member_state_iso2: str | None
    sent_at: datetime = Field(description="When the check was launched and the e-mail queued.")
    emailed_at: datetime | None = Field(
        description="When the mailer actually sent the e-mail (null while it has not)."
    )
    acknowledged_at: datetime | None
    response_seconds: int | None
    response_from: str = Field(
        description='What the response time counts from: "sent" (the e-mail was sent), '
        '"launch" (it had not been sent when the contact answered), or "" (no answer yet).'
    )
    acknowledged_via: str
    reminded_at: datetime | None
    escalated_at: datetime | None


class CheckTrendPoint(BaseModel):
    check_id: str
    title: str
    launched_at: datetime
    asked: int
    answered: int
    median_seconds: float | None


class StateResponseTimes(BaseModel):
    state: str
    asked: int
    answered: int
    median_seconds: float | None


class ResponseTimesRead(BaseModel):
    """Median response times of the recent checks (oldest first) and by state over them,
    counted from when each e-mail was sent, over the contacts the reader may see."""

    over_time: list[CheckTrendPoint]
    by_state: list[StateResponseTimes]


class CheckRead(BaseModel):
    id: str
    title: str
    status: str
    launched_at: datetime
    remind_at: datetime
    escalate_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    scope_kinds: list[str]
    scope_states: list[str]
    asked: int
    answered: int
    median_seconds: float | None
    p90_seconds: float | None


class CheckResults(CheckRead):
    by_state: list[GroupStats]
    by_kind: list[GroupStats]
    targets: list[TargetRead]


class CheckPage(BaseModel):
    items: list[CheckRead]
    next_cursor: str | None
