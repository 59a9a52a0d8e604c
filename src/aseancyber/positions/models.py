"""Common positions drafted by consensus, and dialogue-partner engagements.

A position's text lives in immutable versions, each a list of paragraphs; a paragraph
keeps its ``key`` from version to version while it is carried over, so comments and
proposed edits stay attached to it. Each member state answers (endorses, reserves or
objects to) one specific version; only endorsements of the current version count.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aseancyber.access.models import MemberState, Organisation, User
from aseancyber.access.policy import Shareable, register_shareable
from aseancyber.db import Base, db_enum, id_column, utcnow


class PositionStatus(StrEnum):
    DRAFTING = "drafting"
    ADOPTED = "adopted"
    WITHDRAWN = "withdrawn"


class ResponseKind(StrEnum):
    ENDORSE = "endorse"
    RESERVATION = "reservation"
    OBJECTION = "objection"

    @property
    def label(self) -> str:
        return {
            ResponseKind.ENDORSE: "Endorsed",
            ResponseKind.RESERVATION: "Reservation",
            ResponseKind.OBJECTION: "Objection",
        }[self]


class ConsensusMode(StrEnum):
    """How a position reaches consensus: ASEAN practice is "no objection" (``silence``);
    ``unanimous`` is the stricter rule that every member state endorses the same version."""

    SILENCE = "silence"
    UNANIMOUS = "unanimous"


class AdoptionBasis(StrEnum):
    """How an adopted position was adopted."""

    ENDORSEMENT = "endorsement"  # every state answered (endorsed, or reserved in silence mode)
    SILENCE = "silence"  # a silence procedure's deadline passed with no objection
    AD_REFERENDUM = "ad_referendum"  # adopted subject to confirmation by capitals


class SilenceStatus(StrEnum):
    OPEN = "open"
    BROKEN = "broken"  # a member state objected before the deadline
    PASSED = "passed"  # the deadline passed with no objection: adopted
    VOIDED = "voided"  # the position was adopted another way before the deadline


class ReferendumStatus(StrEnum):
    PENDING = "pending"  # adopted ad referendum; capitals may still withdraw
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"  # a capital withdrew: the position is being drafted again
    LAPSED = "lapsed"  # unanimous mode: not every capital confirmed by the deadline


class ConfirmationKind(StrEnum):
    CONFIRM = "confirm"
    WITHDRAW = "withdraw"


class ProposalKind(StrEnum):
    REPLACE = "replace"
    INSERT_AFTER = "insert_after"
    DELETE = "delete"


class ProposalStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@register_shareable
class Position(Shareable, Base):
    """A common position that member states draft together and adopt by consensus."""

    __tablename__ = "position"
    __shareable_kind__ = "position"
    __table_args__ = (Index("ix_position_created_id", "created_at", "id"),)

    id: Mapped[str] = id_column()
    title: Mapped[str] = mapped_column(String(300))
    occasion: Mapped[str] = mapped_column(String(300), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[PositionStatus] = mapped_column(
        db_enum(PositionStatus, "position_status"), default=PositionStatus.DRAFTING, index=True
    )
    current_version: Mapped[int] = mapped_column(default=1)
    deadline: Mapped[datetime | None]
    last_reminded_at: Mapped[datetime | None]
    adopted_at: Mapped[datetime | None]
    adopted_version: Mapped[int | None]
    consensus_mode: Mapped[ConsensusMode] = mapped_column(
        db_enum(ConsensusMode, "position_consensus_mode"), default=ConsensusMode.SILENCE
    )
    adoption_basis: Mapped[AdoptionBasis | None] = mapped_column(
        db_enum(AdoptionBasis, "position_adoption_basis")
    )
    referendum_status: Mapped[ReferendumStatus | None] = mapped_column(
        db_enum(ReferendumStatus, "position_referendum_status"), index=True
    )
    referendum_deadline: Mapped[datetime | None]
    referendum_settled_at: Mapped[datetime | None]
    derived_from_id: Mapped[str | None] = mapped_column(
        ForeignKey("position.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    owner_organisation: Mapped[Organisation] = relationship(
        lazy="joined", foreign_keys="Position.owner_organisation_id"
    )

    __mapper_args__ = {"version_id_col": version}


class PositionVersion(Base):
    """One immutable version of a position's text."""

    __tablename__ = "position_version"
    __table_args__ = (UniqueConstraint("position_id", "number"),)

    id: Mapped[str] = id_column()
    position_id: Mapped[str] = mapped_column(ForeignKey("position.id", ondelete="CASCADE"))
    number: Mapped[int]
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    paragraphs: Mapped[list["PositionParagraph"]] = relationship(
        order_by="PositionParagraph.ordinal", lazy="selectin", cascade="all, delete-orphan"
    )
    created_by: Mapped[User | None] = relationship(lazy="joined")


