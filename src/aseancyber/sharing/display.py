"""A STIX object in words for the object page: readable field names, organisation names for
identity references, TLP names for marking ids, and a simple pattern as "an IPv4 address".

The raw JSON stays available on the page; this is only how people read it.
"""

import re
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation
from aseancyber.sharing import stix

SKIPPED = frozenset({"type", "id", "spec_version", "name"})
TITLES = {
    "pattern": "Pattern",
    "pattern_type": "Pattern language",
    "indicator_types": "Indicator types",
    "valid_from": "Valid from",
    "valid_until": "Valid until",
    "created": "Created",
    "modified": "Last modified",
    "created_by_ref": "Created by",
    "object_marking_refs": "Label (marking)",
    "first_seen": "First seen",
    "last_seen": "Last seen",
    "count": "Times seen",
    "sighting_of_ref": "Sighting of",
    "where_sighted_refs": "Seen at",
    "relationship_type": "Relationship",
    "source_ref": "From",
    "target_ref": "To",
    "kill_chain_phases": "Kill chain phases",
    "external_references": "References",
    "confidence": "Confidence (0-100)",
    "labels": "Tags",
}
OBSERVABLE_WORDS = {
    "ipv4-addr:value": "IPv4 address",
    "ipv6-addr:value": "IPv6 address",
    "domain-name:value": "Domain name",
    "url:value": "URL",
    "email-addr:value": "E-mail address",
    "file:hashes.'SHA-256'": "File with SHA-256 hash",
    "file:hashes.MD5": "File with MD5 hash",
}
_SIMPLE = re.compile(r"\[([a-z0-9-]+:[A-Za-z0-9_.'-]+) = '((?:[^'\\]|\\.)*)'\]")
LABEL_FOR_MARKING = {marking: label.value for label, marking in stix.MARKING_FOR_LABEL.items()}


@dataclass(frozen=True)
class Field:
    title: str
    text: str


def _names_of_identities(db: Session) -> dict[str, str]:
    return {
        stix.identity_id_for(org_id): name
        for org_id, name in db.execute(select(Organisation.id, Organisation.name)).tuples()
    }


def _ref(value: Any, identities: dict[str, str]) -> str:
    text = str(value)
    if text in LABEL_FOR_MARKING:
        return LABEL_FOR_MARKING[text]
    if text in identities:
        return identities[text]
    return text


def observable(pattern: str) -> str | None:
    """ "IPv4 address 203.0.113.7" for a one-comparison pattern; ``None`` for others."""
    found = _SIMPLE.fullmatch(pattern.strip())
    if found is None or found.group(1) not in OBSERVABLE_WORDS:
        return None
    value = found.group(2).replace("\\'", "'").replace("\\\\", "\\")
    return f"{OBSERVABLE_WORDS[found.group(1)]} {value}"


def _text(key: str, value: Any, identities: dict[str, str]) -> str:
    if key.endswith("_ref"):
        return _ref(value, identities)
    if key.endswith("_refs") and isinstance(value, list):
        return ", ".join(_ref(v, identities) for v in value)
    if key == "kill_chain_phases" and isinstance(value, list):
        return ", ".join(
            f"{p.get('phase_name', '')} ({p.get('kill_chain_name', '')})"
            for p in value
            if isinstance(p, dict)
        )
    if key == "external_references" and isinstance(value, list):
        return "; ".join(
            " ".join(str(r.get(k)) for k in ("source_name", "external_id", "url") if r.get(k))
            for r in value
            if isinstance(r, dict)
        )
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str | int | float | bool):
        return str(value)
    return orjson.dumps(value).decode()


def fields(db: Session, obj: dict[str, Any]) -> list[Field]:
    """The object's properties as titled lines of text, the most useful first."""
    identities = _names_of_identities(db)
    found = []
    pattern = obj.get("pattern")
    if isinstance(pattern, str) and (words := observable(pattern)) is not None:
        found.append(Field("Observable", words))
    ordered = [k for k in TITLES if k in obj] + [k for k in obj if k not in TITLES]
    for key in ordered:
        if key in SKIPPED:
            continue
        title = TITLES.get(key, key.replace("_", " ").capitalize())
        found.append(Field(title, _text(key, obj[key], identities)))
    return found
