"""STIX 2.1 validation at ingest and the TLP 2.0 label of an object, without a database.

:func:`check_object` returns the problem with one object (a sentence naming the property)
or ``None``; it covers the common properties, timestamps, reference shapes, the required
properties of every SDO, SRO, SCO and meta object, and indicator patterns (the
stix2-patterns grammar). Custom ``x-`` objects and objects defined by an extension
definition are accepted when their common properties are well formed.
"""

import math
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from itertools import repeat
from typing import Any

import orjson

from aseancyber.access.policy import Tlp, stricter
from aseancyber.sharing.stix_types import (
    MAX_ERROR_LENGTH,
    MAX_PATTERN_LENGTH,
    META_REQUIRED,
    SCO_REQUIRED,
    SDO_REQUIRED,
    SRO_REQUIRED,
    StixProblem,
    check_pattern,
    check_required,
    check_specific,
)

# Defined with the per-type rules, and used by callers through this module as before.
__all__ = ["MAX_PATTERN_LENGTH", "StixProblem", "check_pattern"]

TLP_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP_CREATED = "2022-10-01T00:00:00.000Z"
TLP2_MARKINGS: dict[str, Tlp] = {
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": Tlp.CLEAR,
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": Tlp.GREEN,
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": Tlp.AMBER,
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": Tlp.AMBER_STRICT,
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": Tlp.RED,
}
TLP1_MARKINGS: dict[str, Tlp] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Tlp.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Tlp.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Tlp.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Tlp.RED,
}
# OpenCTI marks TLP:CLEAR, GREEN, AMBER and RED with the TLP 1.0 ids above, and
# TLP:AMBER+STRICT (which TLP 1.0 lacks) with an id of its own.
OPENCTI_MARKINGS: dict[str, Tlp] = {
    "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37": Tlp.AMBER_STRICT,
}
# Every marking-definition id whose TLP label is known from the id alone.
KNOWN_TLP_MARKINGS: dict[str, Tlp] = {**TLP1_MARKINGS, **OPENCTI_MARKINGS, **TLP2_MARKINGS}
MARKING_FOR_LABEL = {label: marking for marking, label in TLP2_MARKINGS.items()}
TLP1_TO_TLP2 = {old: MARKING_FOR_LABEL[label] for old, label in TLP1_MARKINGS.items()}
# OpenCTI's own id for each label: an object that came from OpenCTI goes back to it with
# the marking OpenCTI knows, next to the TLP 2.0 one (see :func:`from_opencti`).
OPENCTI_MARKING_FOR_LABEL: dict[Tlp, str] = {
    **{label: marking for marking, label in TLP1_MARKINGS.items()},
    **{label: marking for marking, label in OPENCTI_MARKINGS.items()},
}
# The extension definition OpenCTI (5.4 and later) writes its own properties under.
OPENCTI_EXTENSION_ID = "extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba"
# What a marking the platform does not recognise makes an object at least: only the owner
# organisation (and its named audience) reads it, never the collection's default.
UNRECOGNISED_MARKING_LABEL = Tlp.AMBER_STRICT
TLP_NAMES: dict[str, Tlp] = {
    "clear": Tlp.CLEAR,
    "white": Tlp.CLEAR,
    "green": Tlp.GREEN,
    "amber": Tlp.AMBER,
    "amber+strict": Tlp.AMBER_STRICT,
    "amber-strict": Tlp.AMBER_STRICT,
    "amber_strict": Tlp.AMBER_STRICT,
    "red": Tlp.RED,
}
IDENTITY_NAMESPACE = uuid.UUID("6d2f8c4e-5b1a-4c43-9d8e-1a2b3c4d5e6f")

TIMESTAMP_PROPERTIES = (
    "valid_from",
    "valid_until",
    "first_seen",
    "last_seen",
    "published",
    "first_observed",
    "last_observed",
    "start_time",
    "stop_time",
    "object_modified",
)
SINGLE_REFS = ("created_by_ref", "source_ref", "target_ref", "sighting_of_ref", "object_ref")
LIST_REFS = ("object_refs", "where_sighted_refs", "observed_data_refs", "object_marking_refs")

