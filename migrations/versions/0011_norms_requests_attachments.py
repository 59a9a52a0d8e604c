"""norms_requests_attachments

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aseancyber.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (attachment table, parent column, parent table)
ATTACHMENTS = (
    ("norm_assessment_attachment", "assessment_id", "norm_assessment"),
    ("cross_border_request_attachment", "request_id", "cross_border_request"),
)


def _create_attachments(table: str, parent_column: str, parent_table: str) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(parent_column, sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_name", sa.String(length=80), nullable=False),
        sa.Column("uploaded_by_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", aseancyber.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            [parent_column],
            [f"{parent_table}.id"],
            name=op.f(f"fk_{table}_{parent_column}_{parent_table}"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["app_user.id"],
            name=op.f(f"fk_{table}_uploaded_by_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("storage_name", name=op.f(f"uq_{table}_storage_name")),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(f"ix_{table}_parent", [parent_column, "created_at"], unique=False)


# Indexes behind the regional views at scale (heat map, "as of", progress over time).
ASSESSMENT_COVERING = [
    "member_state_id",
    "action_id",
    "status",
    "tlp",
    "owner_organisation_id",
    "created_by_id",
    "green_includes_external",
    "id",
]
PROGRESS_COLUMNS = ["assessment_id", "recorded_at", "level_delta", "counted_delta"]
CHANGED_LEVEL = sa.text("(level_delta != 0 OR counted_delta != 0)")
# Indexes behind the communication-check results and history at scale.
CONTACT_VISIBILITY = [
    "id",
    "tlp",
    "owner_organisation_id",
    "created_by_id",
    "green_includes_external",
]
TARGET_RESULTS = [
    "check_id",
    "member_state_id",
    "kind",
    "contact_id",
    "response_seconds",
    "acknowledged_at",
]


def upgrade() -> None:
    for table, parent_column, parent_table in ATTACHMENTS:
        _create_attachments(table, parent_column, parent_table)
    with op.batch_alter_table("norm_assessment", schema=None) as batch_op:
        batch_op.create_index("ix_norm_assessment_visible_status", ASSESSMENT_COVERING)
    with op.batch_alter_table("norm_action", schema=None) as batch_op:
        batch_op.create_index("ix_norm_action_norm_by_id", ["id", "norm_id"])
    with op.batch_alter_table("norm_assessment_version", schema=None) as batch_op:
        batch_op.drop_index("ix_norm_assessment_version_progress")
        batch_op.create_index(
            "ix_norm_assessment_version_changes",
            PROGRESS_COLUMNS,
            sqlite_where=CHANGED_LEVEL,
            postgresql_where=CHANGED_LEVEL,
        )
        batch_op.create_index(
            "ix_norm_assessment_version_latest",
            ["assessment_id", "recorded_at", "version", "status"],
        )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index("ix_contact_visibility", CONTACT_VISIBILITY)
    with op.batch_alter_table("contact_check_target", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_check_target_check")
        batch_op.create_index("ix_contact_check_target_results", TARGET_RESULTS)
        batch_op.create_index("ix_contact_check_target_page", ["check_id", "id"])
        batch_op.create_index(
            "ix_contact_check_target_unanswered", ["check_id", "acknowledged_at", "id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_check_target", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_check_target_unanswered")
        batch_op.drop_index("ix_contact_check_target_page")
        batch_op.drop_index("ix_contact_check_target_results")
        batch_op.create_index(
            "ix_contact_check_target_check", ["check_id", "member_state_id", "kind"]
        )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_visibility")
    with op.batch_alter_table("norm_assessment_version", schema=None) as batch_op:
        batch_op.drop_index("ix_norm_assessment_version_latest")
        batch_op.drop_index("ix_norm_assessment_version_changes")
        batch_op.create_index("ix_norm_assessment_version_progress", PROGRESS_COLUMNS)
    with op.batch_alter_table("norm_action", schema=None) as batch_op:
        batch_op.drop_index("ix_norm_action_norm_by_id")
    with op.batch_alter_table("norm_assessment", schema=None) as batch_op:
        batch_op.drop_index("ix_norm_assessment_visible_status")
    for table, _, _ in reversed(ATTACHMENTS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_parent")
        op.drop_table(table)
