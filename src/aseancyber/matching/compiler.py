"""Compiling an indicator's STIX pattern into index entries.

Each pattern gets a kind that says how far the index can answer for it:

- ``indexed``: the entries decide alone (equality and ``IN`` lists, ``ISSUBSET`` /
  ``ISSUPERSET`` on IP values, ``LIKE`` and ``MATCHES`` on the observable paths, and any
  OR of these, within one observation or between observations);
- ``prefiltered``: the entries find candidates and the exact evaluation decides (an AND
  inside one observation, a ``START``/``STOP`` window);
- ``scan``: no entry can be derived (a comparison on another property, ``!=``, ``<``,
  ``NOT``, ``EXISTS`` inside an OR...): the exact evaluation runs against every observable
  of the object types the pattern names;
- ``multi_observation``: the pattern needs two or more distinct observations (``AND`` or
  ``FOLLOWEDBY`` between observation expressions, ``REPEATS n`` with n > 1), which one
  observable never is; it is kept out of the lookups altogether;
- ``unsupported``: not a STIX pattern (another ``pattern_type`` or a syntax error).
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from aseancyber.matching.observables import (
    PATHS,
    hash_name,
    normalise_value,
    parse_network,
)
from aseancyber.matching.patterns import (
    AnyOf,
    Comparison,
    Node,
    Observation,
    PatternError,
    Qualified,
    Test,
    parse,
)

MAX_KEY = 1000  # longer values stay out of the index (they are still evaluated: scan)
KIND_FOR_PATH = {path: kind for kind, path in PATHS.items()}
IP_PATHS = {"ipv4-addr:value": 4, "ipv6-addr:value": 6}


class PatternKind(StrEnum):
    INDEXED = "indexed"
    PREFILTERED = "prefiltered"
    SCAN = "scan"
    MULTI_OBSERVATION = "multi_observation"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True, slots=True)
class Entry:
    """One index entry: ``eq`` (a canonical value), ``sub`` / ``sup`` (a network, ``key`` is
    ``prefix/hex``), ``like`` / ``regex`` (the expression) on the observable kind's path."""

    kind: str
    observable: str  # a key of observables.PATHS
    key: str
    prefix: int | None = None

    def network(self) -> tuple[int, int]:
        """(prefix length, network as int) of a ``sub`` / ``sup`` entry."""
        prefix, _, digits = self.key.partition("/")
        return int(prefix), int(digits, 16)


class _LazyTree:
    """The tree of a fast-compiled pattern, parsed only if someone evaluates it."""

    __slots__ = ("pattern",)

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern


@dataclass(frozen=True, slots=True)
class Compiled:
    kind: PatternKind
    entries: tuple[Entry, ...] = ()
    types: frozenset[str] = frozenset()  # object types named (for ``scan``)
    tree: Node | _LazyTree | None = None
    problem: str = ""


_SCO_TYPES = ("ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr")
_FAST_VALUE = re.compile(
    r"\[(ipv4-addr|ipv6-addr|domain-name|url|email-addr):value = '((?:[^'\\]++|\\['\\])*+)'\]"
)
_FAST_HASH = re.compile(r"\[file:hashes\.(?:'([A-Za-z0-9-]+)'|([A-Za-z0-9]+)) = '([0-9a-fA-F]+)'\]")
_UNESCAPE = re.compile(r"\\(.)")


def compile_pattern(pattern: Any, pattern_type: Any = "stix") -> Compiled:
    """The index entries and kind of one indicator's pattern."""
    if pattern_type != "stix" or not isinstance(pattern, str):
        return Compiled(PatternKind.UNSUPPORTED, problem=f"pattern_type {pattern_type!r}")
    return _compiled(pattern)


@lru_cache(maxsize=1 << 17)
def _compiled(pattern: str) -> Compiled:
    """Compiled patterns are immutable: the catch-up that indexes a bulk import and the
    log run that then loads the same indicators (``aseancyber match``) compile each once."""
    fast = _fast(pattern.strip())
    return fast if fast is not None else compile_parsed(pattern)


def compile_parsed(pattern: str) -> Compiled:
    """:func:`compile_pattern` through the full STIX pattern parser, never the fast path
    (which must give the same, as the tests check on a corpus)."""
    try:
        tree = parse(pattern)
    except PatternError as error:
        return Compiled(PatternKind.UNSUPPORTED, problem=str(error)[:300])
    found = _node(tree)
    if found is None:
        return Compiled(PatternKind.SCAN, types=frozenset(_types(tree)), tree=tree)
    entries, exact, never = found
    if never:
        return Compiled(PatternKind.MULTI_OBSERVATION, tree=tree)
    kind = PatternKind.INDEXED if exact else PatternKind.PREFILTERED
    return Compiled(kind, tuple(dict.fromkeys(entries)), frozenset(_types(tree)), tree)


