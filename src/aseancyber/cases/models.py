"""Coordination cases: participants, Vultron states, products, vulnerabilities.

A case is the shareable record: its audience is the organisations (and individual people)
taking part, so :func:`aseancyber.access.policy.visible_to` decides who sees it. Everything
inside a case (participants, products, vulnerabilities, threads, messages, attachments,
advisories) is reached only through a visible case; messages add their own audience inside
the case (see :mod:`aseancyber.cases.messages.service`). Messages, advisories, signatures and
EPSS scores have their tables in their sub-resource's ``models`` module.

Vultron (CERT/CC): each participant has a report state (RM); the case has an embargo
state (EM); the case state is six one-way events, V/F/D per vendor and P/X/A for the world,
stored as the time each happened and who recorded it (``None`` = not yet).
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aseancyber.access.models import Organisation, User
from aseancyber.access.policy import Shareable, register_shareable
from aseancyber.db import Base, db_enum, id_column, utcnow


class CaseKind(StrEnum):
    VULNERABILITY = "vulnerability"
    INCIDENT = "incident"


class Sector(StrEnum):
    """Critical-infrastructure sectors commonly named across ASEAN national CI lists."""

    ENERGY = "energy"
    WATER = "water"
    TRANSPORT = "transport"
    HEALTH = "health"
    FINANCE = "finance"
    TELECOMMUNICATIONS = "telecommunications"
    GOVERNMENT = "government"
    EMERGENCY_SERVICES = "emergency_services"
    FOOD = "food"
    MANUFACTURING = "manufacturing"
    MEDIA = "media"
    DEFENCE = "defence"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class EmbargoState(StrEnum):
    """Vultron EM: None -> Proposed -> Active <-> Revise -> eXited (one way to eXited)."""

    NONE = "none"
    PROPOSED = "proposed"
    ACTIVE = "active"
    REVISE = "revise"
    EXITED = "exited"


class ParticipantRole(StrEnum):
    COORDINATOR = "coordinator"
    VENDOR = "vendor"
    DEPLOYER = "deployer"  # a critical-infrastructure operator
    REPORTER = "reporter"
    OTHER_CERT = "other_cert"

    @property
    def label(self) -> str:
        return {
            "coordinator": "Coordinator",
            "vendor": "Vendor",
            "deployer": "Deployer (CI operator)",
            "reporter": "Reporter",
            "other_cert": "Other CERT",
        }[self.value]


class ReportState(StrEnum):
    """Vultron RM, from the participant's point of view."""

    RECEIVED = "received"
    INVALID = "invalid"
    VALID = "valid"
    ACCEPTED = "accepted"
    DEFERRED = "deferred"
    CLOSED = "closed"


class Involvement(StrEnum):
    """Kept apart from product status: silence is never "not affected"."""

    NOT_CONTACTED = "not_contacted"
    CONTACT_ATTEMPTED = "contact_attempted"
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DISPUTED = "disputed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class EmbargoResponse(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ProductStatus(StrEnum):
    """A product's status for one vulnerability, as CSAF 2.0 ``product_status`` names it."""

    UNDER_INVESTIGATION = "under_investigation"
    KNOWN_AFFECTED = "known_affected"
    KNOWN_NOT_AFFECTED = "known_not_affected"
    FIXED = "fixed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


