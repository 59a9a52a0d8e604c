"""sharing_owner_only

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 03:00:00

A stored STIX object version may be readable by its owner organisation only: the copy an
organisation posts over an id + version another organisation holds out of its sight.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stix_object", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("owner_only", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("stix_object", schema=None) as batch_op:
        batch_op.drop_column("owner_only")
