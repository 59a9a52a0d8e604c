"""What ingest may store and as whose: claimed authors, earlier versions, marking definitions.

Each rule answers for a whole batch with at most one query, so ingest keeps its speed; what
the poster may not see only ever changes where their own post is stored, never whether, so
no answer tells them a hidden id exists (see :mod:`aseancyber.sharing.ingest`).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    String,
    any_,
    bindparam,
    case,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session

from aseancyber.access.models import Organisation
from aseancyber.access.policy import Actor, Tlp, stricter, visible_to
from aseancyber.sharing import stix
from aseancyber.sharing.models import StixObject

NEEDS_NAMED_AUDIENCE = frozenset({Tlp.AMBER, Tlp.RED})


def among(
    db: Session, column: InstrumentedAttribute[str], values: Iterable[str]
) -> ColumnElement[bool]:
    """``column IN values`` with every value in one bound parameter: a PostgreSQL array, or
    a JSON array read by SQLite's ``json_each``. A statement of a thousand placeholders cost
    more to build and parse (on every batch: PostgreSQL's driver caches no statement that
    long) than to run."""
    dialect = db.connection().dialect.name
    return _among(dialect, column, _list_parameter(dialect, None, _listed(dialect, values)))


def _list_parameter(dialect: str, name: str | None, value: Any = None) -> BindParameter[Any]:
    return bindparam(name, value, type_=ARRAY(String) if dialect == "postgresql" else String())


def _among(
    dialect: str, column: InstrumentedAttribute[str], values: BindParameter[Any]
) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return column == any_(values)
    return column.in_(select(literal_column("value")).select_from(func.json_each(values)))


def _listed(dialect: str, values: Iterable[str]) -> list[str] | str:
    """The value of :func:`among`'s parameter: a list, or its JSON text on SQLite."""
    ordered = sorted(set(values))
    return ordered if dialect == "postgresql" else orjson.dumps(ordered).decode()


def audience_rows(
    record_id: str,
    *,
    label: Tlp,
    organisation_ids: frozenset[str],
    user_ids: frozenset[str],
    group_organisation_ids: frozenset[str],
) -> list[dict[str, Any]]:
    """The audience rows of one stored version: exactly the audience the sharer named.

    Only when the sharer named nobody (a TAXII POST cannot) is a sharing group's membership
    (``group_organisation_ids``) the implied audience of a TLP:AMBER or TLP:RED object in
    the group's collection; a collection or its grants never widen a named audience.
    """
    organisations = organisation_ids
    if not organisation_ids and not user_ids and label in NEEDS_NAMED_AUDIENCE:
        organisations = group_organisation_ids
    rows = [
        {
            "record_kind": "stix_object",
            "record_id": record_id,
            "organisation_id": org,
            "user_id": None,
        }
        for org in sorted(organisations)
    ]
    rows.extend(
        {
            "record_kind": "stix_object",
            "record_id": record_id,
            "organisation_id": None,
            "user_id": user,
        }
        for user in sorted(user_ids)
    )
    return rows


def author_problem(
    obj: Mapping[str, Any], *, organisation_id: str, identities: Mapping[str, str]
) -> str | None:
    """Why ``obj`` may not be posted by ``organisation_id``: it speaks in the name of another
    organisation on this platform (``identities`` maps their STIX identity ids)."""
    claimed = obj.get("created_by_ref")
    if isinstance(claimed, str) and identities.get(claimed, organisation_id) != organisation_id:
        return (
            "created_by_ref is the identity of another organisation on this platform: "
            "objects are shared in your organisation's name (use its identity or leave "
            "created_by_ref out)"
        )
    stix_id = obj.get("id")
    if obj.get("type") == "identity" and identities.get(str(stix_id), organisation_id) != (
        organisation_id
    ):
        return "is the identity of another organisation on this platform, which only it publishes"
    return None


def resolve_markings(
    db: Session,
    *,
    actor: Actor,
    collection_id: str,
    refs: Iterable[str],
    definitions: dict[str, Tlp | None],
) -> set[str]:
    """Add to ``definitions`` what each stored marking definition among ``refs`` restricts to
    (only definitions ``actor`` may see); return the refs still unresolved (no TLP id, not
    sent, not stored where the poster can see it)."""
    wanted = {ref for ref in refs if ref not in stix.KNOWN_TLP_MARKINGS and ref not in definitions}
    if not wanted:
        return set()
    for stix_id, body in db.execute(
        select(StixObject.stix_id, StixObject.body)
        .where(
            StixObject.collection_id == collection_id,
            among(db, StixObject.stix_id, wanted),
            visible_to(actor, StixObject),  # a hidden definition is unknown here
        )
        .order_by(StixObject.version_at)
    ):
        definitions[stix_id] = stix.definition_label(orjson.loads(body))
    return wanted - definitions.keys()


@dataclass
class Existing:
    """What is stored under one STIX id in the collection, as far as the poster may know."""

    visible: set[datetime | None] = field(default_factory=set)  # versions the poster sees
    # The name of another organisation holding a version the poster sees: only it may
    # publish new versions.
    other_owner: str | None = None
    # Another organisation holds a version the poster may not see.
    hidden: bool = False
    # Versions the poster's organisation holds that the poster may not see (one per owner).
    hidden_own: set[datetime | None] = field(default_factory=set)
    # The label of the latest version the poster sees that their organisation holds.
    own_label: Tlp | None = None
    own_at: datetime | None = None

    def has(self, version: datetime | None) -> bool:
        """Whether storing this version would be a no-op (or a second copy per owner)."""
        if version is None:
            return bool(self.visible)
        return version in self.visible or version in self.hidden_own


