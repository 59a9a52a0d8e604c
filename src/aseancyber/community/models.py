"""Pillars and sectoral bodies; member states, organisations and users live in
:mod:`aseancyber.access.models` (identity is foundation every domain builds on)."""

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aseancyber.access.models import Organisation
from aseancyber.db import Base, id_column


class Pillar(Base):
    __tablename__ = "pillar"

    id: Mapped[str] = id_column()
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


body_membership = Table(
    "sectoral_body_member",
    Base.metadata,
    Column(
        "sectoral_body_id", ForeignKey("sectoral_body.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
)


class SectoralBody(Base):
    __tablename__ = "sectoral_body"

    id: Mapped[str] = id_column()
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    pillar_id: Mapped[str | None] = mapped_column(ForeignKey("pillar.id"))
    remit: Mapped[str] = mapped_column(Text, default="")

    pillar: Mapped[Pillar | None] = relationship(lazy="joined")
    members: Mapped[list[Organisation]] = relationship(
        secondary=body_membership, order_by="Organisation.name"
    )
