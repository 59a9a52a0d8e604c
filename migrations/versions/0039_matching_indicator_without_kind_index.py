"""matching_indicator without its kind index

Revision ID: 0039
Revises: 0036
Create Date: 2026-12-07 00:30:00

Issue 17, catch-up in step with ingest: no query reads ``matching_indicator`` by kind (the
scan-pattern condition is one branch of an OR over the joined stored object, evaluated per
row), and keeping the index cost about a quarter of the catch-up's insert time (random
UUIDs under a constant kind) on SQLite.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0039"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("matching_indicator", schema=None) as batch_op:
        batch_op.drop_index("ix_matching_indicator_kind")


def downgrade() -> None:
    with op.batch_alter_table("matching_indicator", schema=None) as batch_op:
        batch_op.create_index(
            "ix_matching_indicator_kind", ["kind", "stix_object_id"], unique=False
        )
