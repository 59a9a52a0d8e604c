"""Request and response shapes for national documents."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from aseancyber.access.policy import Tlp
from aseancyber.community.documents import DocumentKind
from aseancyber.community.schemas import NoNul, RecordId, WebAddress

Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NoNul
]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000), NoNul]
Body = Annotated[str, StringConstraints(max_length=200_000), NoNul]
MAX_AUDIENCE = 500


class _Write(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DocumentCreate(_Write):
    title: Title
    kind: DocumentKind
    tlp: Tlp
    summary: Summary = ""
    body: Body = ""
    member_state_id: RecordId | None = None
    published_on: date | None = None
    link: WebAddress = ""
    green_includes_external: bool = Field(
        default=False, description="TLP:GREEN only: let external parties see it as well."
    )
    audience_organisation_ids: list[RecordId] = Field(default_factory=list, max_length=MAX_AUDIENCE)
    audience_user_ids: list[RecordId] = Field(default_factory=list, max_length=MAX_AUDIENCE)
    audience_user_emails: list[EmailStr] = Field(default_factory=list, max_length=MAX_AUDIENCE)


class DocumentUpdate(_Write):
    """A partial update; ``version`` is the one the editor loaded (optimistic concurrency).

    The audience lists, when given, replace the whole audience.
    """

    version: int = Field(ge=1)
    title: Title | None = None
    kind: DocumentKind | None = None
    tlp: Tlp | None = None
    summary: Summary | None = None
    body: Body | None = None
    member_state_id: RecordId | None = None
    published_on: date | None = None
    link: WebAddress | None = None
    green_includes_external: bool | None = None
    audience_organisation_ids: list[RecordId] | None = Field(default=None, max_length=MAX_AUDIENCE)
    audience_user_ids: list[RecordId] | None = Field(default=None, max_length=MAX_AUDIENCE)
    audience_user_emails: list[EmailStr] | None = Field(default=None, max_length=MAX_AUDIENCE)


class AudienceRead(BaseModel):
    organisation_ids: list[str]
    user_ids: list[str]


class DocumentListItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    kind: DocumentKind
    tlp: Tlp
    summary: str
    member_state_id: str | None
    member_state_iso2: str | None
    published_on: date | None
    link: str
    green_includes_external: bool
    owner_organisation_id: str
    owner_organisation_name: str
    created_at: datetime
    updated_at: datetime
    version: int


class DocumentRead(DocumentListItem):
    body: str
    created_by_id: str | None
    audience: AudienceRead


class DocumentPage(BaseModel):
    items: list[DocumentListItem]
    next_cursor: str | None
