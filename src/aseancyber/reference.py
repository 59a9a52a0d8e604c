"""The real, public community directory (states, pillars, bodies, partners, agencies, CERTs).

``community/seed/reference.json`` is data, not code: a production node loads it with
``aseancyber init`` and gets the directory without any demo account. Loading is an upsert
by natural key (``iso2`` for states, ``code`` for pillars, bodies and partners, ``name``
for organisations), so running it again changes nothing unless the file changed.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from aseancyber.access.models import DialoguePartner, MemberState, Organisation, OrganisationKind
from aseancyber.community.models import Pillar, SectoralBody
from aseancyber.community.reference import reference_data
from aseancyber.db import Base
from aseancyber.norms.reference import load_norms

Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, what)`` while data is loaded."""

ModelT = TypeVar("ModelT", bound=Base)


@dataclass
class LoadSummary:
    """How many rows a load created and changed (both zero on a repeated run)."""

    created: int = 0
    updated: int = 0
    created_by_kind: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, *, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
            self.created_by_kind[kind] = self.created_by_kind.get(kind, 0) + 1
        elif changed:
            self.updated += 1


def upsert(
    db: Session,
    model: type[ModelT],
    key: InstrumentedAttribute[Any],
    key_value: Any,
    values: dict[str, Any],
) -> tuple[ModelT, bool, bool]:
    """Find ``model`` by its natural key, create it or set only the values that differ.

    Returns the row, whether it was created and whether an existing row changed.
    """
    row = db.scalar(select(model).where(key == key_value))
    if row is None:
        row = model(**{key.key: key_value}, **values)
        db.add(row)
        return row, True, False
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return row, False, changed


def load_reference(db: Session, *, progress: Progress | None = None) -> LoadSummary:
    """Create or update the reference directory so that it matches ``reference.json``."""
    data = reference_data()
    summary = LoadSummary()
    total = sum(
        len(data[part])
        for part in (
            "pillars",
            "member_states",
            "dialogue_partners",
            "organisations",
            "sectoral_bodies",
        )
    )
    done = 0

    def step(what: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, what)

    pillars: dict[str, Pillar] = {}
    for item in data["pillars"]:
        pillar, created, changed = upsert(
            db, Pillar, Pillar.code, item["code"], {"name": item["name"]}
        )
        pillars[item["code"]] = pillar
        summary.count("pillar", created=created, changed=changed)
        step("pillars")

    states: dict[str, MemberState] = {}
    for item in data["member_states"]:
        state, created, changed = upsert(
            db,
            MemberState,
            MemberState.iso2,
            item["iso2"],
            {
                "name": item["name"],
                "iso3": item["iso3"],
                "accession_date": date.fromisoformat(item["accession_date"]),
                "time_zone": item["time_zone"],
            },
        )
        states[item["iso2"]] = state
        summary.count("member_state", created=created, changed=changed)
        step("member states")

    partners: dict[str, DialoguePartner] = {}
    for item in data["dialogue_partners"]:
        partner, created, changed = upsert(
            db, DialoguePartner, DialoguePartner.code, item["code"], {"name": item["name"]}
        )
        partners[item["code"]] = partner
        summary.count("dialogue_partner", created=created, changed=changed)
        step("dialogue partners")
    db.flush()

    organisations: dict[str, Organisation] = {}
    for item in data["organisations"]:
        state_code = item.get("member_state")
        partner_code = item.get("dialogue_partner")
        organisation, created, changed = upsert(
            db,
            Organisation,
            Organisation.name,
            item["name"],
            {
                "short_name": item["short_name"],
                "kind": OrganisationKind(item["kind"]),
                "member_state_id": states[state_code].id if state_code else None,
                "dialogue_partner_id": partners[partner_code].id if partner_code else None,
            },
        )
        organisations[item["key"]] = organisation
        summary.count("organisation", created=created, changed=changed)
        step("organisations")
    db.flush()

    for item in data["sectoral_bodies"]:
        pillar_code = item.get("pillar")
        body, created, changed = upsert(
            db,
            SectoralBody,
            SectoralBody.code,
            item["code"],
            {
                "name": item["name"],
                "pillar_id": pillars[pillar_code].id if pillar_code else None,
                "remit": item["remit"],
            },
        )
        summary.count("sectoral_body", created=created, changed=changed)
        wanted = _members(data, organisations, item["members"])
        # Add missing participants; members an administrator added by hand are kept.
        present = {member.id for member in body.members} if not created else set()
        for organisation in wanted:
            if organisation.id not in present:
                body.members.append(organisation)
                if not created:
                    summary.updated += 1
        step("sectoral bodies")
    db.flush()
    load_norms(db, summary)
    return summary


def _members(
    data: dict[str, Any], organisations: dict[str, Organisation], selectors: list[str]
) -> list[Organisation]:
    """Resolve ``kind:<kind>`` (every reference organisation of that kind) and plain keys."""
    chosen: dict[str, Organisation] = {}
    for selector in selectors:
        if selector.startswith("kind:"):
            kind = selector.removeprefix("kind:")
            for item in data["organisations"]:
                if item["kind"] == kind:
                    chosen[item["key"]] = organisations[item["key"]]
        else:
            chosen[selector] = organisations[selector]
    return list(chosen.values())