def _fast(pattern: str) -> Compiled | None:
    """The one-equality pattern (most indicators) without the parser: the same result."""
    found = _FAST_VALUE.fullmatch(pattern)
    if found is not None:
        sco_type, literal = found.group(1), found.group(2)
        if "\\" in literal:
            literal = _UNESCAPE.sub(r"\1", literal)
        path = f"{sco_type}:value"
        return _single(path, sco_type, literal, pattern)
    found = _FAST_HASH.fullmatch(pattern)
    if found is not None:
        path = f"file:hashes.{hash_name(found.group(1) or found.group(2))}"
        if path in KIND_FOR_PATH:
            return _single(path, "file", found.group(3), pattern)
    return None


_TYPES = {sco_type: frozenset({sco_type}) for sco_type in (*_SCO_TYPES, "file")}


def _single(path: str, sco_type: str, literal: str, pattern: str) -> Compiled | None:
    value = normalise_value(path, literal)
    if len(value) > MAX_KEY:
        return None
    entry = Entry("eq", KIND_FOR_PATH[path], value)
    return Compiled(PatternKind.INDEXED, (entry,), _TYPES[sco_type], _LazyTree(pattern))


def tree_of(compiled: Compiled) -> Node | None:
    """The pattern tree (parsing a fast-compiled pattern now)."""
    tree: Any = compiled.tree
    return parse(tree.pattern) if isinstance(tree, _LazyTree) else tree


# (entries, exact, never): ``never`` marks a part no single observation satisfies.
Found = tuple[list[Entry], bool, bool]


def _node(node: Node) -> Found | None:
    if isinstance(node, Observation):
        found = _comparison(node.comparison)
        return None if found is None else (found[0], found[1], False)
    if isinstance(node, Qualified):
        if node.repeats > 1:
            return [], True, True
        inner = _node(node.inner)
        if inner is None or node.start is None:
            return inner
        return inner[0], False, inner[2]
    if node.op != "OR" and len(node.parts) > 1:
        return [], True, True
    parts = [_node(part) for part in node.parts]
    if any(part is None for part in parts):
        return None
    live = [part for part in parts if part is not None and not part[2]]
    if not live:
        return [], True, True
    return [e for part in live for e in part[0]], all(part[1] for part in live), False


def _comparison(comparison: Comparison) -> tuple[list[Entry], bool] | None:
    if isinstance(comparison, Test):
        entries = _test(comparison)
        return None if entries is None else (entries, True)
    parts = [_comparison(part) for part in comparison.parts]
    if isinstance(comparison, AnyOf):
        if any(part is None for part in parts):
            return None
        return [e for part in parts if part for e in part[0]], all(p[1] for p in parts if p)
    usable = [part for part in parts if part is not None]
    if not usable:
        return None
    # AND: any one conjunct's entries find every match; the fewest equality entries are best.
    best = min(usable, key=lambda part: (any(e.kind != "eq" for e in part[0]), len(part[0])))
    return best[0], False


def _test(test: Test) -> list[Entry] | None:
    path = test.path.text
    kind = KIND_FOR_PATH.get(path)
    if test.negated or kind is None:
        return None
    literals = test.value if test.op == "IN" else (test.value,)
    if not literals or not all(isinstance(v, str) and len(v) <= MAX_KEY for v in literals):
        return None
    if test.op in ("=", "IN"):
        return [Entry("eq", kind, normalise_value(path, v)) for v in literals]
    if test.op in ("LIKE", "MATCHES"):
        return [Entry("like" if test.op == "LIKE" else "regex", kind, test.value)]
    if test.op in ("ISSUBSET", "ISSUPERSET") and path in IP_PATHS:
        network = parse_network(test.value)
        if network is None or network[0] != IP_PATHS[path]:
            return None
        _, number, prefix = network
        op = "sub" if test.op == "ISSUBSET" else "sup"
        return [Entry(op, kind, f"{prefix}/{number:x}", prefix)]
    return None


def _types(node: Node) -> set[str]:
    if isinstance(node, Observation):
        return _comparison_types(node.comparison)
    if isinstance(node, Qualified):
        return _types(node.inner)
    return {t for part in node.parts for t in _types(part)}


def _comparison_types(comparison: Comparison) -> set[str]:
    if isinstance(comparison, Test):
        return {comparison.path.sco_type}
    return {t for part in comparison.parts for t in _comparison_types(part)}
