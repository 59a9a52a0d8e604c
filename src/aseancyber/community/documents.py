"""National documents: the confidence-building measure "voluntary exchange of national
views, strategies and critical-infrastructure categories" (GGE 2015, paragraph 16-17).

A document is the platform's first shareable record: it has an owner organisation, a
TLP 2.0 label and a named audience, and every exit path filters it with
:func:`aseancyber.access.policy.visible_to`.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aseancyber.access.models import MemberState, Organisation
from aseancyber.access.policy import Shareable, register_shareable
from aseancyber.db import Base, db_enum, id_column, utcnow


class DocumentKind(StrEnum):
    NATIONAL_STRATEGY = "national_strategy"
    THREAT_ASSESSMENT = "threat_assessment"
    CI_CATEGORIES = "ci_categories"
    LEGISLATION = "legislation"
    POSITION_PAPER = "position_paper"
    OTHER = "other"

    @property
    def label(self) -> str:
        return DOCUMENT_KIND_LABELS[self]


DOCUMENT_KIND_LABELS = {
    DocumentKind.NATIONAL_STRATEGY: "National strategy",
    DocumentKind.THREAT_ASSESSMENT: "Threat assessment",
    DocumentKind.CI_CATEGORIES: "Critical-infrastructure categories",
    DocumentKind.LEGISLATION: "Legislation",
    DocumentKind.POSITION_PAPER: "Position paper",
    DocumentKind.OTHER: "Other",
}


@register_shareable
class Document(Shareable, Base):
    """A national view, strategy, threat assessment or list of critical-infrastructure sectors."""

    __tablename__ = "document"
    __shareable_kind__ = "document"
    __table_args__ = (
        Index("ix_document_title_id", "title", "id"),
        # Lists page newest first by (created_at, id): one index range scan per page.
        Index("ix_document_created_at_id", "created_at", "id"),
    )

    id: Mapped[str] = id_column()
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[DocumentKind] = mapped_column(db_enum(DocumentKind, "document_kind"), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    member_state_id: Mapped[str | None] = mapped_column(ForeignKey("member_state.id"), index=True)
    published_on: Mapped[date | None]
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    member_state: Mapped[MemberState | None] = relationship(lazy="joined")
    owner_organisation: Mapped[Organisation] = relationship(
        lazy="joined", foreign_keys="Document.owner_organisation_id"
    )

    __mapper_args__ = {"version_id_col": version}