_TYPE = re.compile(r"[a-z0-9][a-z0-9-]{1,248}[a-z0-9]")
# RFC 4122 UUIDs (version 1-8, variant 10xx), as STIX 2.1 requires.
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
_UUID_ONLY = re.compile(_UUID)
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z", re.ASCII)
_MILLISECONDS = re.compile(r"\.\d{3,9}Z$")
# Limits on what one object may hold, far above real STIX and below where the parsers,
# orjson (255 levels) and the pattern grammar's recursion give up.
MAX_NESTING = 64
STIX_INTEGER_LIMIT = 2**53 - 1  # STIX 2.1 section 2.10: integers fit a signed 54-bit value


def parse_timestamp(value: Any, name: str) -> datetime:
    """An RFC 3339 UTC timestamp (``...Z``) as an aware datetime (nanoseconds truncated)."""
    moment = _parse_utc(value) if isinstance(value, str) else _NOT_RFC3339
    if isinstance(moment, datetime):
        return moment
    raise StixProblem(f"{name} {moment}")


_NOT_RFC3339 = "must be an RFC 3339 timestamp in UTC ending in Z"


@lru_cache(maxsize=8192)  # bulk feeds repeat the same few timestamps many times
def _parse_utc(value: str) -> datetime | str:
    """The moment ``value`` stands for, or what is wrong with it (a sentence's end)."""
    if not _TIMESTAMP.fullmatch(value):
        return _NOT_RFC3339
    head, _, fraction = value[:-1].partition(".")
    try:
        moment = datetime.fromisoformat(head).replace(tzinfo=UTC)
    except ValueError:
        return "is not a real date and time"
    if fraction:
        moment = moment.replace(microsecond=int(fraction[:6].ljust(6, "0")))
    return moment


@lru_cache(maxsize=8192)
def _has_milliseconds(value: str) -> bool:
    return _MILLISECONDS.search(value) is not None


