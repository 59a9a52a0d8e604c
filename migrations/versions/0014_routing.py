"""routing

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aseancyber.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_as_name",
        sa.Column("asn", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.PrimaryKeyConstraint("asn", name=op.f("pk_routing_as_name")),
    )
    op.create_table(
        "routing_asn_range",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("family", sa.Integer(), nullable=False),
        sa.Column("range_start", sa.String(length=32), nullable=False),
        sa.Column("range_end", sa.String(length=32), nullable=False),
        sa.Column("asn", sa.BigInteger(), nullable=False),
        sa.Column("origins", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_asn_range")),
    )
    with op.batch_alter_table("routing_asn_range", schema=None) as batch_op:
        batch_op.create_index("ix_routing_asn_range_start", ["family", "range_start"], unique=True)

    op.create_table(
        "routing_asn_table",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("file_format", sa.String(length=20), nullable=False),
        sa.Column("ipv4_ranges", sa.Integer(), nullable=False),
        sa.Column("ipv6_ranges", sa.Integer(), nullable=False),
        sa.Column("loaded_at", aseancyber.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_asn_table")),
    )
    op.create_table(
        "routing_constituency",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "country",
                "asn",
                "domain",
                name="constituency_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=253), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", aseancyber.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name=op.f("fk_routing_constituency_created_by_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_routing_constituency_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_constituency")),
        sa.UniqueConstraint("kind", "key", name=op.f("uq_routing_constituency_kind_key")),
    )
    with op.batch_alter_table("routing_constituency", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_routing_constituency_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "routing_inbox",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("collection_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", aseancyber.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["sharing_collection.id"],
            name=op.f("fk_routing_inbox_collection_id_sharing_collection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_routing_inbox_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_routing_inbox")),
    )


def downgrade() -> None:
    op.drop_table("routing_inbox")
    with op.batch_alter_table("routing_constituency", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_constituency_organisation_id"))

    op.drop_table("routing_constituency")
    op.drop_table("routing_asn_table")
    with op.batch_alter_table("routing_asn_range", schema=None) as batch_op:
        batch_op.drop_index("ix_routing_asn_range_start")

    op.drop_table("routing_asn_range")
    op.drop_table("routing_as_name")
    # ### end Alembic commands ###
