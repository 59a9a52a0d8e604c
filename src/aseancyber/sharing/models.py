"""Threat-information sharing: sharing groups, collections and their grants, the STIX 2.1
object store, and TAXII 2.1 status resources.

Every stored STIX object version is a shareable record: it has an owner organisation, a
TLP 2.0 label derived from its markings and a named audience, and every exit path (pages,
REST, TAXII, exports) filters it with :func:`aseancyber.access.policy.visible_to`. What a
reader sees in a collection is the collection's read grant AND each version's visibility.
"""

from datetime import datetime
from enum import StrEnum
from typing import cast

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    column,
    false,
    table,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aseancyber.access.models import Organisation
from aseancyber.access.policy import RecordAudience, Shareable, Tlp, register_shareable
from aseancyber.db import Base, db_enum, id_column, utcnow


class CollectionKind(StrEnum):
    OWN = "own"
    STATE = "state"
    REGIONAL = "regional"
    SHARING_GROUP = "sharing_group"

    @property
    def label(self) -> str:
        return {
            CollectionKind.OWN: "Organisation",
            CollectionKind.STATE: "Member state",
            CollectionKind.REGIONAL: "Regional",
            CollectionKind.SHARING_GROUP: "Sharing group",
        }[self]


class SharingGroup(Base):
    """A named set of organisations that share with each other, e.g. national CERTs + JPCERT/CC."""

    __tablename__ = "sharing_group"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    owner_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SharingGroupMember(Base):
    __tablename__ = "sharing_group_member"

    sharing_group_id: Mapped[str] = mapped_column(
        ForeignKey("sharing_group.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Collection(Base):
    """A TAXII collection: a place objects are posted to and read from, with grants."""

    __tablename__ = "sharing_collection"

    id: Mapped[str] = id_column()
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[CollectionKind] = mapped_column(db_enum(CollectionKind, "collection_kind"))
    owner_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    member_state_id: Mapped[str | None] = mapped_column(ForeignKey("member_state.id"))
    sharing_group_id: Mapped[str | None] = mapped_column(ForeignKey("sharing_group.id"))
    default_tlp: Mapped[Tlp] = mapped_column(db_enum(Tlp, "tlp"), default=Tlp.AMBER)
    # Anyone may read (objects still filtered by their own label); for TLP:CLEAR feeds.
    public_read: Mapped[bool] = mapped_column(default=False)
    # The last date_added stamped here: the next object gets a strictly later one.
    last_added_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner_organisation: Mapped[Organisation] = relationship(lazy="joined")


class CollectionGrant(Base):
    """Read and/or write access to a collection for one organisation or one sharing group."""

    __tablename__ = "sharing_collection_grant"
    __table_args__ = (
        CheckConstraint(
            "(organisation_id IS NULL) != (sharing_group_id IS NULL)", name="one_grantee"
        ),
        Index("ix_sharing_collection_grant_org", "organisation_id", "collection_id"),
        Index("ix_sharing_collection_grant_group", "sharing_group_id", "collection_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    collection_id: Mapped[str] = mapped_column(
        ForeignKey("sharing_collection.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE")
    )
    sharing_group_id: Mapped[str | None] = mapped_column(
        ForeignKey("sharing_group.id", ondelete="CASCADE")
    )
    can_read: Mapped[bool] = mapped_column(default=True)
    can_write: Mapped[bool] = mapped_column(default=False)


@register_shareable
class StixObject(Shareable, Base):
    """One version (id + modified) of one STIX 2.1 object in one collection, stored as JSON."""

    __tablename__ = "stix_object"
    __shareable_kind__ = "stix_object"
    __same_record__ = ("collection_id", "stix_id")
    __table_args__ = (
        # TAXII paging: a range scan in (date_added, id) order within a collection.
        Index("ix_stix_object_page", "collection_id", "date_added", "id"),
        # Lookup by STIX id, versions in order; also the id + version no-op check. There is
        # no index on the STIX id alone: lookups are made within the readable collections,
        # and a second index on random ids cost every ingest a write per object. Unique
        # per owner: an organisation that cannot see a stored version may hold its own copy
        # of the same id + version (refusing or skipping it would tell them the hidden one
        # exists), but no owner ever holds two, even when two of its posts race.
        Index(
            "ix_stix_object_version",
            "collection_id",
            "stix_id",
            "version_at",
            "owner_organisation_id",
            unique=True,
        ),
        Index("ix_stix_object_added", "date_added", "id"),
        # Relationships and sightings by what they point at. Partial: most stored objects
        # (indicators, observables) point at nothing and cost these indexes nothing.
        Index(
            "ix_stix_object_source_ref",
            "source_ref",
            sqlite_where=text("source_ref IS NOT NULL"),
            postgresql_where=text("source_ref IS NOT NULL"),
        ),
        Index(
            "ix_stix_object_target_ref",
            "target_ref",
            sqlite_where=text("target_ref IS NOT NULL"),
            postgresql_where=text("target_ref IS NOT NULL"),
        ),
        Index(
            "ix_stix_object_sighting_of_ref",
            "sighting_of_ref",
            sqlite_where=text("sighting_of_ref IS NOT NULL"),
            postgresql_where=text("sighting_of_ref IS NOT NULL"),
        ),
    )

    id: Mapped[str] = id_column()
    collection_id: Mapped[str] = mapped_column(
        ForeignKey("sharing_collection.id", ondelete="CASCADE")
    )
    stix_id: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(250))
    spec_version: Mapped[str] = mapped_column(String(10), default="2.1")
    created: Mapped[datetime | None]
    modified: Mapped[datetime | None]
    # The version TAXII speaks of: modified, else created, else date_added.
    version_at: Mapped[datetime]
    date_added: Mapped[datetime]
    name: Mapped[str] = mapped_column(String(300), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    # What a relationship or sighting points at, copied from the body at ingest.
    source_ref: Mapped[str | None] = mapped_column(String(300))
    target_ref: Mapped[str | None] = mapped_column(String(300))
    sighting_of_ref: Mapped[str | None] = mapped_column(String(300))
    # A copy posted over an id + version another organisation holds out of the poster's
    # sight: read by its owner organisation only (see access.policy.OWNER_ONLY_COLUMN).
    owner_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The owner and the label without the index each alone that other shareable records
    # have: no read here looks rows up by either alone (reads go by collection, STIX id or
    # date added and filter on these), and the two indexes cost each ingested object two
    # more index writes.
    owner_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    tlp: Mapped[Tlp] = mapped_column(db_enum(Tlp, "tlp"))

    collection: Mapped[Collection] = relationship(lazy="joined")
    owner_organisation: Mapped[Organisation] = relationship(
        lazy="joined", foreign_keys="StixObject.owner_organisation_id"
    )


class TaxiiStatus(Base):
    """A TAXII status resource: the outcome of one POST of an envelope (kept >= 24 hours)."""

    __tablename__ = "taxii_status"

    id: Mapped[str] = id_column()
    collection_id: Mapped[str] = mapped_column(
        ForeignKey("sharing_collection.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), index=True
    )
    requested_by_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[str] = mapped_column(String(20), default="complete")
    request_timestamp: Mapped[datetime] = mapped_column(default=utcnow)
    total_count: Mapped[int] = mapped_column(default=0)
    success_count: Mapped[int] = mapped_column(default=0)
    failure_count: Mapped[int] = mapped_column(default=0)
    pending_count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class TaxiiStatusDetail(Base):
    """One object's outcome in a status resource: success or failure (with the reason)."""

    __tablename__ = "taxii_status_detail"
    __table_args__ = (Index("ix_taxii_status_detail_status", "status_id", "outcome", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    status_id: Mapped[str] = mapped_column(ForeignKey("taxii_status.id", ondelete="CASCADE"))
    seq: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(10))
    object_id: Mapped[str] = mapped_column(String(300))
    version: Mapped[str] = mapped_column(String(40), default="")
    message: Mapped[str] = mapped_column(Text, default="")


# The tables written with Core executemany by bulk ingest (no ORM object per STIX object).
STIX_OBJECT_TABLE = cast(Table, StixObject.__table__)
RECORD_AUDIENCE_TABLE = cast(Table, RecordAudience.__table__)
STATUS_DETAIL_TABLE = cast(Table, TaxiiStatusDetail.__table__)
# The same columns untyped: bulk ingest passes values already in their stored form.
STIX_OBJECT_BULK = table("stix_object", *(column(c.name) for c in STIX_OBJECT_TABLE.columns))
STATUS_DETAIL_BULK = table(
    "taxii_status_detail", *(column(c.name) for c in STATUS_DETAIL_TABLE.columns)
)