def format_timestamp(value: datetime) -> str:
    """A STIX/TAXII timestamp with microseconds, in UTC."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _check_id(value: Any, name: str, expected_type: str | None = None) -> str:
    if not isinstance(value, str):
        raise StixProblem(f"{name} must be a STIX identifier (type--UUID)")
    kind, _, identifier = value.partition("--")
    if not _is_type(kind) or not _UUID_ONLY.fullmatch(identifier):
        raise StixProblem(f"{name} must be a STIX identifier (type--UUID)")
    if expected_type is not None and kind != expected_type:
        raise StixProblem(f"{name} must start with '{expected_type}--'")
    return value


@lru_cache(maxsize=1024)
def _is_type(kind: str) -> bool:
    return _TYPE.fullmatch(kind) is not None and "--" not in kind


def _is_extension_defined(obj: Mapping[str, Any]) -> bool:
    extensions = obj.get("extensions")
    return isinstance(extensions, dict) and any(
        isinstance(key, str) and key.startswith("extension-definition--") for key in extensions
    )


def check_object(obj: Any) -> str | None:
    """The problem with one STIX 2.1 object, or ``None`` when it may be stored."""
    try:
        _check(obj)
    except StixProblem as problem:
        return str(problem)[:MAX_ERROR_LENGTH]
    return None


def _check(obj: Any) -> None:
    if not isinstance(obj, dict):
        raise StixProblem("each object must be a JSON object")
    if isinstance(obj, RefusedObject):
        raise StixProblem(obj.reason)
    for name, value in obj.items():
        if value.__class__ is not str:
            _check_value(value, name, 1)
    kind = obj.get("type")
    if not isinstance(kind, str) or not _is_type(kind):
        raise StixProblem("type must be 3-250 characters: a-z, 0-9 and single hyphens")
    _check_id(obj.get("id"), "id", kind)
    is_sco = kind in SCO_REQUIRED
    known = kind in SDO_REQUIRED or kind in SRO_REQUIRED or kind in META_REQUIRED or is_sco
    custom = kind.startswith("x-") or _is_extension_defined(obj)
    if not known and not custom:
        raise StixProblem(f"type '{kind}' is not a STIX 2.1 type (custom types start with x-)")
    spec_version = obj.get("spec_version")
    custom_observable = not known and "created" not in obj
    if spec_version is None and not is_sco and not custom_observable:
        raise StixProblem("spec_version is required and must be 2.1")
    if spec_version is not None and spec_version != "2.1":
        raise StixProblem("spec_version must be 2.1")
    # Custom objects without created are custom observables, which carry no timestamps.
    _check_timestamps(
        obj, needs_timestamps=(known and not is_sco) or (not known and "created" in obj)
    )
    _check_properties(obj)
    required = (
        SDO_REQUIRED.get(kind)
        or SRO_REQUIRED.get(kind)
        or META_REQUIRED.get(kind)
        or SCO_REQUIRED.get(kind)
        or ()
    )
    check_required(obj, required)
    check_specific(obj)


class RefusedObject(dict[str, Any]):
    """An object the JSON reader already found wrong (what it could decode of it, and why):
    :func:`check_object` refuses it with that reason."""

    def __init__(self, value: dict[str, Any], reason: str) -> None:
        super().__init__(value)
        self.reason = reason


def _check_value(value: Any, name: str, depth: int) -> None:
    """Refuse numbers JSON and STIX cannot carry and nesting past :data:`MAX_NESTING`."""
    kind = value.__class__
    if kind is dict or kind is list:
        if depth >= MAX_NESTING:
            raise StixProblem(f"{name} nests deeper than {MAX_NESTING} levels")
        for item in value.values() if kind is dict else value:
            if item.__class__ is not str:
                _check_value(item, name, depth + 1)
    elif kind is int:
        if not -STIX_INTEGER_LIMIT <= value <= STIX_INTEGER_LIMIT:
            raise StixProblem(
                f"{name} holds an integer outside STIX's range of plus or minus 2^53-1"
            )
    elif kind is float and not math.isfinite(value):
        raise StixProblem(
            f"{name} holds a number that is not finite (NaN, Infinity, or too large such as 1e999)"
        )


def _check_timestamps(obj: dict[str, Any], *, needs_timestamps: bool) -> None:
    created = modified = None
    if "created" in obj or needs_timestamps:
        created = parse_timestamp(obj.get("created"), "created")
    if "modified" in obj or (needs_timestamps and obj["type"] != "marking-definition"):
        modified = parse_timestamp(obj.get("modified"), "modified")
    for name in ("created", "modified"):
        value = obj.get(name)
        if isinstance(value, str) and not _has_milliseconds(value):
            raise StixProblem(f"{name} must be precise to the millisecond (e.g. ...T12:00:00.000Z)")
    if created is not None and modified is not None and modified < created:
        raise StixProblem("modified must not be earlier than created")


def _check_properties(obj: dict[str, Any]) -> None:
    # Only the properties present are looked at: one set intersection instead of a scan.
    for name in obj.keys() & _PROPERTY_CHECKS.keys():
        _PROPERTY_CHECKS[name](obj[name], name)


def _check_list_of(value: Any, name: str) -> None:
    if not isinstance(value, list):
        raise StixProblem(f"{name} must be a list")


def _check_ref_list(value: Any, name: str) -> None:
    if not isinstance(value, list):
        raise StixProblem(f"{name} must be a list of identifiers")
    expected = "marking-definition" if name == "object_marking_refs" else None
    for ref in value:
        if ref not in TLP2_MARKINGS:
            _check_id(ref, name, expected)


def _check_ref(value: Any, name: str) -> None:
    _check_id(value, name, "identity" if name == "created_by_ref" else None)


def _check_boolean(value: Any, name: str) -> None:
    if not isinstance(value, bool):
        raise StixProblem(f"{name} must be true or false")


_PROPERTY_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    **dict.fromkeys(TIMESTAMP_PROPERTIES, parse_timestamp),
    **dict.fromkeys(SINGLE_REFS, _check_ref),
    **dict.fromkeys(LIST_REFS, _check_ref_list),
    "labels": _check_list_of,
    "external_references": _check_list_of,
    "revoked": _check_boolean,
    "granular_markings": lambda value, _name: _check_granular(value),
}


def _check_granular(markings: Any) -> None:
    if markings is None:
        return
    if not isinstance(markings, list):
        raise StixProblem("granular_markings must be a list")
    for marking in markings:
        if not isinstance(marking, dict) or not isinstance(marking.get("selectors"), list):
            raise StixProblem("each granular marking needs selectors and a marking_ref or lang")
        if "marking_ref" in marking:
            _check_id(marking["marking_ref"], "granular_markings.marking_ref", "marking-definition")
        elif "lang" not in marking:
            raise StixProblem("each granular marking needs selectors and a marking_ref or lang")


def marking_refs(obj: Mapping[str, Any]) -> list[str]:
    """Every marking definition ``obj`` points at, object-level and granular."""
    refs = [ref for ref in obj.get("object_marking_refs") or [] if isinstance(ref, str)]
    for marking in obj.get("granular_markings") or []:
        if isinstance(marking, dict) and isinstance(marking.get("marking_ref"), str):
            refs.append(marking["marking_ref"])
    return refs


def tlp_named(value: Any) -> Tlp | None:
    """The TLP label a name such as ``"TLP:AMBER+STRICT"``, ``"amber"`` or ``"TLP:WHITE"``
    stands for, or ``None``."""
    if not isinstance(value, str):
        return None
    name = value.strip().lower()
    name = name.removeprefix("tlp:").removeprefix("tlp").strip(" :")
    return TLP_NAMES.get(name)


def _says_tlp(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith("tlp")


def _tlp_claims(definition: Mapping[str, Any]) -> list[Tlp | None]:
    """Every way a marking definition says it is a TLP marking, each with the label it
    names (``None``: a TLP name the platform does not know)."""
    claims: list[Tlp | None] = []
    extensions = definition.get("extensions")
    if isinstance(extensions, dict) and TLP_EXTENSION_ID in extensions:
        tlp2 = extensions[TLP_EXTENSION_ID]
        claims.append(tlp_named(tlp2.get("tlp_2_0")) if isinstance(tlp2, dict) else None)
    kind = definition.get("definition_type")
    if isinstance(kind, str) and kind.strip().lower() == "tlp":
        body = definition.get("definition")
        values = (
            [value for key, value in body.items() if str(key).lower() == "tlp"]
            if isinstance(body, dict)
            else [body]
        )
        claims.append(tlp_named(values[0]) if values else None)
    for name in ("name", "x_opencti_definition"):
        if _says_tlp(definition.get(name)):
            claims.append(tlp_named(definition[name]))
    return claims


def definition_label(definition: Mapping[str, Any]) -> Tlp | None:
    """What one marking-definition object restricts the objects it marks to.

    A TLP definition gives its label, however a tool writes it: a TLP 1.0, TLP 2.0 or
    OpenCTI id, the TLP 2.0 extension, ``definition_type: "tlp"``, or a name (or OpenCTI's
    ``x_opencti_definition``) that is a TLP name; when they disagree the strictest wins. A
    ``statement`` definition restricts nothing (``None``). Anything else (another
    definition type, a TLP name the platform does not know) gives
    :data:`UNRECOGNISED_MARKING_LABEL`: what the platform does not understand is made
    stricter, never left to the collection's default.
    """
    known = KNOWN_TLP_MARKINGS.get(str(definition.get("id")))
    if known is not None:
        return known
    claims = _tlp_claims(definition)
    if claims:
        labels = [label if label is not None else UNRECOGNISED_MARKING_LABEL for label in claims]
        return max(labels, key=lambda label: label.rank)
    body = definition.get("definition")
    is_statement = (
        definition.get("definition_type") == "statement"
        and isinstance(body, dict)
        and set(body) == {"statement"}
        and isinstance(body["statement"], str)
    )
    return None if is_statement else UNRECOGNISED_MARKING_LABEL


def is_tlp_definition(definition: Mapping[str, Any]) -> bool:
    """Whether a marking-definition object is a TLP marking (of any TLP version or tool)."""
    return definition.get("id") in KNOWN_TLP_MARKINGS or bool(_tlp_claims(definition))


def label_of(
    obj: Mapping[str, Any],
    definitions: Mapping[str, Tlp | None] | None = None,
    refs: list[str] | None = None,
) -> Tlp | None:
    """The strictest TLP label among the object's markings, if any.

    A marking with a known TLP id gives its label; one found in ``definitions`` (the
    :func:`definition_label` of marking definitions the caller has resolved) gives that;
    any other marking reference counts as :data:`UNRECOGNISED_MARKING_LABEL`. ``refs``:
    the object's :func:`marking_refs` when the caller has them already.
    """
    found: Tlp | None = None
    for ref in marking_refs(obj) if refs is None else refs:
        label = KNOWN_TLP_MARKINGS.get(ref)
        if label is None:
            if definitions is not None and ref in definitions:
                label = definitions[ref]
                if label is None:
                    continue  # a statement: restricts nothing
            else:
                label = UNRECOGNISED_MARKING_LABEL
        found = label if found is None else stricter(found, label)
    return found


def from_opencti(obj: Mapping[str, Any], refs: list[str] | None = None) -> bool:
    """Whether an object was written by OpenCTI: ``x_opencti_*`` properties, OpenCTI's
    extension, or OpenCTI's own TLP:AMBER+STRICT marking (``refs``: the object's
    :func:`marking_refs` when the caller has them already)."""
    # One C-level pass over the keys (a generator per object cost more than the rest).
    if any(map(str.startswith, obj, repeat(_OPENCTI_PREFIX))):
        return True
    extensions = obj.get("extensions")
    if isinstance(extensions, Mapping) and OPENCTI_EXTENSION_ID in extensions:
        return True
    return any(ref in OPENCTI_MARKINGS for ref in (marking_refs(obj) if refs is None else refs))


_OPENCTI_PREFIX = "x_opencti_"


def map_tlp1(obj: dict[str, Any]) -> bool:
    """Replace TLP 1.0 marking references with their TLP 2.0 ids; True when it changed any."""
    changed = False
    refs = obj.get("object_marking_refs")
    if isinstance(refs, list) and any(ref in TLP1_TO_TLP2 for ref in refs):
        mapped = [TLP1_TO_TLP2.get(ref, ref) for ref in refs]
        obj["object_marking_refs"] = list(dict.fromkeys(mapped))
        changed = True
    for marking in obj.get("granular_markings") or []:
        if isinstance(marking, dict) and marking.get("marking_ref") in TLP1_TO_TLP2:
            marking["marking_ref"] = TLP1_TO_TLP2[marking["marking_ref"]]
            changed = True
    return changed


def tlp_marking_definitions() -> list[dict[str, Any]]:
    """The five fixed TLP 2.0 marking definitions (FIRST), as STIX 2.1 objects."""
    return [
        {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": marking_id,
            "created": TLP_CREATED,
            "name": label.value,
            "extensions": {
                TLP_EXTENSION_ID: {
                    "extension_type": "property-extension",
                    "tlp_2_0": _tlp_value(label),
                }
            },
        }
        for marking_id, label in TLP2_MARKINGS.items()
    ]


def _tlp_value(label: Tlp) -> str:
    return label.value.removeprefix("TLP:").lower()


def identity_id_for(organisation_id: str) -> str:
    """The STIX identity id that stands for one of the platform's organisations."""
    return f"identity--{uuid.uuid5(IDENTITY_NAMESPACE, organisation_id)}"


def display_name(obj: Mapping[str, Any]) -> str:
    """A short human name: the name, an SCO's value, or the indicator pattern."""
    for key in ("name", "value", "pattern", "relationship_type", "path", "key"):
        value = obj.get(key)
        if isinstance(value, str) and value:
            return value[:300]
    return str(obj.get("type", ""))


def search_text(obj: Mapping[str, Any]) -> str:
    """The text free-text search looks at: name, description, pattern and value."""
    parts = [obj.get(key) for key in ("name", "description", "pattern", "value")]
    return "\n".join(part for part in parts if isinstance(part, str))[:10_000]


def dumps(obj: Any) -> str:
    """Compact JSON text of one object, as stored and served."""
    return orjson.dumps(obj).decode()