class PositionParagraph(Base):
    """One paragraph of one version; ``key`` follows the paragraph across versions."""

    __tablename__ = "position_paragraph"
    __table_args__ = (UniqueConstraint("version_id", "ordinal"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    version_id: Mapped[str] = mapped_column(
        ForeignKey("position_version.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int]
    key: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)


class PositionComment(Base):
    """A comment on a position, on one paragraph (by key) or on the whole text."""

    __tablename__ = "position_comment"

    id: Mapped[str] = id_column()
    position_id: Mapped[str] = mapped_column(
        ForeignKey("position.id", ondelete="CASCADE"), index=True
    )
    version_number: Mapped[int]
    paragraph_key: Mapped[str | None] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class EditProposal(Base):
    """A proposed change to one paragraph, accepted (a new version) or rejected by the drafter."""

    __tablename__ = "position_proposal"

    id: Mapped[str] = id_column()
    position_id: Mapped[str] = mapped_column(
        ForeignKey("position.id", ondelete="CASCADE"), index=True
    )
    base_version: Mapped[int]
    kind: Mapped[ProposalKind] = mapped_column(db_enum(ProposalKind, "position_proposal_kind"))
    paragraph_key: Mapped[str] = mapped_column(String(12))
    original_text: Mapped[str] = mapped_column(Text, default="")
    proposed_text: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProposalStatus] = mapped_column(
        db_enum(ProposalStatus, "position_proposal_status"), default=ProposalStatus.OPEN
    )
    proposer_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    decision_note: Mapped[str] = mapped_column(Text, default="")
    resulting_version: Mapped[int | None]

    proposer: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[proposer_id])
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class PositionResponse(Base):
    """One member state's answer to one version; the newest answer per state is the one that
    stands, and it counts toward consensus only while its version is the current one."""

    __tablename__ = "position_response"
    __table_args__ = (Index("ix_position_response_state", "position_id", "member_state_id"),)

    id: Mapped[str] = id_column()
    position_id: Mapped[str] = mapped_column(ForeignKey("position.id", ondelete="CASCADE"))
    member_state_id: Mapped[str] = mapped_column(ForeignKey("member_state.id"))
    version_number: Mapped[int]
    kind: Mapped[ResponseKind] = mapped_column(db_enum(ResponseKind, "position_response_kind"))
    text: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    seq: Mapped[int] = mapped_column(default=0)

    member_state: Mapped[MemberState] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class SilenceProcedure(Base):
    """A silence procedure on one version: states that have not objected by the deadline
    count as not objecting; one objection before the deadline breaks the silence."""

    __tablename__ = "position_silence"
    __table_args__ = (Index("ix_position_silence_due", "status", "deadline"),)

    id: Mapped[str] = id_column()
    position_id: Mapped[str] = mapped_column(
        ForeignKey("position.id", ondelete="CASCADE"), index=True
    )
    version_number: Mapped[int]
    deadline: Mapped[datetime]
    status: Mapped[SilenceStatus] = mapped_column(
        db_enum(SilenceStatus, "position_silence_status"), default=SilenceStatus.OPEN
    )
    opened_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    opened_by_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    broken_by_member_state_id: Mapped[str | None] = mapped_column(ForeignKey("member_state.id"))
    broken_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    broken_reason: Mapped[str] = mapped_column(Text, default="")

    opened_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[opened_by_id])
    broken_by_member_state: Mapped[MemberState | None] = relationship(lazy="joined")
    broken_by_user: Mapped[User | None] = relationship(
        lazy="joined", foreign_keys=[broken_by_user_id]
    )


