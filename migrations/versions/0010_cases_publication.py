"""cases_publication

Advisory approvals per coordinator seat and revision, the collection an advisory's STIX
objects went to, embargo answers with a reason, and imported EPSS scores.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aseancyber.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_advisory_approval",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("advisory_id", sa.String(length=36), nullable=False),
        sa.Column("participant_id", sa.String(length=36), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("approved_by_id", sa.String(length=36), nullable=True),
        sa.Column("approved_at", aseancyber.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["advisory_id"],
            ["case_advisory.id"],
            name=op.f("fk_case_advisory_approval_advisory_id_case_advisory"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["app_user.id"],
            name=op.f("fk_case_advisory_approval_approved_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["case_participant.id"],
            name=op.f("fk_case_advisory_approval_participant_id_case_participant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_advisory_approval")),
        sa.UniqueConstraint(
            "advisory_id",
            "participant_id",
            "revision",
            name=op.f("uq_case_advisory_approval_advisory_id_participant_id_revision"),
        ),
    )
    with op.batch_alter_table("case_advisory_approval", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_advisory_approval_advisory_id"), ["advisory_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_case_advisory_approval_participant_id"),
            ["participant_id"],
            unique=False,
        )

    op.create_table(
        "epss_score",
        sa.Column("cve", sa.String(length=30), nullable=False),
        sa.Column("epss", sa.Float(), nullable=False),
        sa.Column("percentile", sa.Float(), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("score_date", sa.String(length=40), nullable=False),
        sa.Column("imported_at", aseancyber.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("cve", name=op.f("pk_epss_score")),
    )

    with op.batch_alter_table("case_advisory", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stix_collection_id", sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_advisory_stix_collection_id_sharing_collection"),
            "sharing_collection",
            ["stix_collection_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("case_participant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "embargo_answered_at", aseancyber.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("embargo_reason", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("case_participant", schema=None) as batch_op:
        batch_op.drop_column("embargo_reason")
        batch_op.drop_column("embargo_answered_at")

    with op.batch_alter_table("case_advisory", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_case_advisory_stix_collection_id_sharing_collection"),
            type_="foreignkey",
        )
        batch_op.drop_column("stix_collection_id")

    op.drop_table("epss_score")
    with op.batch_alter_table("case_advisory_approval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_advisory_approval_participant_id"))
        batch_op.drop_index(batch_op.f("ix_case_advisory_approval_advisory_id"))
    op.drop_table("case_advisory_approval")
