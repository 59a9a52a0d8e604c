"""initiative_import_run

Revision ID: 0044
Revises: 0042
Create Date: 2026-12-07 03:30:00

Issue 14, no long write transaction left:
- a large web or REST upload of initiatives is imported by a background job in short
  transactions; the run records the upload (until stored), who asked, and progress;
- the IP-to-ASN table is loaded in chunks under a load id, hidden until one short
  transaction switches the families to it (``routing_asn_table.ipv4_load_id``/``ipv6_load_id``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aseancyber.db

revision: str = "0044"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "initiative_import_run",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("requested_by_id", sa.String(length=36), nullable=False),
        sa.Column("format", sa.String(length=4), nullable=False),
        sa.Column("tlp", sa.String(length=20), nullable=False),
        sa.Column("skip_bad_rows", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="initiative_import_run_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("bad_rows", sa.Integer(), nullable=False),
        sa.Column("to_store", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("overlaps_flagged", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=200), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("resume_row", sa.Integer(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", aseancyber.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", aseancyber.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["app_user.id"],
            name=op.f("fk_initiative_import_run_requested_by_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative_import_run")),
    )
    with op.batch_alter_table("initiative_import_run", schema=None) as batch_op:
        batch_op.create_index(
            "ix_initiative_import_run_requester", ["requested_by_id", "created_at"], unique=False
        )

    with op.batch_alter_table("routing_asn_range", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("load_id", sa.String(length=36), server_default="", nullable=False)
        )
        batch_op.drop_index("ix_routing_asn_range_start")
        batch_op.create_index(
            "ix_routing_asn_range_start", ["load_id", "family", "range_start"], unique=True
        )
    with op.batch_alter_table("routing_asn_table", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ipv4_load_id", sa.String(length=36), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("ipv6_load_id", sa.String(length=36), server_default="", nullable=False)
        )


def downgrade() -> None:
    op.execute(
        "DELETE FROM routing_asn_range WHERE load_id NOT IN "
        "(SELECT ipv4_load_id FROM routing_asn_table UNION SELECT ipv6_load_id FROM routing_asn_table)"
    )
    with op.batch_alter_table("routing_asn_table", schema=None) as batch_op:
        batch_op.drop_column("ipv6_load_id")
        batch_op.drop_column("ipv4_load_id")
    with op.batch_alter_table("routing_asn_range", schema=None) as batch_op:
        batch_op.drop_index("ix_routing_asn_range_start")
        batch_op.create_index("ix_routing_asn_range_start", ["family", "range_start"], unique=True)
        batch_op.drop_column("load_id")
    with op.batch_alter_table("initiative_import_run", schema=None) as batch_op:
        batch_op.drop_index("ix_initiative_import_run_requester")
    op.drop_table("initiative_import_run")
