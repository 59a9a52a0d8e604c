"""email_queue

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 03:00:00

The e-mail queue gets priorities (communication checks, requests and escalations before case
chatter) and digests: a person's new messages in one case gather in one queued e-mail until
the mailer claims it. A communication check's target keeps its first e-mail, so its response
time is measured from when the mailer actually sent it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_DIGEST = "digest_key IS NOT NULL AND status = 'queued' AND attempts = 0"


def upgrade() -> None:
    with op.batch_alter_table("outbound_email", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="5"))
        batch_op.add_column(sa.Column("digest_key", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column("digest_items", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            "ix_outbound_email_queue", ["status", "priority", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            "ix_outbound_email_open_digest",
            ["digest_key"],
            unique=True,
            sqlite_where=sa.text(OPEN_DIGEST),
            postgresql_where=sa.text(OPEN_DIGEST),
        )
    with op.batch_alter_table("contact_check_target", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_id", sa.String(length=36), nullable=True))
        batch_op.add_column(
            sa.Column("response_from", sa.String(length=10), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_contact_check_target_email_id_outbound_email"),
            "outbound_email",
            ["email_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_check_target", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_contact_check_target_email_id_outbound_email"), type_="foreignkey"
        )
        batch_op.drop_column("response_from")
        batch_op.drop_column("email_id")
    with op.batch_alter_table("outbound_email", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_email_open_digest")
        batch_op.drop_index("ix_outbound_email_queue")
        batch_op.drop_column("digest_items")
        batch_op.drop_column("digest_key")
        batch_op.drop_column("priority")
