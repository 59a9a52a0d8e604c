"""initiative_other_beneficiaries

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 17:40:00

Issue 16, registry import: beneficiaries outside ASEAN (a dialogue partner such as Japan,
"Pacific Islands") are kept as a facet of their own instead of being refused or dropped,
so the tag kind check constraint gains ``other_beneficiary``.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ["state", "theme", "audience", "norm", "clause", "funder", "implementer", "partner"]
CONSTRAINT = "ck_initiative_tag_initiative_tag_kind"


def _check(kinds: list[str]) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def upgrade() -> None:
    with op.batch_alter_table("initiative_tag", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(CONSTRAINT), type_="check")
        batch_op.create_check_constraint(
            "initiative_tag_kind", _check([*KINDS, "other_beneficiary"])
        )


def downgrade() -> None:
    op.execute("DELETE FROM initiative_tag WHERE kind = 'other_beneficiary'")
    with op.batch_alter_table("initiative_tag", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(CONSTRAINT), type_="check")
        batch_op.create_check_constraint("initiative_tag_kind", _check(KINDS))
