"""CSAF 2.0 advisories of a case and each coordinator's approval of a revision."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aseancyber.access.policy import Shareable, Tlp, register_shareable
from aseancyber.db import Base, db_enum, id_column, utcnow


class AdvisoryCategory(StrEnum):
    SECURITY_ADVISORY = "csaf_security_advisory"
    VEX = "csaf_vex"


class AdvisoryStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"


@register_shareable
class Advisory(Shareable, Base):
    """A CSAF 2.0 advisory of a case: drafted, approved by a coordinator, then published.

    Until it is published it carries its case's label and audience; publishing gives it the
    label chosen for publication (``publish_tlp``), so a TLP:CLEAR advisory becomes public
    while its case stays restricted.
    """

    __tablename__ = "case_advisory"
    __shareable_kind__ = "advisory"
    __table_args__ = (UniqueConstraint("tracking_id"),)

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(
        ForeignKey("coordination_case.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[AdvisoryCategory] = mapped_column(
        db_enum(AdvisoryCategory, "advisory_category")
    )
    status: Mapped[AdvisoryStatus] = mapped_column(
        db_enum(AdvisoryStatus, "advisory_status"), default=AdvisoryStatus.DRAFT
    )
    tracking_id: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    publish_tlp: Mapped[Tlp] = mapped_column(db_enum(Tlp, "publish_tlp"))
    revision: Mapped[int] = mapped_column(default=1)
    drafted_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    approved_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The collection its STIX vulnerability and report objects were published into.
    stix_collection_id: Mapped[str | None] = mapped_column(
        ForeignKey("sharing_collection.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class AdvisoryApproval(Base):
    """One coordinator seat's approval of one revision of an advisory.

    Every coordinator of the case approves (co-coordination: no state publishes alone);
    a revision of a published advisory needs every approval again.
    """

    __tablename__ = "case_advisory_approval"
    __table_args__ = (UniqueConstraint("advisory_id", "participant_id", "revision"),)

    id: Mapped[str] = id_column()
    advisory_id: Mapped[str] = mapped_column(
        ForeignKey("case_advisory.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("case_participant.id", ondelete="CASCADE"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer)
    approved_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
