"""Tables for initiatives: the initiative, its multi-valued facets, and the detection index.

The statement (NOTING/EMPHASISING, REAFFIRM, TASK) asks ASEAN to synergise what its sectoral
bodies and pillars do and avoid duplication; an initiative is the unit that can be compared.
Multi-valued facets (beneficiary states, themes, audience, norms, clauses, funders,
implementers, partners) live in one tag table so that every facet filters with one index.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aseancyber.access.models import Organisation
from aseancyber.access.policy import Shareable, register_shareable
from aseancyber.community.models import Pillar, SectoralBody
from aseancyber.db import Base, db_enum, id_column, utcnow
from aseancyber.initiatives.reports.models import ReportRunStatus
from aseancyber.norms.models import Norm, NormAction


class InitiativeStatus(StrEnum):
    PLANNED = "planned"
    ONGOING = "ongoing"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Theme(StrEnum):
    POLICY_STRATEGY = "policy_strategy"
    INCIDENT_CI = "incident_ci"
    CYBERCRIME = "cybercrime"
    CULTURE_SKILLS = "culture_skills"
    STANDARDS = "standards"

    @property
    def label(self) -> str:
        return THEME_LABELS[self]


THEME_LABELS = {
    Theme.POLICY_STRATEGY: "Policy and strategy",
    Theme.INCIDENT_CI: "Incident management and critical-infrastructure protection",
    Theme.CYBERCRIME: "Cybercrime",
    Theme.CULTURE_SKILLS: "Culture and skills",
    Theme.STANDARDS: "Standards",
}


class AudienceKind(StrEnum):
    DIPLOMATIC = "diplomatic"
    POLICY = "policy"
    TECHNICAL = "technical"
    LAW_ENFORCEMENT = "law_enforcement"
    JUDICIAL = "judicial"
    CI_OPERATOR = "ci_operator"

    @property
    def label(self) -> str:
        return AUDIENCE_LABELS[self]


AUDIENCE_LABELS = {
    AudienceKind.DIPLOMATIC: "Diplomatic",
    AudienceKind.POLICY: "Policy",
    AudienceKind.TECHNICAL: "Technical",
    AudienceKind.LAW_ENFORCEMENT: "Law enforcement",
    AudienceKind.JUDICIAL: "Judicial",
    AudienceKind.CI_OPERATOR: "Critical-infrastructure operator",
}


class StatementClause(StrEnum):
    """The operative and preambular clauses of the 2018 Leaders' Statement an initiative serves."""

    EMPHASISING = "emphasising"
    AFFIRMING = "affirming"
    REAFFIRM = "reaffirm"
    RECOGNISE = "recognise"
    RECOGNISE_ALSO = "recognise_also"
    TASK = "task"
    FURTHER_TASK = "further_task"

    @property
    def label(self) -> str:
        return CLAUSE_LABELS[self]


CLAUSE_LABELS = {
    StatementClause.EMPHASISING: "EMPHASISING: synergise across sectoral bodies, avoid duplication",
    StatementClause.AFFIRMING: "AFFIRMING: speak with a united voice",
    StatementClause.REAFFIRM: "REAFFIRM: cooperation on policy and capacity building",
    StatementClause.RECOGNISE: "RECOGNISE: confidence-building measures and voluntary norms",
    StatementClause.RECOGNISE_ALSO: "RECOGNISE ALSO: dialogue with partners, ARF, ADMM-Plus",
    StatementClause.TASK: "TASK: recommendations on coordinating the three pillars",
    StatementClause.FURTHER_TASK: "FURTHER TASK: norms, CI vulnerabilities, criminal use",
}

# The 11 voluntary norms of the 2015 UN GGE report are lettered (a)-(k); an initiative links
# to the norms catalogue (InitiativeNorm), the letters only name them in filters and files.
NORM_LETTERS = tuple("abcdefghijk")


class TagKind(StrEnum):
    STATE = "state"
    THEME = "theme"
    AUDIENCE = "audience"
    NORM = "norm"
    CLAUSE = "clause"
    FUNDER = "funder"
    IMPLEMENTER = "implementer"
    PARTNER = "partner"
    OTHER_BENEFICIARY = "other_beneficiary"  # outside ASEAN: a dialogue partner, a region


class InitiativeTag(Base):
    """One value of one multi-valued facet of an initiative (a state, a theme, a funder...)."""

    __tablename__ = "initiative_tag"
    __table_args__ = (
        Index("ix_initiative_tag_kind_value", "kind", "value"),
        Index("ix_initiative_tag_initiative", "initiative_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    initiative_id: Mapped[str] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"))
    kind: Mapped[TagKind] = mapped_column(db_enum(TagKind, "initiative_tag_kind"))
    value: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)


