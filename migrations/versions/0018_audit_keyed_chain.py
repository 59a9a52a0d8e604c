"""audit_keyed_chain

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 03:00:00

The audit chain becomes keyed (issue 13): each entry's seal is HMAC-SHA256 under the audit
key (``ASEANCYBER_AUDIT_KEY``, or derived from the secret key) instead of plain SHA-256.
Existing entries are re-sealed here, after their plain chain is checked: a chain already
broken is refused (the operator investigates first; nothing is changed), so re-sealing never
launders tampering. One rule then verifies the whole log, and no "old-style" entry exists
for a forger to imitate. The re-sealing is itself recorded in the chain, with its count.

Run this migration with the same key the platform will run with, or the chain will not
verify afterwards. The downgrade checks the keyed chain and restores the plain seals.
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Connection, bindparam, select, update

from aseancyber.audit import chain
from aseancyber.db import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
Seal = Callable[[dict[str, Any]], str]


def _reseal(connection: Connection, *, old: Seal, new: Seal) -> int:
    """Check every entry against ``old`` and rewrite its link and seal with ``new``."""
    typed: dict[str, Any] = {"at": UTCDateTime(), "changed_fields": sa.JSON(), "seq": sa.Integer()}
    table = sa.table(
        "audit_entry",
        *(sa.column(name, typed.get(name)) for name in ("hash", *chain.PLAIN_HASHED_FIELDS)),
        sa.column("detail", sa.JSON()),
    )
    after_seq = 0
    expected_seq = 1
    old_prev = new_prev = chain.GENESIS
    statement = (
        update(table)
        .where(table.c.seq == bindparam("b_seq"))
        .values(prev_hash=bindparam("b_prev"), hash=bindparam("b_hash"))
    )
    while True:
        rows = connection.execute(
            select(table).where(table.c.seq > after_seq).order_by(table.c.seq).limit(BATCH)
        ).all()
        if not rows:
            return expected_seq - 1
        changes = []
        for row in rows:
            fields = dict(row._mapping)
            if fields["seq"] != expected_seq or fields["prev_hash"] != old_prev:
                raise RuntimeError(
                    f"the audit chain is broken at entry {expected_seq} (removed or reordered); "
                    "it is not re-sealed: investigate with `aseancyber audit verify` first"
                )
            if old(fields) != fields["hash"]:
                raise RuntimeError(
                    f"the audit chain is broken at entry {expected_seq} (altered); "
                    "it is not re-sealed: investigate with `aseancyber audit verify` first"
                )
            old_prev = fields["hash"]
            fields["prev_hash"] = new_prev
            new_prev = new(fields)
            changes.append(
                {"b_seq": fields["seq"], "b_prev": fields["prev_hash"], "b_hash": new_prev}
            )
            expected_seq += 1
        connection.execute(statement, changes)
        after_seq = rows[-1].seq


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", sa.JSON(), nullable=True))
    connection = op.get_bind()
    key = chain.audit_key()
    count = _reseal(
        connection, old=chain.plain_hash, new=lambda fields: chain.entry_hash(fields, key)
    )
    if count:
        chain.record_migration(
            connection,
            revision=revision,
            action="audit.chain_keyed",
            record_kind="audit_entry",
            counts={"resealed": count},
            key=key,
        )


def downgrade() -> None:
    connection = op.get_bind()
    key = chain.audit_key()
    _reseal(connection, old=lambda fields: chain.entry_hash(fields, key), new=chain.plain_hash)
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_column("detail")