@register_shareable
class Case(Shareable, Base):
    """A coordinated vulnerability or cross-border incident case."""

    __tablename__ = "coordination_case"
    __shareable_kind__ = "case"
    __table_args__ = (Index("ix_coordination_case_created_id", "created_at", "id"),)

    id: Mapped[str] = id_column()
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[CaseKind] = mapped_column(db_enum(CaseKind, "case_kind"))
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    embargo_state: Mapped[EmbargoState] = mapped_column(
        db_enum(EmbargoState, "embargo_state"), default=EmbargoState.NONE
    )
    embargo_ends_at: Mapped[datetime | None]
    embargo_proposed_ends_at: Mapped[datetime | None]  # a proposal or revision awaiting decision
    embargo_reminded_at: Mapped[datetime | None]
    public_at: Mapped[datetime | None]  # P
    public_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    exploit_at: Mapped[datetime | None]  # X
    exploit_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    attacks_at: Mapped[datetime | None]  # A
    attacks_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    owner_organisation: Mapped[Organisation] = relationship(
        lazy="joined", foreign_keys="Case.owner_organisation_id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def reference(self) -> str:
        """A short, stable reference quoted in e-mail subjects: ``[CASE-1a2b3c4d]``."""
        return f"CASE-{self.id[:8]}"

    @property
    def is_public(self) -> bool:
        return self.public_at is not None or self.exploit_at is not None

    def world_events(self) -> dict[str, datetime | None]:
        return {"P": self.public_at, "X": self.exploit_at, "A": self.attacks_at}


class Participant(Base):
    """An organisation (or one person of it) taking part in a case, with its Vultron states."""

    __tablename__ = "case_participant"
    __table_args__ = (
        UniqueConstraint("case_id", "organisation_id", "user_id"),
        Index("ix_case_participant_case_role", "case_id", "role"),
    )

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("coordination_case.id", ondelete="CASCADE"))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    # Set when one person, not the whole organisation, takes part (e.g. a researcher).
    user_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    role: Mapped[ParticipantRole] = mapped_column(db_enum(ParticipantRole, "participant_role"))
    report_state: Mapped[ReportState] = mapped_column(
        db_enum(ReportState, "report_state"), default=ReportState.RECEIVED
    )
    involvement: Mapped[Involvement] = mapped_column(
        db_enum(Involvement, "involvement"), default=Involvement.NOT_CONTACTED
    )
    embargo_response: Mapped[EmbargoResponse] = mapped_column(
        db_enum(EmbargoResponse, "embargo_response"), default=EmbargoResponse.PENDING
    )
    # When the current proposal (or revision) was put to this participant; with no answer
    # yet it is shown as "not answered since ..." and never holds the embargo.
    embargo_asked_at: Mapped[datetime | None]
    embargo_answered_at: Mapped[datetime | None]
    embargo_answered_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    embargo_reason: Mapped[str] = mapped_column(Text, default="")  # why it was rejected
    vendor_aware_at: Mapped[datetime | None]  # V
    vendor_aware_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    fix_ready_at: Mapped[datetime | None]  # F
    fix_ready_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    fix_deployed_at: Mapped[datetime | None]  # D
    fix_deployed_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    invited_email: Mapped[str] = mapped_column(String(254), default="")
    muted: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(lazy="joined", foreign_keys="Participant.user_id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def name(self) -> str:
        if self.user is not None:
            return f"{self.user.display_name} ({self.organisation.short_name})"
        return self.organisation.name

    def vendor_events(self) -> dict[str, datetime | None]:
        return {"V": self.vendor_aware_at, "F": self.fix_ready_at, "D": self.fix_deployed_at}


class EmbargoDecision(Base):
    """A coordinator's decision on a case's embargo, with its reason: the record VINCE keeps
    of who activated (over objections or silence), revised, dropped or ended it early."""

    __tablename__ = "case_embargo_decision"
    __table_args__ = (Index("ix_case_embargo_decision_case", "case_id", "decided_at"),)

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("coordination_case.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(20))  # propose, accept, reject, revise, end
    reason: Mapped[str] = mapped_column(Text, default="")
    ends_at: Mapped[datetime | None]  # the end time proposed or activated
    objections: Mapped[int] = mapped_column(default=0)  # rejections standing at the decision
    not_answered: Mapped[int] = mapped_column(default=0)  # silent participants at the decision
    decided_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    decided_by: Mapped[User | None] = relationship(
        lazy="joined", foreign_keys="EmbargoDecision.decided_by_id"
    )


class Product(Base):
    """An affected (or checked) product of one vendor."""

    __tablename__ = "case_product"
    __table_args__ = (Index("ix_case_product_case", "case_id", "vendor_name", "product_name"),)

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("coordination_case.id", ondelete="CASCADE"))
    vendor_participant_id: Mapped[str | None] = mapped_column(
        ForeignKey("case_participant.id", ondelete="SET NULL"), index=True
    )
    vendor_name: Mapped[str] = mapped_column(String(200))
    product_name: Mapped[str] = mapped_column(String(200))
    version_range: Mapped[str] = mapped_column(String(200), default="")
    cpe: Mapped[str] = mapped_column(String(500), default="")
    purl: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.vendor_name, self.product_name, self.version_range) if p)


class Vulnerability(Base):
    """One vulnerability of a case, with its scores and SSVC decision (inputs kept)."""

    __tablename__ = "case_vulnerability"
    __table_args__ = (Index("ix_case_vulnerability_case", "case_id", "created_at"),)

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("coordination_case.id", ondelete="CASCADE"))
    cve: Mapped[str] = mapped_column(String(30), default="", index=True)
    cwe: Mapped[str] = mapped_column(String(20), default="")
    cwe_name: Mapped[str] = mapped_column(String(300), default="")
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    remediation: Mapped[str] = mapped_column(Text, default="")
    cvss_vector: Mapped[str] = mapped_column(String(300), default="")
    cvss_score: Mapped[float | None]
    cvss_severity: Mapped[str] = mapped_column(String(20), default="")
    ssvc_table: Mapped[str] = mapped_column(String(40), default="")
    ssvc_inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ssvc_decision: Mapped[str] = mapped_column(String(40), default="")
    epss_score: Mapped[float | None]
    epss_percentile: Mapped[float | None]
    release_date: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ProductStatusEntry(Base):
    """The status of one product for one vulnerability."""

    __tablename__ = "case_product_status"

    vulnerability_id: Mapped[str] = mapped_column(
        ForeignKey("case_vulnerability.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[str] = mapped_column(
        ForeignKey("case_product.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[str] = mapped_column(
        ForeignKey("coordination_case.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ProductStatus] = mapped_column(db_enum(ProductStatus, "product_status"))
    updated_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
