"""requests_escalation_deadlines

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 09:25:35

Issue 15, requests and contacts: an escalation record per missed deadline (who it went to
and why, as the requester sees it), an answer deadline beside the acknowledgement one, the
preservation period of a 24/7 request and its renewal prompt, and a contact flag naming a
state's national focal point.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aseancyber.db

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cross_border_request_escalation",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column(
            "deadline",
            sa.Enum(
                "acknowledgement",
                "answer",
                name="request_escalation_deadline",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("at", aseancyber.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("people_told", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["cross_border_request.id"],
            name=op.f("fk_cross_border_request_escalation_request_id_cross_border_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cross_border_request_escalation")),
    )
    with op.batch_alter_table("cross_border_request_escalation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cross_border_request_escalation_request", ["request_id", "at"], unique=False
        )

    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("focal_point", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("cross_border_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("answer_due_at", aseancyber.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("answer_reminded_at", aseancyber.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "answer_escalated_at", aseancyber.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("preserved_from", aseancyber.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("preserved_until", aseancyber.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "renewal_prompted_at", aseancyber.db.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("cross_border_request", schema=None) as batch_op:
        batch_op.drop_column("renewal_prompted_at")
        batch_op.drop_column("preserved_until")
        batch_op.drop_column("preserved_from")
        batch_op.drop_column("answer_escalated_at")
        batch_op.drop_column("answer_reminded_at")
        batch_op.drop_column("answer_due_at")

    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("focal_point")

    with op.batch_alter_table("cross_border_request_escalation", schema=None) as batch_op:
        batch_op.drop_index("ix_cross_border_request_escalation_request")

    op.drop_table("cross_border_request_escalation")
