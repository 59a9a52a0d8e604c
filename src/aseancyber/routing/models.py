"""Routing tables: the operator's IP-to-ASN table, AS names, the constituency registry and
each CERT's routed-findings collection.

The IP-to-ASN table is kept as disjoint, sorted integer ranges (overlapping prefixes are
flattened at load, the most specific winning); addresses are stored as fixed-width hex
text (32 digits) so IPv6 fits and text order equals numeric order on every database.
A one-row generation counter tells every process when its in-memory copy is stale.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aseancyber.access.models import Organisation
from aseancyber.db import Base, db_enum, id_column, utcnow


class AsnRange(Base):
    """One disjoint range of addresses announced by one origin AS, in one load.

    A load writes its ranges in chunks under its own ``load_id`` while readers go on using
    the previous load's (:class:`AsnTable` names the load each family reads); the switch
    is one short transaction, and the previous ranges are removed afterwards.
    """

    __tablename__ = "routing_asn_range"
    __table_args__ = (
        Index("ix_routing_asn_range_start", "load_id", "family", "range_start", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    load_id: Mapped[str] = mapped_column(String(36), default="", server_default="")
    family: Mapped[int]  # 4 or 6
    range_start: Mapped[str] = mapped_column(String(32))
    range_end: Mapped[str] = mapped_column(String(32))
    asn: Mapped[int] = mapped_column(BigInteger)  # 32-bit ASNs exceed a signed INTEGER
    # Multi-origin (a_b) and AS-set (a,b) announcements: every origin, as the file wrote them.
    origins: Mapped[str] = mapped_column(String(200), default="")


class AsName(Base):
    """An AS's name and registration country, where the operator's file gives them."""

    __tablename__ = "routing_as_name"

    asn: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(300), default="")
    country: Mapped[str] = mapped_column(String(2), default="")


class AsnTable(Base):
    """The one row describing the loaded table; ``generation`` grows with every load."""

    __tablename__ = "routing_asn_table"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(300), default="")
    file_format: Mapped[str] = mapped_column(String(20), default="")
    ipv4_ranges: Mapped[int] = mapped_column(default=0)
    ipv6_ranges: Mapped[int] = mapped_column(default=0)
    loaded_at: Mapped[datetime | None]
    # The load whose ranges readers use, per family ("" before the first chunked load).
    ipv4_load_id: Mapped[str] = mapped_column(String(36), default="", server_default="")
    ipv6_load_id: Mapped[str] = mapped_column(String(36), default="", server_default="")


class ConstituencyKind(StrEnum):
    COUNTRY = "country"
    ASN = "asn"
    DOMAIN = "domain"

    @property
    def label(self) -> str:
        return {"country": "Country", "asn": "AS number", "domain": "Domain suffix"}[self.value]


class ConstituencyEntry(Base):
    """An authoritative rule: findings in this country, AS or domain go to this organisation."""

    __tablename__ = "routing_constituency"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[str] = id_column()
    kind: Mapped[ConstituencyKind] = mapped_column(db_enum(ConstituencyKind, "constituency_kind"))
    # Normalised: ISO alpha-2 in capitals, the AS number in decimal, or a lower-case suffix.
    key: Mapped[str] = mapped_column(String(253))
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class RoutingInbox(Base):
    """The collection routed findings are delivered to, one per receiving organisation."""

    __tablename__ = "routing_inbox"

    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    collection_id: Mapped[str] = mapped_column(
        ForeignKey("sharing_collection.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
