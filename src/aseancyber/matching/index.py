"""The in-memory match index: a dict from canonical value to posting list per observable
kind, prefix-length buckets of integer networks for CIDRs, and short lists for what must be
evaluated (``LIKE`` / ``MATCHES``, prefiltered and scan patterns).

A posting is a small integer; :attr:`MatchIndex.keys` maps it back to the caller's key (a
stored object id). Matching an observable costs one dict lookup when its kind has only
equality entries, which is the common case and the one the benchmark measures.
"""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime

from aseancyber.matching.compiler import Compiled, Entry, PatternKind, tree_of
from aseancyber.matching.observables import PATHS, Observable
from aseancyber.matching.patterns import Node, evaluate, like_regex, matches_regex

NO_HITS: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Validity:
    """When an indicator may match: ``valid_from <= at < valid_until``."""

    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def holds(self, at: datetime) -> bool:
        if self.valid_from is not None and at < self.valid_from:
            return False
        return self.valid_until is None or at < self.valid_until


ALWAYS = Validity()


class MatchIndex:
    """Compiled indicators, looked up by observable."""

    def __init__(self) -> None:
        self.keys: list[Hashable] = []
        self.validity: list[Validity] = []
        self.trees: dict[int, Node | None] = {}
        self.eq: dict[str, dict[str, list[int]]] = {kind: {} for kind in PATHS}
        self.checked: set[int] = set()  # postings whose hits the exact evaluation confirms
        self.subnets: dict[tuple[int, int], dict[int, list[int]]] = {}
        self.subnet_lengths: dict[int, list[int]] = {4: [], 6: []}
        self.supernets: dict[tuple[int, int, int], list[int]] = {}
        self.expressions: dict[str, list[tuple[str, str, int]]] = {kind: [] for kind in PATHS}
        self.scans: dict[str, list[int]] = {}
        self.counts: dict[PatternKind, int] = dict.fromkeys(PatternKind, 0)
        # Kinds whose observables need more than lookups (expressions, scans, evaluation).
        self.slow: dict[str, bool] = dict.fromkeys(PATHS, False)
        # IP versions with CIDR (ISSUBSET / ISSUPERSET) entries.
        self.networks: dict[int, bool] = {0: False, 4: False, 6: False}
        self.timed: set[int] = set()  # postings with a validity period

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: Hashable, compiled: Compiled, validity: Validity = ALWAYS) -> int | None:
        """Index one compiled pattern under ``key``; ``None`` if it can never match."""
        self.counts[compiled.kind] += 1
        if compiled.kind in (PatternKind.MULTI_OBSERVATION, PatternKind.UNSUPPORTED):
            return None
        posting = self._posting(key, compiled.kind, validity)
        if compiled.kind is not PatternKind.INDEXED:
            self.trees[posting] = tree_of(compiled)
            self.checked.add(posting)
        if compiled.kind is PatternKind.SCAN:
            for sco_type in compiled.types:
                self.scans.setdefault(sco_type, []).append(posting)
            for kind, path in PATHS.items():
                if path.partition(":")[0] in compiled.types:
                    self.slow[kind] = True
            return posting
        for entry in compiled.entries:
            self.add_entry(posting, entry)
        return posting

    def _posting(self, key: Hashable, kind: PatternKind, validity: Validity) -> int:
        self.keys.append(key)
        self.validity.append(validity)
        posting = len(self.keys) - 1
        if validity is not ALWAYS:
            self.timed.add(posting)
        return posting

    def add_entry(self, posting: int, entry: Entry) -> None:
        if entry.kind == "eq":
            self.eq[entry.observable].setdefault(entry.key, []).append(posting)
            if posting in self.checked:
                self.slow[entry.observable] = True
            return
        if entry.kind in ("like", "regex"):
            self.slow[entry.observable] = True
            self.expressions[entry.observable].append((entry.kind, entry.key, posting))
            return
        if posting in self.checked:
            self.slow[entry.observable] = True
        version = 4 if entry.observable == "ipv4-addr" else 6
        self.networks[version] = True
        bits = 32 if version == 4 else 128
        prefix, network = entry.network()
        if entry.kind == "sub":
            bucket = self.subnets.setdefault((version, prefix), {})
            bucket.setdefault(network >> (bits - prefix), []).append(posting)
            if prefix not in self.subnet_lengths[version]:
                self.subnet_lengths[version] = sorted({*self.subnet_lengths[version], prefix})
            return
        # ISSUPERSET: an observed network of length L contains this one when their first L
        # bits agree, so the network is filed under each length up to its own.
        for length in range(prefix + 1):
            key = (version, length, network >> (bits - length))
            self.supernets.setdefault(key, []).append(posting)

    # --- lookups --------------------------------------------------------------------------------

    def _network_hits(self, observable: Observable, hits: Sequence[int] | None) -> list[int]:
        """Equality hits plus the CIDR entries that contain (or lie in) the observable."""
        found = list(hits) if hits else []
        version, network, prefix = observable.ip_version, observable.network, observable.prefix
        bits = 32 if version == 4 else 128
        subnets = self.subnets
        for length in self.subnet_lengths[version]:
            if length > prefix:
                break
            more = subnets[(version, length)].get(network >> (bits - length))
            if more:
                found.extend(more)
        more = self.supernets.get((version, prefix, network >> (bits - prefix)))
        if more:
            found.extend(more)
        return list(dict.fromkeys(found)) if len(found) > 1 else found

    def candidates(self, observable: Observable) -> list[int]:
        """Every posting the entries name for ``observable`` (before exact evaluation)."""
        kind = observable.kind
        found: Sequence[int] | None = self.eq[kind].get(observable.value)
        if observable.ip_version and self.networks[observable.ip_version]:
            found = self._network_hits(observable, found)
        result = dict.fromkeys(found or ())
        for how, expression, posting in self.expressions[kind]:
            if posting in result:
                continue
            if how == "like":
                if like_regex(expression).fullmatch(observable.value):
                    result[posting] = None
            elif matches_regex(expression).search(observable.value):
                result[posting] = None
        for posting in self.scans.get(observable.sco_type, NO_HITS):
            result.setdefault(posting)
        return list(result)

    def match(self, observable: Observable, at: datetime) -> Sequence[int]:
        """The postings that match ``observable`` at ``at``, exactly. The sequence may be the
        index's own: do not change it."""
        kind = observable.kind
        if self.slow[kind]:
            return self._evaluated(observable, at)
        hits: Sequence[int] | None = self.eq[kind].get(observable.value)
        if self.networks[observable.ip_version]:
            hits = self._network_hits(observable, hits)
        if not hits:
            return NO_HITS
        timed = self.timed
        if timed and not timed.isdisjoint(hits):
            return [p for p in hits if p not in timed or self.validity[p].holds(at)]
        return hits

    def _evaluated(self, observable: Observable, at: datetime) -> Sequence[int]:
        hits = self.candidates(observable)
        if not hits:
            return NO_HITS
        validity, checked, timed = self.validity, self.checked, self.timed
        sco = None
        result = []
        for posting in hits:
            if posting in timed and not validity[posting].holds(at):
                continue
            if posting in checked:
                tree = self.trees.get(posting)
                sco = sco or observable.sco()
                if tree is None or not evaluate(tree, sco, at):
                    continue
            result.append(posting)
        return result

    def match_many(self, observables: Sequence[Observable], at: datetime) -> list[Sequence[int]]:
        """:meth:`match` for many observables: with equality entries only (the common case)
        one dict lookup each."""
        eq = self.eq
        if not self.timed and not any(self.slow.values()) and not any(self.networks.values()):
            return [eq[o.kind].get(o.value, NO_HITS) for o in observables]
        match = self.match
        return [match(o, at) for o in observables]
