"""provider_signatures_misp_cache_heartbeat

Revision ID: 0036
Revises: 0030
Create Date: 2026-12-06 20:51:42

Issue 17, finishing the provider: CSAF OpenPGP signatures stored per (key, document bytes)
so ``.asc`` is stable between reads; misp-stix conversions of MISP feed events kept in the
database (shared by every process, kept over restarts); the background worker's heartbeat.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aseancyber.db

revision: str = "0036"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "misp_conversion",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", aseancyber.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_misp_conversion")),
    )
    with op.batch_alter_table("misp_conversion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_misp_conversion_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "worker_heartbeat",
        sa.Column("worker_id", sa.String(length=100), nullable=False),
        sa.Column("started_at", aseancyber.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", aseancyber.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("job_kind", sa.String(length=80), nullable=True),
        sa.Column("job_started_at", aseancyber.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_worker_heartbeat")),
    )
    with op.batch_alter_table("worker_heartbeat", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_worker_heartbeat_last_seen_at"), ["last_seen_at"], unique=False
        )

    op.create_table(
        "csaf_signature",
        sa.Column("key_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("advisory_id", sa.String(length=36), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("signed_at", aseancyber.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["advisory_id"],
            ["case_advisory.id"],
            name=op.f("fk_csaf_signature_advisory_id_case_advisory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "key_fingerprint", "content_sha256", name=op.f("pk_csaf_signature")
        ),
    )
    with op.batch_alter_table("csaf_signature", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_csaf_signature_advisory_id"), ["advisory_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("csaf_signature", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_csaf_signature_advisory_id"))

    op.drop_table("csaf_signature")
    with op.batch_alter_table("worker_heartbeat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_worker_heartbeat_last_seen_at"))

    op.drop_table("worker_heartbeat")
    with op.batch_alter_table("misp_conversion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_misp_conversion_created_at"))

    op.drop_table("misp_conversion")
