"""overlap_pending_run

Revision ID: 0042
Revises: 0039
Create Date: 2026-12-07 00:00:00

Issue 14: whole-registry duplicate detection writes its new pairs in short transactions;
a pair written by a run that has not published yet carries the run's id and is hidden
from readers, so nobody sees half of a run as if it were whole.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0042"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("initiative_overlap", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_run_id", sa.String(length=36), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_initiative_overlap_pending_run_id"), ["pending_run_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("initiative_overlap", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_initiative_overlap_pending_run_id"))
        batch_op.drop_column("pending_run_id")
