"""sharing_ingest

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 07:40:00

The index of stored STIX objects by STIX id alone goes: every lookup by STIX id is made
within the collections the reader may read, which the (collection, STIX id, version)
index answers, and a second index keyed on random ids cost every ingested object a write
to a random page.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stix_object", schema=None) as batch_op:
        batch_op.drop_index("ix_stix_object_stix_id")


def downgrade() -> None:
    with op.batch_alter_table("stix_object", schema=None) as batch_op:
        batch_op.create_index("ix_stix_object_stix_id", ["stix_id", "version_at"], unique=False)
