"""The norms catalogue as reference data: ``seed/catalogue.json`` loaded by ``aseancyber init``.

Norms are upserted by letter. Practical actions are created when their code (``g.3``) is
missing and otherwise left alone, so a regional coordinator's edits survive a reload.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.norms.models import ActionLevel, Norm, NormAction

CATALOGUE_FILE = Path(__file__).parent / "seed" / "catalogue.json"


@cache
def catalogue_data() -> dict[str, Any]:
    """The parsed catalogue file (read once per process)."""
    data: dict[str, Any] = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    return data


class Counts(Protocol):
    """What a load reports to (``aseancyber.reference.LoadSummary``)."""

    def count(self, kind: str, *, created: bool, changed: bool) -> None: ...


class _Ignored:
    def count(self, kind: str, *, created: bool, changed: bool) -> None:
        return None


def load_norms(db: Session, summary: Counts | None = None) -> None:
    """Create or update the 11 norms and add the seeded practical actions that are missing."""
    summary = summary if summary is not None else _Ignored()
    existing_codes = set(db.scalars(select(NormAction.code)))
    for position, item in enumerate(catalogue_data()["norms"]):
        norm = db.scalar(select(Norm).where(Norm.letter == item["letter"]))
        values = {
            "short_name": item["short_name"],
            "description": item["description"],
            "position": position,
        }
        created = norm is None
        if norm is None:
            norm = Norm(letter=item["letter"], **values)
            db.add(norm)
        changed = any(getattr(norm, name) != value for name, value in values.items())
        for name, value in values.items():
            setattr(norm, name, value)
        summary.count("norm", created=created, changed=changed)
        db.flush()
        for number, action in enumerate(item["actions"], start=1):
            code = f"{item['letter']}.{number}"
            if code in existing_codes:
                continue
            db.add(
                NormAction(
                    norm_id=norm.id,
                    code=code,
                    title=action["title"],
                    description=action.get("description", ""),
                    level=ActionLevel(action["level"]),
                    position=number,
                )
            )
            summary.count("norm_action", created=True, changed=False)
    db.flush()
