"""Norms of responsible State behaviour: the catalogue, practical actions, and each state's
self-assessment of every action with its full history.

A :class:`NormAssessment` is a shareable record: the state decides who may see it, and the
access policy decides, as everywhere, what each reader gets. Every saved change appends a
:class:`NormAssessmentVersion`; the history is read through the assessment's current
visibility (the state's present choice governs its whole past).
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aseancyber.access.models import MemberState
from aseancyber.access.policy import AggregateScope, Shareable, Tlp, register_shareable
from aseancyber.db import Base, db_enum, id_column, utcnow
from aseancyber.storage import StoredFileColumns


class ActionLevel(StrEnum):
    NATIONAL = "national"
    REGIONAL = "regional"


class AssessmentStatus(StrEnum):
    NOT_STARTED = "not_started"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def score(self) -> float | None:
        """How far implementation has come, 0 to 1; ``None`` when the action does not apply."""
        return STATUS_SCORES[self]


STATUS_SCORES: dict[AssessmentStatus, float | None] = {
    AssessmentStatus.NOT_STARTED: 0.0,
    AssessmentStatus.PLANNED: 1 / 3,
    AssessmentStatus.IN_PROGRESS: 2 / 3,
    AssessmentStatus.IMPLEMENTED: 1.0,
    AssessmentStatus.NOT_APPLICABLE: None,
}


def level_deltas(previous: AssessmentStatus | None, current: AssessmentStatus) -> tuple[float, int]:
    """How a change of status moves (the sum of scores, the number of scored assessments)."""
    before = previous.score if previous is not None else None
    after = current.score
    return (after or 0.0) - (before or 0.0), int(after is not None) - int(before is not None)


class Visibility(StrEnum):
    """Who the state lets see one assessment; each choice is a label plus an audience."""

    STATE = "state"  # TLP:AMBER, the state's own government organisations
    SECRETARIAT = "secretariat"  # TLP:AMBER, the state's organisations and the Secretariat
    MEMBER_STATES = "member_states"  # TLP:GREEN
    PUBLIC = "public"  # TLP:CLEAR
    CUSTOM = "custom"  # any other label and audience, set through the policy directly

    @property
    def label(self) -> str:
        return VISIBILITY_LABELS[self]

    @property
    def breadth(self) -> int:
        """How widely the choice shares: a larger number reaches more readers."""
        return list(VISIBILITY_LABELS).index(self)


VISIBILITY_LABELS = {
    Visibility.CUSTOM: "Named recipients (custom)",
    Visibility.STATE: "Our state only",
    Visibility.SECRETARIAT: "Our state and the ASEAN Secretariat",
    Visibility.MEMBER_STATES: "All member states",
    Visibility.PUBLIC: "Public",
}


class Norm(Base):
    """One of the 11 voluntary norms (a)-(k) of the UN GGE 2015 report."""

    __tablename__ = "norm"

    id: Mapped[str] = id_column()
    letter: Mapped[str] = mapped_column(String(1), unique=True)
    short_name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    actions: Mapped[list["NormAction"]] = relationship(
        back_populates="norm", order_by="NormAction.position"
    )


class NormAction(Base):
    """A practical action implementing a norm, at national or regional level."""

    __tablename__ = "norm_action"
    # The heat map maps each assessment's action to its norm from this index alone.
    __table_args__ = (Index("ix_norm_action_norm_by_id", "id", "norm_id"),)

    id: Mapped[str] = id_column()
    norm_id: Mapped[str] = mapped_column(ForeignKey("norm.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[ActionLevel] = mapped_column(db_enum(ActionLevel, "norm_action_level"))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    norm: Mapped[Norm] = relationship(back_populates="actions", lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class AssessedContent:
    """What a state says of one action: an assessment holds it now, each of its versions
    as it was saved."""

    status: Mapped[AssessmentStatus] = mapped_column(
        db_enum(AssessmentStatus, "norm_assessment_status")
    )
    evidence: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    responsible_agency: Mapped[str] = mapped_column(String(200), default="")
    assessed_on: Mapped[date]
    visibility: Mapped[Visibility] = mapped_column(
        db_enum(Visibility, "norm_assessment_visibility")
    )


@register_shareable
class NormAssessment(AssessedContent, Shareable, Base):
    """One state's self-assessment of one practical action: status, evidence, agency."""

    __tablename__ = "norm_assessment"
    __shareable_kind__ = "norm_assessment"
    __table_args__ = (
        UniqueConstraint("member_state_id", "action_id"),
        Index("ix_norm_assessment_updated_id", "updated_at", "id"),
        # Covers the heat map: its grouping columns and every column the policy reads, so
        # the regional views never touch the wide rows (evidence, links).
        Index(
            "ix_norm_assessment_visible_status",
            "member_state_id",
            "action_id",
            "status",
            "tlp",
            "owner_organisation_id",
            "created_by_id",
            "green_includes_external",
            "id",
        ),
    )

    id: Mapped[str] = id_column()
    member_state_id: Mapped[str] = mapped_column(ForeignKey("member_state.id"), index=True)
    action_id: Mapped[str] = mapped_column(ForeignKey("norm_action.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    member_state: Mapped[MemberState] = relationship(lazy="joined")
    action: Mapped[NormAction] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


# The versions that moved the regional sums (see level_deltas); the progress query filters
# on the same condition (with literal zeros) so both databases use the partial index below.
CHANGED_LEVEL = text("(level_delta != 0 OR counted_delta != 0)")


class NormAssessmentVersion(AssessedContent, Base):
    """One saved state of an assessment; the rows of one assessment are never changed."""

    __tablename__ = "norm_assessment_version"
    __table_args__ = (
        UniqueConstraint("assessment_id", "version"),
        # Covers the progress sums, and holds only the versions that changed a status: the
        # sums read a few entries per assessment, however long its history of reviews.
        Index(
            "ix_norm_assessment_version_changes",
            "assessment_id",
            "recorded_at",
            "level_delta",
            "counted_delta",
            sqlite_where=CHANGED_LEVEL,
            postgresql_where=CHANGED_LEVEL,
        ),
        # "As of" a date: the last version recorded by then, one seek per assessment.
        Index(
            "ix_norm_assessment_version_latest", "assessment_id", "recorded_at", "version", "status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("norm_assessment.id", ondelete="CASCADE"))
    version: Mapped[int]
    tlp: Mapped[Tlp] = mapped_column(db_enum(Tlp, "tlp"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    recorded_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    # What this version changed in the sums behind the regional level (see level_deltas):
    # progress over time adds these up in SQL instead of replaying every version.
    level_delta: Mapped[float] = mapped_column(Float, default=0.0)
    counted_delta: Mapped[int] = mapped_column(default=0)

    def content(self) -> dict[str, Any]:
        """The fields a diff compares."""
        return {
            "status": self.status.value,
            "evidence": self.evidence,
            "links": list(self.links),
            "responsible_agency": self.responsible_agency,
            "assessed_on": self.assessed_on.isoformat(),
            "visibility": self.visibility.value,
        }


class NormAssessmentAttachment(StoredFileColumns, Base):
    """A file of evidence for an assessment, stored under a generated name (never the uploaded
    one); whoever may see the assessment may download it, nobody else."""

    __tablename__ = "norm_assessment_attachment"
    __table_args__ = (Index("ix_norm_assessment_attachment_parent", "assessment_id", "created_at"),)

    id: Mapped[str] = id_column()
    assessment_id: Mapped[str] = mapped_column(ForeignKey("norm_assessment.id", ondelete="CASCADE"))
    uploaded_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvidenceSharing(Base):
    """A member state's choice of who may see its aggregate evidence figures (not the records),
    set by an organisation admin of one of the state's organisations; each change is audited."""

    __tablename__ = "norm_evidence_sharing"

    member_state_id: Mapped[str] = mapped_column(ForeignKey("member_state.id"), primary_key=True)
    scope: Mapped[AggregateScope] = mapped_column(
        db_enum(AggregateScope, "norm_aggregate_scope"), default=AggregateScope.NONE
    )
    updated_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    updated_by_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