def existing_versions(
    db: Session, *, actor: Actor, collection_id: str, ids: set[str]
) -> dict[str, Existing]:
    """Every stored version of ``ids`` in the collection, in one query, with whether
    ``actor`` may see it and which organisation holds it."""
    if not ids:
        return {}
    own = actor.organisation_id
    found: dict[str, Existing] = {}
    dialect = db.connection().dialect.name
    rows = db.execute(
        _versions_statement(actor, dialect),
        {"collection_id": collection_id, "stix_ids": _listed(dialect, ids)},
    ).tuples()
    for stix_id, version_at, owner, label, owner_name, visible in rows:
        entry = found.setdefault(stix_id, Existing())
        if visible == 1:
            entry.visible.add(version_at)
            if owner != own:
                entry.other_owner = owner_name
            elif entry.own_at is None or version_at >= entry.own_at:
                entry.own_label, entry.own_at = label, version_at
        elif owner != own:
            entry.hidden = True
        else:
            entry.hidden_own.add(version_at)
    return found


@lru_cache(maxsize=256)
def _versions_statement(actor: Actor, dialect: str) -> Select[Any]:
    """The query of :func:`existing_versions` for one poster, its collection and ids left
    as parameters: built once per poster, as the policy's expression cost more to build on
    every batch than the query took to run."""
    columns = (
        StixObject.stix_id,
        StixObject.version_at,
        StixObject.owner_organisation_id,
        StixObject.tlp,
        Organisation.name,
        case((visible_to(actor, StixObject), 1), else_=0).label("visible"),
    )
    statement = (
        select(*columns)
        .join(Organisation, Organisation.id == StixObject.owner_organisation_id)
        .where(StixObject.collection_id == bindparam("collection_id"))
    )
    return _for_each_id(dialect, statement, _list_parameter(dialect, "stix_ids"))


def _for_each_id(dialect: str, statement: Select[Any], ids: BindParameter[Any]) -> Select[Any]:
    """``statement`` (over ``stix_object`` in one collection) kept to the rows whose STIX id
    is among ``ids``, each id looked up through the (collection_id, stix_id, ...) index.

    On PostgreSQL a plain ``stix_id = ANY(ids)`` was soon run by the driver's prepared
    statement as a generic plan that scanned the whole collection and searched the id list
    row by row (a large feed's rows all share one collection_id): each batch then cost the
    size of the collection times the batch, 0.4 ms per object at 20,000 stored. A lateral
    subquery kept apart by ``OFFSET 0`` is run once per id, where only that index answers,
    whatever the plan cache and the statistics say.
    """
    if dialect != "postgresql":
        return statement.where(_among(dialect, StixObject.stix_id, ids))
    wanted = func.unnest(ids).table_valued("stix_id").render_derived(name="wanted")
    found = statement.where(StixObject.stix_id == wanted.c.stix_id).offset(0).lateral("found")
    return select(*found.c).select_from(wanted).join(found, true())


# The properties by which a relationship or a sighting points at other objects.
_POINTERS = {
    "relationship": ("source_ref", "target_ref"),
    "sighting": ("sighting_of_ref", "observed_data_refs"),
}


def pointed_at(obj: Mapping[str, Any]) -> list[str]:
    """The ids a relationship or sighting points at (none for any other object)."""
    found: list[str] = []
    for name in _POINTERS.get(str(obj.get("type")), ()):
        value = obj.get(name)
        values = value if isinstance(value, list) else [value]
        found.extend(ref for ref in values if isinstance(ref, str))
    return found


def derived_floors(
    db: Session,
    *,
    actor: Actor,
    collection_id: str,
    batch: Iterable[tuple[Mapping[str, Any], Tlp]],
) -> dict[str, Tlp]:
    """For each relationship and sighting in ``batch`` (objects with their labels), the
    strictest label among what it points at: objects of the same batch, and stored versions
    in the collection that ``actor`` may see. A derived record is never wider than what it
    points at, so ingest raises its label to this floor.

    Versions hidden from the poster are not looked at: raising the label because of them
    would tell the poster a hidden id exists (they read their own relationship back).
    """
    pairs = list(batch)
    pointers = {
        str(obj.get("id")): refs
        for obj, _ in pairs
        if obj.get("type") in _POINTERS and (refs := pointed_at(obj))
    }
    if not pointers:
        return {}
    labels: dict[str, Tlp] = {}
    for obj, label in pairs:
        stix_id = str(obj.get("id"))
        labels[stix_id] = stricter(labels.get(stix_id, label), label)
    wanted = {ref for refs in pointers.values() for ref in refs}
    dialect = db.connection().dialect.name
    statement = select(StixObject.stix_id, StixObject.tlp).where(
        StixObject.collection_id == collection_id, visible_to(actor, StixObject)
    )
    ids = _list_parameter(dialect, None, _listed(dialect, wanted))
    for stix_id, label in db.execute(_for_each_id(dialect, statement, ids)).tuples():
        labels[stix_id] = stricter(labels.get(stix_id, label), label)
    floors: dict[str, Tlp] = {}
    for derived, refs in pointers.items():
        for ref in refs:
            if ref in labels:
                floors[derived] = stricter(floors.get(derived, labels[ref]), labels[ref])
    return floors
