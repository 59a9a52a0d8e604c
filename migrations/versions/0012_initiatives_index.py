"""initiatives_index

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aseancyber.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    state = op.create_table(
        "initiative_index_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative_index_state")),
    )
    op.create_table(
        "initiative_index_change",
        sa.Column("generation", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("initiative_id", sa.String(length=36), nullable=False),
        sa.Column("token", sa.String(length=36), nullable=False),
        sa.Column("changed_at", aseancyber.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("generation", name=op.f("pk_initiative_index_change")),
    )
    # The one row whose lock orders every change (see aseancyber.initiatives.detection.live_index).
    op.bulk_insert(state, [{"id": 1, "generation": 0}])
    op.create_table(
        "initiative_report_run",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("requested_by_id", sa.String(length=36), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("format", sa.String(length=4), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="initiative_report_run_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=200), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("filename", sa.String(length=100), nullable=False),
        sa.Column("media_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", aseancyber.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", aseancyber.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["app_user.id"],
            name=op.f("fk_initiative_report_run_requested_by_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative_report_run")),
    )
    with op.batch_alter_table("initiative_report_run", schema=None) as batch_op:
        batch_op.create_index(
            "ix_initiative_report_run_requester",
            ["requested_by_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "initiative_norm",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("initiative_id", sa.String(length=36), nullable=False),
        sa.Column("norm_id", sa.String(length=36), nullable=False),
        sa.Column("action_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["norm_action.id"],
            name=op.f("fk_initiative_norm_action_id_norm_action"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name=op.f("fk_initiative_norm_initiative_id_initiative"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["norm_id"], ["norm.id"], name=op.f("fk_initiative_norm_norm_id_norm")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative_norm")),
        sa.UniqueConstraint(
            "initiative_id",
            "norm_id",
            "action_id",
            name=op.f("uq_initiative_norm_initiative_id_norm_id_action_id"),
        ),
    )
    with op.batch_alter_table("initiative_norm", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_initiative_norm_initiative_id"), ["initiative_id"], unique=False
        )
        batch_op.create_index("ix_initiative_norm_norm", ["norm_id", "initiative_id"], unique=False)
    # Norms were stored as letters in the tag table: link each to the catalogue's norm with
    # that letter. A letter whose norm is not in the catalogue (a node upgraded before
    # `aseancyber init` loaded it) stays a tag so nothing is lost, and the downgrade below
    # restores every letter.
    op.execute(
        "INSERT INTO initiative_norm (initiative_id, norm_id, action_id) "
        "SELECT DISTINCT t.initiative_id, n.id, NULL FROM initiative_tag t "
        "JOIN norm n ON n.letter = t.value WHERE t.kind = 'norm'"
    )
    op.execute(
        "DELETE FROM initiative_tag WHERE kind = 'norm' AND value IN (SELECT letter FROM norm)"
    )


def downgrade() -> None:
    op.execute(
        "INSERT INTO initiative_tag (initiative_id, kind, value, position) "
        "SELECT DISTINCT l.initiative_id, 'norm', n.letter, 0 FROM initiative_norm l "
        "JOIN norm n ON n.id = l.norm_id"
    )
    with op.batch_alter_table("initiative_norm", schema=None) as batch_op:
        batch_op.drop_index("ix_initiative_norm_norm")
        batch_op.drop_index(batch_op.f("ix_initiative_norm_initiative_id"))
    op.drop_table("initiative_norm")
    with op.batch_alter_table("initiative_report_run", schema=None) as batch_op:
        batch_op.drop_index("ix_initiative_report_run_requester")
    op.drop_table("initiative_report_run")
    op.drop_table("initiative_index_change")
    op.drop_table("initiative_index_state")
