"""initiative_pair_decisions_and_merge

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 17:47:40

Issue 16, initiatives: reviewers' decisions on pairs of initiatives (not a duplicate, or a
duplicate detection missed) that detection obeys and learns from; an initiative merged into
another points to the one kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aseancyber.db

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "initiative_pair_decision",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("first_id", sa.String(length=36), nullable=False),
        sa.Column("second_id", sa.String(length=36), nullable=False),
        sa.Column(
            "verdict",
            sa.Enum(
                "duplicate",
                "not_duplicate",
                name="initiative_pair_verdict",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("text_similarity", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.String(length=36), nullable=True),
        sa.Column("decided_at", aseancyber.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["app_user.id"],
            name=op.f("fk_initiative_pair_decision_decided_by_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["first_id"],
            ["initiative.id"],
            name=op.f("fk_initiative_pair_decision_first_id_initiative"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["second_id"],
            ["initiative.id"],
            name=op.f("fk_initiative_pair_decision_second_id_initiative"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative_pair_decision")),
        sa.UniqueConstraint(
            "first_id", "second_id", name=op.f("uq_initiative_pair_decision_first_id_second_id")
        ),
    )
    with op.batch_alter_table("initiative_pair_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_initiative_pair_decision_first_id"), ["first_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_initiative_pair_decision_second_id"), ["second_id"], unique=False
        )

    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.String(length=36), nullable=True))
        batch_op.add_column(
            sa.Column("merged_at", aseancyber.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_initiative_merged_into_id"), ["merged_into_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_initiative_merged_into_id_initiative"),
            "initiative",
            ["merged_into_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_initiative_merged_into_id_initiative"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_initiative_merged_into_id"))
        batch_op.drop_column("merged_at")
        batch_op.drop_column("merged_into_id")

    with op.batch_alter_table("initiative_pair_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_initiative_pair_decision_second_id"))
        batch_op.drop_index(batch_op.f("ix_initiative_pair_decision_first_id"))

    op.drop_table("initiative_pair_decision")
