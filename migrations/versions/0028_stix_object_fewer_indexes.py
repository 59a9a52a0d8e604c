"""stix_object_fewer_indexes

Revision ID: 0028
Revises: 0024
Create Date: 2026-12-06 17:40:00

Stored STIX objects lose the index on the owner organisation alone and the one on the TLP
label alone, which every other shareable record keeps: no read of stix_object looks rows
up by either alone (reads go by collection and date added, by collection and STIX id, or by
date added, and filter on owner and label there), and the two cost every ingested object two
more index writes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stix_object", schema=None) as batch_op:
        batch_op.drop_index("ix_stix_object_tlp")
        batch_op.drop_index("ix_stix_object_owner_organisation_id")


def downgrade() -> None:
    with op.batch_alter_table("stix_object", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stix_object_owner_organisation_id", ["owner_organisation_id"], unique=False
        )
        batch_op.create_index("ix_stix_object_tlp", ["tlp"], unique=False)
