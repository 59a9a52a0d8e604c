"""sharing_streaming

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 04:10:00

What relationships and sightings point at moves out of the JSON body into indexed columns
(filled from the stored bodies here), and the (collection, id, version) index stops being
unique: an organisation that cannot see a stored version may hold its own copy of it.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFS = ("source_ref", "target_ref", "sighting_of_ref")
BACKFILL_BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("stix_object", schema=None) as batch_op:
        for name in REFS:
            batch_op.add_column(sa.Column(name, sa.String(length=300), nullable=True))
        batch_op.drop_index("ix_stix_object_version")
        batch_op.create_index(
            "ix_stix_object_version",
            ["collection_id", "stix_id", "version_at", "owner_organisation_id"],
            unique=True,
        )
        for name in REFS:
            batch_op.create_index(
                f"ix_stix_object_{name}",
                [name],
                unique=False,
                sqlite_where=sa.text(f"{name} IS NOT NULL"),
                postgresql_where=sa.text(f"{name} IS NOT NULL"),
            )
    _backfill()


def _backfill() -> None:
    """Copy the refs of every stored relationship and sighting out of its JSON body."""
    connection = op.get_bind()
    stix_object = sa.table(
        "stix_object",
        sa.column("id", sa.String),
        sa.column("type", sa.String),
        sa.column("body", sa.Text),
        *(sa.column(name, sa.String) for name in REFS),
    )
    last_id = ""
    while True:
        rows = connection.execute(
            sa.select(stix_object.c.id, stix_object.c.body)
            .where(stix_object.c.type.in_(["relationship", "sighting"]), stix_object.c.id > last_id)
            .order_by(stix_object.c.id)
            .limit(BACKFILL_BATCH)
        ).all()
        if not rows:
            return
        updates = []
        for record_id, body in rows:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = {}
            refs = {name: parsed.get(name) for name in REFS}
            updates.append(
                {"record_id": record_id}
                | {name: value if isinstance(value, str) else None for name, value in refs.items()}
            )
        connection.execute(
            stix_object.update()
            .where(stix_object.c.id == sa.bindparam("record_id"))
            .values({name: sa.bindparam(name) for name in REFS}),
            updates,
        )
        last_id = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("stix_object", schema=None) as batch_op:
        for name in REFS:
            batch_op.drop_index(f"ix_stix_object_{name}")
        batch_op.drop_index("ix_stix_object_version")
        batch_op.create_index(
            "ix_stix_object_version", ["collection_id", "stix_id", "version_at"], unique=True
        )
        for name in REFS:
            batch_op.drop_column(name)