class ReferendumAnswer(Base):
    """A capital's confirmation of, or withdrawal from, an adoption ad referendum."""

    __tablename__ = "position_referendum_answer"
    __table_args__ = (Index("ix_position_referendum_answer", "position_id", "member_state_id"),)

    id: Mapped[str] = id_column()
    position_id: Mapped[str] = mapped_column(ForeignKey("position.id", ondelete="CASCADE"))
    member_state_id: Mapped[str] = mapped_column(ForeignKey("member_state.id"))
    version_number: Mapped[int]
    kind: Mapped[ConfirmationKind] = mapped_column(
        db_enum(ConfirmationKind, "position_confirmation_kind")
    )
    text: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    member_state: Mapped[MemberState] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class ImmutableRecord(Exception):
    """Versions, their paragraphs and recorded responses are never changed once written."""


def _refuse_update(_mapper: Any, _connection: Any, target: Any) -> None:
    raise ImmutableRecord(f"{type(target).__name__} rows are immutable once written")


for _immutable in (PositionVersion, PositionParagraph, PositionResponse, ReferendumAnswer):
    event.listen(_immutable, "before_update", _refuse_update)


# --- dialogue-partner engagements ----------------------------------------------------------------


class EngagementKind(StrEnum):
    ARF_ISM = "arf_ism"
    ADMM_PLUS_EWG = "admm_plus_ewg"
    BILATERAL = "bilateral"
    ACID = "acid"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ENGAGEMENT_KIND_LABELS[self]


ENGAGEMENT_KIND_LABELS = {
    EngagementKind.ARF_ISM: "ARF Inter-Sessional Meeting on ICT Security",
    EngagementKind.ADMM_PLUS_EWG: "ADMM-Plus Experts' Working Group on Cyber Security",
    EngagementKind.BILATERAL: "Bilateral dialogue",
    EngagementKind.ACID: "ASEAN CERT Incident Drill (ACID)",
    EngagementKind.OTHER: "Other meeting or dialogue",
}


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


@register_shareable
class Engagement(Shareable, Base):
    """A meeting, dialogue or drill with dialogue partners; its audience is its participants."""

    __tablename__ = "engagement"
    __shareable_kind__ = "engagement"
    __table_args__ = (Index("ix_engagement_created_id", "created_at", "id"),)

    id: Mapped[str] = id_column()
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[EngagementKind] = mapped_column(
        db_enum(EngagementKind, "engagement_kind"), index=True
    )
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    location: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    outcomes: Mapped[str] = mapped_column(Text, default="")
    initiative_ref: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    owner_organisation: Mapped[Organisation] = relationship(
        lazy="joined", foreign_keys="Engagement.owner_organisation_id"
    )
    participants: Mapped[list["EngagementParticipant"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="EngagementParticipant.id"
    )
    actions: Mapped[list["FollowUpAction"]] = relationship(
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="(FollowUpAction.due_on, FollowUpAction.id)",
    )

    __mapper_args__ = {"version_id_col": version}


class EngagementParticipant(Base):
    """An organisation that took part (member-state body, Secretariat or dialogue partner)."""

    __tablename__ = "engagement_participant"
    __table_args__ = (UniqueConstraint("engagement_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    engagement_id: Mapped[str] = mapped_column(ForeignKey("engagement.id", ondelete="CASCADE"))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(100), default="")

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class FollowUpAction(Base):
    """Something an engagement's participants agreed to do, with an owner and a due date."""

    __tablename__ = "engagement_action"

    id: Mapped[str] = id_column()
    engagement_id: Mapped[str] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    owner_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    owner_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    due_on: Mapped[date]
    status: Mapped[ActionStatus] = mapped_column(
        db_enum(ActionStatus, "engagement_action_status"), default=ActionStatus.OPEN, index=True
    )
    completed_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner_organisation: Mapped[Organisation] = relationship(lazy="joined")
    owner_user: Mapped[User | None] = relationship(lazy="joined")
