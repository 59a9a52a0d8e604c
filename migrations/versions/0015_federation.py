"""federation

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from aseancyber.db import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "federation_peer",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("api_root_url", sa.String(length=500), nullable=False),
        sa.Column(
            "auth",
            sa.Enum(
                "basic",
                "bearer",
                name="peer_auth",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("owner_organisation_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("created_by_id", sa.String(length=36), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("alert_after_minutes", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("failing_since", UTCDateTime(timezone=True), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("alerted_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name=op.f("fk_federation_peer_created_by_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_federation_peer_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_federation_peer_owner_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_peer")),
        sa.UniqueConstraint("name", name=op.f("uq_federation_peer_name")),
    )
    with op.batch_alter_table("federation_peer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_federation_peer_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_federation_peer_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_federation_peer_owner_organisation_id"),
            ["owner_organisation_id"],
            unique=False,
        )

    op.create_table(
        "federation_mapping",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("peer_id", sa.String(length=36), nullable=False),
        sa.Column("remote_collection_id", sa.String(length=300), nullable=False),
        sa.Column("local_collection_id", sa.String(length=36), nullable=False),
        sa.Column("pull", sa.Boolean(), nullable=False),
        sa.Column("push", sa.Boolean(), nullable=False),
        sa.Column(
            "minimum_label",
            sa.Enum(
                "TLP:CLEAR",
                "TLP:GREEN",
                "TLP:AMBER",
                "TLP:AMBER+STRICT",
                "TLP:RED",
                name="tlp",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("pull_added_after", UTCDateTime(timezone=True), nullable=True),
        sa.Column("push_after_added", UTCDateTime(timezone=True), nullable=True),
        sa.Column("push_after_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["local_collection_id"],
            ["sharing_collection.id"],
            name=op.f("fk_federation_mapping_local_collection_id_sharing_collection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["federation_peer.id"],
            name=op.f("fk_federation_mapping_peer_id_federation_peer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_mapping")),
        sa.UniqueConstraint(
            "peer_id", "remote_collection_id", "local_collection_id", name="uq_federation_mapping"
        ),
    )
    with op.batch_alter_table("federation_mapping", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_federation_mapping_local_collection_id"),
            ["local_collection_id"],
            unique=False,
        )

    op.create_table(
        "federation_sync_run",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("peer_id", sa.String(length=36), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "running",
                "succeeded",
                "failed",
                name="sync_run_state",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("pulled", sa.Integer(), nullable=False),
        sa.Column("pushed", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("withheld", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["federation_peer.id"],
            name=op.f("fk_federation_sync_run_peer_id_federation_peer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_sync_run")),
    )
    with op.batch_alter_table("federation_sync_run", schema=None) as batch_op:
        batch_op.create_index(
            "ix_federation_sync_run_peer", ["peer_id", "started_at"], unique=False
        )

    op.create_table(
        "federation_dead_letter",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("peer_id", sa.String(length=36), nullable=False),
        sa.Column("mapping_id", sa.String(length=36), nullable=False),
        sa.Column(
            "direction",
            sa.Enum(
                "pull",
                "push",
                name="sync_direction",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("stix_id", sa.String(length=300), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_retry_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["federation_mapping.id"],
            name=op.f("fk_federation_dead_letter_mapping_id_federation_mapping"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["federation_peer.id"],
            name=op.f("fk_federation_dead_letter_peer_id_federation_peer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_dead_letter")),
        sa.UniqueConstraint(
            "mapping_id",
            "direction",
            "stix_id",
            "version",
            name=op.f("uq_federation_dead_letter_mapping_id_direction_stix_id_version"),
        ),
    )
    with op.batch_alter_table("federation_dead_letter", schema=None) as batch_op:
        batch_op.create_index(
            "ix_federation_dead_letter_due", ["resolved_at", "next_retry_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_federation_dead_letter_peer_id"), ["peer_id"], unique=False
        )

    op.create_table(
        "federation_sync_outcome",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("mapping_id", sa.String(length=36), nullable=True),
        sa.Column(
            "direction",
            sa.Enum(
                "pull",
                "push",
                name="sync_direction",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("stix_id", sa.String(length=300), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "accepted",
                "rejected",
                "withheld",
                "pending",
                name="sync_outcome",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["federation_mapping.id"],
            name=op.f("fk_federation_sync_outcome_mapping_id_federation_mapping"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["federation_sync_run.id"],
            name=op.f("fk_federation_sync_outcome_run_id_federation_sync_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_sync_outcome")),
    )
    with op.batch_alter_table("federation_sync_outcome", schema=None) as batch_op:
        batch_op.create_index(
            "ix_federation_sync_outcome_run", ["run_id", "outcome", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("federation_sync_outcome", schema=None) as batch_op:
        batch_op.drop_index("ix_federation_sync_outcome_run")

    op.drop_table("federation_sync_outcome")
    with op.batch_alter_table("federation_dead_letter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_federation_dead_letter_peer_id"))
        batch_op.drop_index("ix_federation_dead_letter_due")

    op.drop_table("federation_dead_letter")
    with op.batch_alter_table("federation_sync_run", schema=None) as batch_op:
        batch_op.drop_index("ix_federation_sync_run_peer")

    op.drop_table("federation_sync_run")
    with op.batch_alter_table("federation_mapping", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_federation_mapping_local_collection_id"))

    op.drop_table("federation_mapping")
    with op.batch_alter_table("federation_peer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_federation_peer_owner_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_federation_peer_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_federation_peer_next_attempt_at"))

    op.drop_table("federation_peer")
