"""Tables for overlaps: a detected pair of initiatives and its review, and a coordinator's
decision on a pair (whether or not detection flagged it)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aseancyber.db import Base, db_enum, id_column, utcnow
from aseancyber.initiatives.models import Initiative


class OverlapStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class OverlapDecision(StrEnum):
    MERGE = "merge"
    COORDINATE = "coordinate"
    KEEP_SEPARATE = "keep_separate"

    @property
    def label(self) -> str:
        return {"merge": "Merge", "coordinate": "Coordinate", "keep_separate": "Keep separate"}[
            self.value
        ]


class Overlap(Base):
    """A pair of initiatives that may duplicate each other, as detected, and its review.

    The pair is stored once with ``first_id < second_id``. A reader sees an overlap only
    when they may see both initiatives.
    """

    __tablename__ = "initiative_overlap"
    __table_args__ = (
        UniqueConstraint("first_id", "second_id"),
        Index("ix_initiative_overlap_status_score", "status", "score"),
    )

    id: Mapped[str] = id_column()
    first_id: Mapped[str] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), index=True
    )
    second_id: Mapped[str] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(Float)
    text_similarity: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[str] = mapped_column(Text, default="{}")  # JSON: see detection.Reasons
    status: Mapped[OverlapStatus] = mapped_column(
        db_enum(OverlapStatus, "initiative_overlap_status"), default=OverlapStatus.OPEN
    )
    decision: Mapped[OverlapDecision | None] = mapped_column(
        db_enum(OverlapDecision, "initiative_overlap_decision")
    )
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None]
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    # Set while a detection run writes its new pairs in chunks: readers do not see the row
    # until the run publishes them all at once (see
    # :mod:`aseancyber.initiatives.detection.runs`).
    pending_run_id: Mapped[str | None] = mapped_column(String(36), index=True)

    first: Mapped[Initiative] = relationship(foreign_keys=[first_id], lazy="joined")
    second: Mapped[Initiative] = relationship(foreign_keys=[second_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class PairVerdict(StrEnum):
    DUPLICATE = "duplicate"
    NOT_DUPLICATE = "not_duplicate"

    @property
    def label(self) -> str:
        return {"duplicate": "Duplicate", "not_duplicate": "Not a duplicate"}[self.value]


class PairDecision(Base):
    """A coordinator's word on a pair of initiatives, whether or not detection flagged it:
    "not a duplicate" keeps detection from proposing it again (until the texts become
    clearly more alike, see :mod:`aseancyber.initiatives.detection.feedback`); "duplicate" makes a
    missed pair an overlap. Both teach the detector (per-term weights). Stored once per
    pair with ``first_id < second_id``; a later decision replaces the earlier one.
    """

    __tablename__ = "initiative_pair_decision"
    __table_args__ = (UniqueConstraint("first_id", "second_id"),)

    id: Mapped[str] = id_column()
    first_id: Mapped[str] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), index=True
    )
    second_id: Mapped[str] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), index=True
    )
    verdict: Mapped[PairVerdict] = mapped_column(db_enum(PairVerdict, "initiative_pair_verdict"))
    text_similarity: Mapped[float] = mapped_column(Float, default=0.0)  # when decided
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
