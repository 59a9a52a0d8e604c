"""What each STIX 2.1 type requires, and indicator patterns: the per-type half of
:func:`aseancyber.sharing.stix.check_object` (the common properties are checked there).

:func:`check_pattern` runs the stix2-patterns grammar, after a fast path for the simple
comparisons most feeds carry and limits below where the (recursive) grammar gives up.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from stix2patterns.validator import run_validator

MAX_ERROR_LENGTH = 300
MAX_PATTERN_LENGTH = 65_536
# The grammar (and matching's walk of its tree) recurse once per operator: at a few hundred
# they run out of stack, so the limit leaves room for the caller's own frames.
MAX_PATTERN_OPERATORS = 250
MAX_PATTERN_NESTING = 40
_PATTERN_STRING = re.compile(r"'(?:[^'\\]|\\.)*'", re.DOTALL)
_PATTERN_OPERATOR = re.compile(r"\b(?:AND|OR|FOLLOWEDBY)\b")
# Comparisons of one simple property with a string: certainly valid STIX patterns, so the
# (slow) ANTLR grammar is only run for everything else.
_SIMPLE_PATTERN = re.compile(
    r"^\[[a-z][a-z0-9-]*:(?:value|name|path|number|key) (?:=|!=) '(?:[^'\\]|\\['\\])*'\]$"
)

SDO_REQUIRED: dict[str, tuple[str, ...]] = {
    "attack-pattern": ("name",),
    "campaign": ("name",),
    "course-of-action": ("name",),
    "grouping": ("context", "object_refs"),
    "identity": ("name",),
    "incident": ("name",),
    "indicator": ("pattern", "pattern_type", "valid_from"),
    "infrastructure": ("name",),
    "intrusion-set": ("name",),
    "location": (),
    "malware": ("is_family",),
    "malware-analysis": ("product",),
    "note": ("content", "object_refs"),
    "observed-data": ("first_observed", "last_observed", "number_observed"),
    "opinion": ("opinion", "object_refs"),
    "report": ("name", "published", "object_refs"),
    "threat-actor": ("name",),
    "tool": ("name",),
    "vulnerability": ("name",),
}
SRO_REQUIRED: dict[str, tuple[str, ...]] = {
    "relationship": ("relationship_type", "source_ref", "target_ref"),
    "sighting": ("sighting_of_ref",),
}
META_REQUIRED: dict[str, tuple[str, ...]] = {
    "marking-definition": (),
    "language-content": ("object_ref", "contents"),
    "extension-definition": ("created_by_ref", "name", "schema", "version", "extension_types"),
}
SCO_REQUIRED: dict[str, tuple[str, ...]] = {
    "artifact": (),
    "autonomous-system": ("number",),
    "directory": ("path",),
    "domain-name": ("value",),
    "email-addr": ("value",),
    "email-message": ("is_multipart",),
    "file": (),
    "ipv4-addr": ("value",),
    "ipv6-addr": ("value",),
    "mac-addr": ("value",),
    "mutex": ("name",),
    "network-traffic": ("protocols",),
    "process": (),
    "software": ("name",),
    "url": ("value",),
    "user-account": (),
    "windows-registry-key": (),
    "x509-certificate": (),
}


class StixProblem(Exception):
    """What is wrong with one object, in a sentence."""


def check_pattern(pattern: Any) -> None:
    """Raise StixProblem when ``pattern`` is not a valid STIX 2.1 pattern."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise StixProblem("pattern must be a non-empty string")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise StixProblem(f"pattern is too long: more than {MAX_PATTERN_LENGTH} characters")
    if _SIMPLE_PATTERN.match(pattern):
        return
    _check_pattern_size(pattern)
    try:
        errors = run_validator(pattern, stix_version="2.1")
    except RecursionError:
        raise StixProblem("pattern is too deeply nested or complex to check") from None
    except Exception as error:  # any other parser blow-up refuses the object, never a 500
        raise StixProblem(
            f"pattern could not be checked ({type(error).__name__}): it is refused"
        ) from None
    if errors:
        raise StixProblem(f"pattern is not a valid STIX pattern: {errors[0]}"[:MAX_ERROR_LENGTH])


def _check_pattern_size(pattern: str) -> None:
    """Refuse patterns past the limits before the (recursive) grammar sees them."""
    # Literals are blanked first so brackets and words inside strings do not count.
    bare = _PATTERN_STRING.sub("''", pattern)
    if len(_PATTERN_OPERATOR.findall(bare)) > MAX_PATTERN_OPERATORS:
        raise StixProblem(
            f"pattern is too complex: more than {MAX_PATTERN_OPERATORS} AND/OR/FOLLOWEDBY"
        )
    depth = deepest = 0
    for char in bare:
        if char in "([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]":
            depth -= 1
    if deepest > MAX_PATTERN_NESTING:
        raise StixProblem(
            f"pattern is too deeply nested: more than {MAX_PATTERN_NESTING} levels of "
            "parentheses and brackets"
        )


def check_required(obj: Mapping[str, Any], required: Iterable[str]) -> None:
    """Raise StixProblem naming the required properties ``obj`` lacks."""
    missing = [name for name in required if name not in obj]
    if missing:
        raise StixProblem(
            f"{obj['type']} needs the propert{'y' if len(missing) == 1 else 'ies'} "
            f"{', '.join(missing)}"
        )


def check_specific(obj: Mapping[str, Any]) -> None:
    """Raise StixProblem when ``obj`` breaks a rule of its own type (patterns included)."""
    kind = obj["type"]
    if kind == "indicator" and obj.get("pattern_type") == "stix":
        check_pattern(obj["pattern"])
    elif kind == "malware" and obj.get("is_family") is True and "name" not in obj:
        raise StixProblem("malware that is a family needs a name")
    elif kind == "location" and not (
        "region" in obj or "country" in obj or ("latitude" in obj and "longitude" in obj)
    ):
        raise StixProblem("location needs region, country, or latitude and longitude")
    elif kind == "malware-analysis" and "result" not in obj and "analysis_sco_refs" not in obj:
        raise StixProblem("malware-analysis needs result or analysis_sco_refs")
    elif kind == "observed-data" and "objects" not in obj and "object_refs" not in obj:
        raise StixProblem("observed-data needs object_refs")
    elif kind == "file" and "hashes" not in obj and "name" not in obj:
        raise StixProblem("file needs hashes or name")
    elif kind == "artifact" and "payload_bin" not in obj and "url" not in obj:
        raise StixProblem("artifact needs payload_bin or url")
    elif kind == "marking-definition" and "definition" not in obj and "extensions" not in obj:
        raise StixProblem("marking-definition needs definition or extensions")
    for name in ("object_refs",):
        if name in obj and (not isinstance(obj[name], list) or not obj[name]):
            raise StixProblem(f"{name} must be a non-empty list of identifiers")
