"""The reference organisations by stable key (``cert:sg``...), read from the seed file that
``aseancyber init`` loads (:mod:`aseancyber.reference`); demo data builds on them."""

import json
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation
from aseancyber.errors import NotFound

REFERENCE_FILE = Path(__file__).parent / "seed" / "reference.json"


@cache
def reference_data() -> dict[str, Any]:
    """The parsed reference file (read once per process)."""
    data: dict[str, Any] = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    return data


def organisation_name(key: str) -> str:
    """The name of the reference organisation with this stable key (``cert:sg``, ...)."""
    for item in reference_data()["organisations"]:
        if item["key"] == key:
            return str(item["name"])
    raise KeyError(key)


def organisation_by_key(db: Session, key: str) -> Organisation:
    """The loaded reference organisation with this stable key, e.g. ``cert:sg``."""
    organisation = db.scalar(
        select(Organisation).where(Organisation.name == organisation_name(key))
    )
    if organisation is None:
        raise NotFound(f"reference organisation {key!r} (run `aseancyber init` first)")
    return organisation
