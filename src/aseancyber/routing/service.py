"""The routing rules people use: look a batch up, and keep the constituency registry.

Looking up reveals only directory data (countries, ASes, organisations' names), so any
signed-in user may do it; the registry is edited by regional coordinators and platform
administrators, and every change is in the audit log (the ORM flush hook).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation
from aseancyber.access.policy import Actor
from aseancyber.access.rules import Action, may
from aseancyber.community.service import has_nul
from aseancyber.errors import Conflict, Forbidden, Invalid, NotFound
from aseancyber.routing import resolve, table
from aseancyber.routing.models import ConstituencyEntry, ConstituencyKind

MAX_FINDINGS = 10_000


@dataclass(frozen=True)
class Lookup:
    findings: list[resolve.Finding]
    rows: list[resolve.Routed]
    table_generation: int


def check_batch(values: Sequence[str], field_name: str = "findings") -> None:
    """Refuse an empty or oversized batch with a message naming the limit."""
    if not values:
        raise Invalid("give at least one finding", field_name)
    if len(values) > MAX_FINDINGS:
        raise Invalid(
            f"has {len(values)} findings; at most {MAX_FINDINGS} are routed in one batch",
            field_name,
        )


def look_up(db: Session, *, values: Sequence[str]) -> Lookup:
    """Name the responsible state and CERT of each finding, and the rule that decided it."""
    check_batch(values)
    findings = resolve.parse_findings(values)
    lookup_table = table.current_table(db)
    directory = resolve.load_directory(db)
    resolution = resolve.resolve(findings, table=lookup_table, directory=directory)
    routed = resolve.rows(findings, resolution, table=lookup_table, directory=directory)
    return Lookup(findings, routed, lookup_table.generation)


def lines_of(text: str) -> list[str]:
    """Findings from pasted or uploaded text: one a line (first comma/space field), no comments."""
    found = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        found.append(stripped.replace(",", " ").replace(";", " ").split()[0])
    return found


# --- the constituency registry ------------------------------------------------------------------


def normalise_key(kind: ConstituencyKind, key: str) -> str:
    """The stored form of a registry key, or :class:`Invalid` naming what is wrong."""
    text = key.strip()
    if kind is ConstituencyKind.COUNTRY:
        if len(text) != 2 or not text.isascii() or not text.isalpha():
            raise Invalid("must be an ISO 3166 alpha-2 country code such as MY", "key")
        return text.upper()
    if kind is ConstituencyKind.ASN:
        digits = text.upper().removeprefix("ASN").removeprefix("AS").strip()
        if not digits.isdigit() or not 0 < int(digits) < 1 << 32:
            raise Invalid("must be an AS number such as AS4788 (1 to 4294967295)", "key")
        return str(int(digits))
    domain = resolve.normalise_domain(text.lstrip("."))
    if domain is None and text.strip(".").isalpha() and len(text.strip(".")) >= 2:
        domain = text.strip(".").lower()  # a bare top-level domain such as "sg"
    if domain is None:
        raise Invalid("must be a domain suffix such as gov.my", "key")
    return domain


def list_entries(db: Session) -> list[ConstituencyEntry]:
    """Every registry entry, by kind and key."""
    return list(
        db.scalars(
            select(ConstituencyEntry).order_by(ConstituencyEntry.kind, ConstituencyEntry.key)
        )
    )


def create_entry(
    db: Session,
    *,
    actor: Actor,
    kind: ConstituencyKind,
    key: str,
    organisation_id: str,
    note: str = "",
) -> ConstituencyEntry:
    """Add a registry entry sending one country, AS or domain suffix to an organisation."""
    if not may(actor, Action.EDIT, ConstituencyEntry):
        raise Forbidden("editing the constituency registry needs the regional coordinator role")
    stored_key = normalise_key(kind, key)
    if has_nul(organisation_id) or db.get(Organisation, organisation_id) is None:
        raise Invalid("names no organisation", "organisation_id")
    exists = db.scalar(
        select(func.count())
        .select_from(ConstituencyEntry)
        .where(ConstituencyEntry.kind == kind, ConstituencyEntry.key == stored_key)
    )
    if exists:
        raise Conflict(f"the registry already has an entry for {kind.label.lower()} {stored_key}")
    entry = ConstituencyEntry(
        kind=kind,
        key=stored_key,
        organisation_id=organisation_id,
        note=note.strip(),
        created_by_id=actor.user_id,
    )
    db.add(entry)
    db.flush()
    return entry


def delete_entry(db: Session, *, actor: Actor, entry_id: str) -> None:
    """Remove a registry entry."""
    if not may(actor, Action.EDIT, ConstituencyEntry):
        raise Forbidden("editing the constituency registry needs the regional coordinator role")
    entry = None if has_nul(entry_id) else db.get(ConstituencyEntry, entry_id)
    if entry is None:
        raise NotFound("registry entry")
    db.delete(entry)
    db.flush()
