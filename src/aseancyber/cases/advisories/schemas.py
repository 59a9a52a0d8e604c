"""Request and response shapes of advisories and their approvals."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from aseancyber.access.policy import Tlp
from aseancyber.cases.advisories.models import AdvisoryCategory, AdvisoryStatus
from aseancyber.cases.schemas import Text, Title, WriteRequest
from aseancyber.community.schemas import NoNul


class AdvisoryCreate(WriteRequest):
    category: AdvisoryCategory = AdvisoryCategory.SECURITY_ADVISORY
    title: Title | None = None
    summary: Text = ""
    publish_tlp: Tlp = Tlp.CLEAR


class AdvisoryRead(BaseModel):
    id: str
    case_id: str
    tracking_id: str
    category: AdvisoryCategory
    status: AdvisoryStatus
    title: str
    summary: str
    tlp: Tlp
    publish_tlp: Tlp
    revision: int
    approved_at: datetime | None
    published_at: datetime | None
    stix_collection_id: str | None = None
    version: int


class AdvisoryPage(BaseModel):
    items: list[AdvisoryRead]
    next_cursor: str | None


class AdvisoryRevise(WriteRequest):
    summary: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), NoNul
    ]


class ApprovalRead(BaseModel):
    participant_id: str
    name: str
    approved_by: str = ""
    approved_at: datetime | None = None


class ApprovalsRead(BaseModel):
    revision: int
    complete: bool
    approved: list[ApprovalRead]
    pending: list[ApprovalRead]
