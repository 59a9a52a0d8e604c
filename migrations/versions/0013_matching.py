"""matching

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aseancyber.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "matching_indicator",
        sa.Column("stix_object_id", sa.String(length=36), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "indexed",
                "prefiltered",
                "scan",
                "multi_observation",
                "unsupported",
                name="matching_pattern_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("sco_types", sa.String(length=500), nullable=False),
        sa.Column("valid_from", aseancyber.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("valid_until", aseancyber.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("indexed_at", aseancyber.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["stix_object_id"],
            ["stix_object.id"],
            name=op.f("fk_matching_indicator_stix_object_id_stix_object"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("stix_object_id", name=op.f("pk_matching_indicator")),
    )
    with op.batch_alter_table("matching_indicator", schema=None) as batch_op:
        batch_op.create_index(
            "ix_matching_indicator_kind", ["kind", "stix_object_id"], unique=False
        )

    op.create_table(
        "matching_entry",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("stix_object_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("observable", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=1000), nullable=False),
        sa.Column("prefix", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["stix_object_id"],
            ["stix_object.id"],
            name=op.f("fk_matching_entry_stix_object_id_stix_object"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matching_entry")),
    )
    with op.batch_alter_table("matching_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_matching_entry_kind", ["kind", "observable", "prefix"], unique=False
        )
        batch_op.create_index("ix_matching_entry_lookup", ["observable", "key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_matching_entry_stix_object_id"), ["stix_object_id"], unique=False
        )

    op.create_table(
        "matching_watermark",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("date_added", aseancyber.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", aseancyber.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_matching_watermark")),
    )


def downgrade() -> None:
    op.drop_table("matching_watermark")
    with op.batch_alter_table("matching_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_matching_entry_stix_object_id"))
        batch_op.drop_index("ix_matching_entry_lookup")
        batch_op.drop_index("ix_matching_entry_kind")
    op.drop_table("matching_entry")
    with op.batch_alter_table("matching_indicator", schema=None) as batch_op:
        batch_op.drop_index("ix_matching_indicator_kind")
    op.drop_table("matching_indicator")
