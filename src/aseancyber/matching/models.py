"""The stored match index: one row per indexed indicator version, its entries, and the
high-water mark of what has been indexed.

The index is derived data, keyed by the stored STIX object row (``stix_object.id``) with
``ON DELETE CASCADE``: deleting a version (or its collection) deletes its index rows in the
same statement, on every database. Rows are written with Core inserts (no audit entry per
index row: the audit log already holds the ingest that caused them).
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aseancyber.db import Base, db_enum
from aseancyber.matching.compiler import PatternKind


class IndexedIndicator(Base):
    """One indicator version as the matcher sees it: how its pattern compiled, and when valid."""

    __tablename__ = "matching_indicator"

    stix_object_id: Mapped[str] = mapped_column(
        ForeignKey("stix_object.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[PatternKind] = mapped_column(db_enum(PatternKind, "matching_pattern_kind"))
    # The object types the pattern names, comma-separated (what a scan pattern is tried on).
    sco_types: Mapped[str] = mapped_column(String(500), default="")
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    revoked: Mapped[bool] = mapped_column(default=False)
    problem: Mapped[str] = mapped_column(Text, default="")
    indexed_at: Mapped[datetime]


class IndexEntry(Base):
    """One lookup key of an indexed indicator (see :class:`aseancyber.matching.compiler.Entry`)."""

    __tablename__ = "matching_entry"
    __table_args__ = (
        Index("ix_matching_entry_lookup", "observable", "key"),
        Index("ix_matching_entry_kind", "kind", "observable", "prefix"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    stix_object_id: Mapped[str] = mapped_column(
        ForeignKey("stix_object.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    observable: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(1000))
    prefix: Mapped[int | None]


class IndexWatermark(Base):
    """How far indexing has got through ``stix_object`` in ``date_added`` order."""

    __tablename__ = "matching_watermark"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    date_added: Mapped[datetime | None]
    updated_at: Mapped[datetime]