class InitiativeNorm(Base):
    """A norm of the norms catalogue an initiative addresses, optionally one of the norm's
    practical actions in particular."""

    __tablename__ = "initiative_norm"
    __table_args__ = (
        UniqueConstraint("initiative_id", "norm_id", "action_id"),
        Index("ix_initiative_norm_norm", "norm_id", "initiative_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    initiative_id: Mapped[str] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), index=True
    )
    norm_id: Mapped[str] = mapped_column(ForeignKey("norm.id"))
    action_id: Mapped[str | None] = mapped_column(ForeignKey("norm_action.id", ondelete="CASCADE"))

    norm: Mapped[Norm] = relationship(lazy="joined")
    action: Mapped[NormAction | None] = relationship(lazy="joined")


@register_shareable
class Initiative(Shareable, Base):
    """A cooperation or capacity-building initiative of an ASEAN sectoral body or programme."""

    __tablename__ = "initiative"
    __shareable_kind__ = "initiative"
    __table_args__ = (
        Index("ix_initiative_created_id", "created_at", "id"),
        Index("ix_initiative_start", "start_on"),
    )

    id: Mapped[str] = id_column()
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    aims: Mapped[str] = mapped_column(Text, default="")
    activities: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[InitiativeStatus] = mapped_column(
        db_enum(InitiativeStatus, "initiative_status"), index=True
    )
    start_on: Mapped[date | None]
    end_on: Mapped[date | None]
    pillar_id: Mapped[str | None] = mapped_column(ForeignKey("pillar.id"), index=True)
    sectoral_body_id: Mapped[str | None] = mapped_column(ForeignKey("sectoral_body.id"), index=True)
    programme: Mapped[str] = mapped_column(String(80), default="", index=True)
    budget_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    budget_currency: Mapped[str] = mapped_column(String(3), default="")
    source_link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    # Set when a coordinator merged this initiative into another (see overlaps.merge): it
    # leaves lists, detection and reports, and its page points to the one kept.
    merged_into_id: Mapped[str | None] = mapped_column(
        ForeignKey("initiative.id", ondelete="SET NULL"), index=True
    )
    merged_at: Mapped[datetime | None]

    pillar: Mapped[Pillar | None] = relationship(lazy="joined")
    sectoral_body: Mapped[SectoralBody | None] = relationship(lazy="joined")
    owner_organisation: Mapped[Organisation] = relationship(
        lazy="joined", foreign_keys="Initiative.owner_organisation_id"
    )
    tags: Mapped[list[InitiativeTag]] = relationship(
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by=(InitiativeTag.kind, InitiativeTag.position, InitiativeTag.id),
    )

    norm_links: Mapped[list[InitiativeNorm]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by=InitiativeNorm.id
    )

    __mapper_args__ = {"version_id_col": version}

    def values(self, kind: TagKind) -> list[str]:
        """The values of one facet, in the order they were given."""
        return [tag.value for tag in self.tags if tag.kind is kind]

    @property
    def states(self) -> list[str]:
        return self.values(TagKind.STATE)

    @property
    def themes(self) -> list[Theme]:
        return [Theme(value) for value in self.values(TagKind.THEME)]

    @property
    def audience(self) -> list[AudienceKind]:
        return [AudienceKind(value) for value in self.values(TagKind.AUDIENCE)]

    @property
    def linked_norms(self) -> list[Norm]:
        """The catalogue norms addressed, in catalogue order (once each)."""
        found = {link.norm.id: link.norm for link in self.norm_links}
        return sorted(found.values(), key=lambda norm: (norm.position, norm.letter))

    @property
    def norms(self) -> list[str]:
        """The letters of the norms addressed, in catalogue order."""
        return [norm.letter for norm in self.linked_norms]

    @property
    def norm_actions(self) -> list[NormAction]:
        """The practical actions named in particular, in catalogue order."""
        actions = [link.action for link in self.norm_links if link.action is not None]
        return sorted(actions, key=lambda action: action.code)

    @property
    def norm_references(self) -> list[str]:
        """Letters and action codes (``g``, ``g.3``) as files and the REST API carry them."""
        return self.norms + [action.code for action in self.norm_actions]

    @property
    def clauses(self) -> list[StatementClause]:
        return [StatementClause(value) for value in self.values(TagKind.CLAUSE)]

    @property
    def funders(self) -> list[str]:
        return self.values(TagKind.FUNDER)

    @property
    def implementers(self) -> list[str]:
        return self.values(TagKind.IMPLEMENTER)

    @property
    def partners(self) -> list[str]:
        return self.values(TagKind.PARTNER)

    @property
    def other_beneficiaries(self) -> list[str]:
        return self.values(TagKind.OTHER_BENEFICIARY)


class DetectionIndexState(Base):
    """The generation of the duplicate-detection index: one row, raised by every change.

    Raising it takes the row's lock until the writer commits, so generations become visible
    in the order they were given and a process that has read up to generation N has missed
    nothing below it (see :mod:`aseancyber.initiatives.detection.live_index`).
    """

    __tablename__ = "initiative_index_state"
    __audited__ = False  # bookkeeping of a cache; the initiative change itself is audited

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(default=0)


class DetectionIndexChange(Base):
    """One initiative whose detection profile changed (created, edited or deleted) at a
    generation; the random token tells a rolled-back or restored generation from its reuse."""

    __tablename__ = "initiative_index_change"
    __audited__ = False

    generation: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # No foreign key: deletions are recorded too.
    initiative_id: Mapped[str] = mapped_column(String(36))
    token: Mapped[str] = mapped_column(String(36))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportRun(Base):
    """One large upload of initiatives, imported by a background job in short transactions
    (issue 14); only its uploader (and platform admins) may follow it. The upload is kept
    until the job has stored it."""

    __tablename__ = "initiative_import_run"
    __audited__ = False  # the request and the import itself are audited explicitly
    __table_args__ = (Index("ix_initiative_import_run_requester", "requested_by_id", "created_at"),)

    id: Mapped[str] = id_column()
    requested_by_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(4))
    tlp: Mapped[str] = mapped_column(String(20))
    skip_bad_rows: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ReportRunStatus] = mapped_column(
        db_enum(ReportRunStatus, "initiative_import_run_status"), default=ReportRunStatus.QUEUED
    )
    rows: Mapped[int] = mapped_column(default=0)  # in the file
    bad_rows: Mapped[int] = mapped_column(default=0)  # skipped
    to_store: Mapped[int] = mapped_column(default=0)  # good rows, as checked on upload
    stored: Mapped[int] = mapped_column(default=0)
    overlaps_flagged: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    resume_row: Mapped[int | None]  # after a failure midway: the first row not stored
    problems: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
