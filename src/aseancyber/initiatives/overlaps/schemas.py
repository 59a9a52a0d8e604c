"""Request and response shapes for overlaps and coordinators' pair decisions."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from aseancyber.community.schemas import NoNul, RecordId
from aseancyber.initiatives.overlaps.models import OverlapDecision, OverlapStatus, PairVerdict
from aseancyber.initiatives.schemas import WriteRequest


class ReasonsRead(BaseModel):
    shared_terms: list[str]
    shared_states: list[str]
    shared_themes: list[str]
    shared_audience: list[str]
    overlap_from: str
    overlap_to: str
    overlap_months: int
    bodies: list[str]
    different_bodies: bool
    same_programme: bool
    sentences: list[str]


class OverlapRead(BaseModel):
    id: str
    first_id: str
    first_title: str
    second_id: str
    second_title: str
    score: float
    text_similarity: float
    reasons: ReasonsRead
    status: OverlapStatus
    decision: OverlapDecision | None
    decision_reason: str
    reviewed_at: datetime | None
    detected_at: datetime
    version: int


class OverlapPage(BaseModel):
    items: list[OverlapRead]
    next_cursor: str | None


class OverlapReview(WriteRequest):
    """Confirm (with a decision) or dismiss a detected overlap."""

    version: int = Field(ge=1)
    status: Literal["confirmed", "dismissed"]
    decision: OverlapDecision | None = None
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), NoNul] = ""
    keep_id: RecordId | None = None  # with "merge": the initiative kept (default: the older)

    @model_validator(mode="after")
    def _decided(self) -> "OverlapReview":
        if self.keep_id is not None and self.decision is not OverlapDecision.MERGE:
            raise ValueError("keep_id: only a merge keeps one initiative")
        if self.status == "confirmed" and self.decision is None:
            raise ValueError("decision: confirming needs merge, coordinate or keep_separate")
        if self.status == "dismissed" and self.decision is not None:
            raise ValueError("decision: a dismissed overlap takes no decision")
        if self.decision is OverlapDecision.KEEP_SEPARATE and not self.reason:
            raise ValueError("reason: say why the two are kept separate")
        return self


class PairDecisionCreate(WriteRequest):
    """A coordinator's word on a pair: a duplicate detection missed, or not a duplicate."""

    first_id: RecordId
    second_id: RecordId
    verdict: PairVerdict
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), NoNul] = ""

    @model_validator(mode="after")
    def _two(self) -> "PairDecisionCreate":
        if self.first_id == self.second_id:
            raise ValueError("second_id: a pair needs two different initiatives")
        if self.verdict is PairVerdict.NOT_DUPLICATE and not self.reason:
            raise ValueError("reason: say why the two are not duplicates")
        return self


class PairDecisionRead(BaseModel):
    id: str
    first_id: str
    second_id: str
    verdict: PairVerdict
    text_similarity: float
    reason: str
    decided_at: datetime
    overlap_id: str | None  # the overlap the decision made or closed, if any


class BodyPairRead(BaseModel):
    first_body: str
    second_body: str
    confirmed: int
    merge: int
    coordinate: int
    keep_separate: int
