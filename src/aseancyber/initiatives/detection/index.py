"""Duplicate detection between initiatives: pure Python, no database, no downloaded model.

An initiative becomes a :class:`Profile` (its words and its structured facets). The score
of a pair combines:

- text similarity, the gate: TF-IDF cosine over the concept terms of title (counted twice),
  summary and activities (:mod:`.glossary`: abbreviations, body names and the member
  states' languages map to shared concepts; other words are stemmed English terms);
- facets within a band (:mod:`.scoring`): beneficiary states, themes, audience and period
  move the score up a little when they agree and down when they do not; another audience
  pushes it down further; a *different* sectoral body doing the same work adds a little;
- disjoint beneficiary states or periods that do not overlap make a pair apart (the same
  course for another region or another year is not a duplicate, see :func:`is_apart`).

Scale comes from blocking, not from comparing all pairs: each profile is posted in an
inverted index under its :data:`BLOCK_KEYS` most distinctive terms, and only pairs that
share such a term (and are not too common to discriminate) are scored exactly.
:func:`brute_force_pairs` scores every pair; the benchmark and tests compare the two.
"""

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping

from aseancyber.initiatives.detection.glossary import is_english
from aseancyber.initiatives.detection.scoring import (
    CROSS_LANGUAGE_WEIGHT,
    MAX_LIFT,
    THRESHOLD,
    Candidate,
    Profile,
    Reasons,
    Scorer,
    Vector,
    concept_cosine,
    is_apart,
    month_index,
    month_label,
    profile_terms,
)

__all__ = [
    "THRESHOLD",
    "Candidate",
    "DuplicateIndex",
    "Profile",
    "Reasons",
    "Scorer",
    "brute_force_pairs",
    "month_index",
    "month_label",
    "pairs",
]

BLOCK_KEYS = 12
QUERY_KEYS = 12
SINGLETON_KEYS = 6
"""How many words found in no other profile also post a profile (for later additions)."""
MIN_SHARED_KEYS = 2
"""In a registry of :data:`LARGE_REGISTRY` or more, a pair must share this many block terms."""
LARGE_REGISTRY = 2_000
"""How many of its most distinctive terms post a profile in the blocking index."""


class DuplicateIndex:
    """An inverted index of profiles for finding likely duplicates without all pairs.

    It can be built at once from a registry or kept up to date one profile at a time
    (:meth:`add`, :meth:`remove`), which is what the save path does through
    :mod:`aseancyber.initiatives.detection.live_index`.
    """

    def __init__(
        self, profiles: Iterable[Profile], *, term_weights: Mapping[str, float] | None = None
    ) -> None:
        self.profiles: dict[str, Profile] = {p.id: p for p in profiles}
        frequency: Counter[str] = Counter()
        self.term_sets: dict[str, frozenset[str]] = {}
        counts: dict[str, Counter[str]] = {}
        for profile in self.profiles.values():
            counts[profile.id] = profile_terms(profile)
            found = frozenset(counts[profile.id])
            self.term_sets[profile.id] = found
            frequency.update(found)
        self.scorer = Scorer(dict(frequency), len(self.profiles), term_weights=term_weights)
        self.vectors: dict[str, Vector] = {
            profile_id: self.scorer.vector(profile, counts[profile_id])
            for profile_id, profile in self.profiles.items()
        }
        # A flaggable pair shares a beneficiary state whenever both name states and is active
        # in a common month whenever both are dated (otherwise the score is divided far below
        # the threshold, see :func:`is_apart`), so a block is a (term, state, year): a pair that
        # could be flagged always meets in one. A profile without states or dates is posted
        # under every state or year.
        self.all_states: frozenset[str] = frozenset().union(
            *(p.states for p in self.profiles.values())
        )
        self.all_years: frozenset[int] = frozenset().union(
            *(_years(p) for p in self.profiles.values())
        )
        # Blocks too common to discriminate are skipped when probed (see :attr:`max_block`),
        # not dropped, so that an index kept up to date one profile at a time stays exact.
        self.postings: dict[str, list[str]] = defaultdict(list)
        self.posted: dict[str, list[str]] = {}
        for profile_id in self.vectors:
            self._post(profile_id)

    @property
    def max_block(self) -> int:
        """A block with more profiles than this is too common to discriminate."""
        return max(60, min(100, len(self.profiles) // 200))

    def _post(self, profile_id: str) -> None:
        vector = self.vectors[profile_id]
        places = self._places(self.profiles[profile_id])
        # A word only this profile has cannot meet anything today, but it is the very word a
        # later re-registration shares: posting it too lets :meth:`add` find the pair.
        keys = self._keys(vector) + self._keys(vector, SINGLETON_KEYS, frequency=1)
        posted = [f"{term}@{place}" for term in keys for place in places]
        for key in posted:
            self.postings[key].append(profile_id)
        self.posted[profile_id] = posted

    def add(self, profile: Profile) -> None:
        """Index a new profile, or re-index a changed one (its old version is removed)."""
        if profile.id in self.profiles:
            if self.profiles[profile.id] == profile:
                return
            self.remove(profile.id)
        counts = profile_terms(profile)
        found = frozenset(counts)
        frequency = self.scorer.document_frequency
        for term in found:
            frequency[term] = frequency.get(term, 0) + 1
        self.profiles[profile.id] = profile
        self.term_sets[profile.id] = found
        self.scorer.resize(len(self.profiles))
        self.vectors[profile.id] = self.scorer.vector(profile, counts)
        self.all_states |= profile.states
        self.all_years |= _years(profile)
        self._post(profile.id)

    def remove(self, profile_id: str) -> None:
        """Forget a profile (deleted, or about to be re-indexed); unknown ids are ignored."""
        if profile_id not in self.profiles:
            return
        for key in self.posted.pop(profile_id, []):
            posting = self.postings.get(key)
            if posting is not None:
                posting.remove(profile_id)
                if not posting:
                    del self.postings[key]
        frequency = self.scorer.document_frequency
        for term in self.term_sets.pop(profile_id, frozenset()):
            left = frequency.get(term, 0) - 1
            if left > 0:
                frequency[term] = left
            else:
                frequency.pop(term, None)
        del self.profiles[profile_id]
        del self.vectors[profile_id]
        self.scorer.resize(len(self.profiles))

    def _places(self, profile: Profile) -> list[str]:
        states = profile.states or self.all_states or frozenset({""})
        years = _years(profile) or self.all_years or frozenset({0})
        return [f"{state}/{year}" for state in states for year in years]

    def _keys(
        self, vector: Vector, count: int = BLOCK_KEYS, *, frequency: int = 0, least: int = 2
    ) -> list[str]:
        """The ``count`` heaviest terms of ``vector`` in at least ``least`` indexed profiles
        (shared with another one), or (with ``frequency=1``) found in no other profile."""
        document_frequency = self.scorer.document_frequency
        if frequency:
            usable = [
                (weight, term)
                for term, weight in vector.items()
                if document_frequency.get(term, 0) == frequency
            ]
        else:
            usable = [
                (weight, term)
                for term, weight in vector.items()
                if document_frequency.get(term, 0) >= least
            ]
        usable.sort(reverse=True)
        return [term for _, term in usable[:count]]

    def _candidate_ids(self, profile: Profile, vector: Vector) -> set[str]:
        """Profiles sharing distinctive terms (in a common block) with ``profile``; in a large
        registry one shared word is too weak a hint to be worth scoring, so two are needed."""
        places = self._places(profile)
        largest = self.max_block
        # Probing with more terms than are posted lets a pair meet when a distinctive word
        # of one is only a middling word of the other.
        counts: Counter[str] = Counter()
        # A profile not (yet) in the index shares a word with another as soon as one
        # indexed profile has it.
        least = 2 if profile.id in self.profiles else 1
        for term in self._keys(vector, QUERY_KEYS, least=least):
            met: set[str] = set()
            for place in places:
                posting = self.postings.get(f"{term}@{place}")
                if posting is not None and len(posting) <= largest:
                    met.update(posting)
            counts.update(met)
        counts.pop(profile.id, None)
        needed = MIN_SHARED_KEYS if len(self.profiles) >= LARGE_REGISTRY else 1
        return {other for other, shared in counts.items() if shared >= needed}

    def candidates_for(
        self, profile: Profile, *, threshold: float = THRESHOLD, limit: int = 10
    ) -> list[Candidate]:
        """The profiles in the index that ``profile`` may duplicate, best first."""
        vector = self.vectors.get(profile.id)
        if vector is None or self.profiles.get(profile.id) != profile:
            vector = self.scorer.vector(profile)
        found = []
        for other_id in self._candidate_ids(profile, vector):
            other = self.profiles[other_id]
            if is_apart(profile, other):
                continue
            candidate = self.scorer.score(profile, vector, other, self.vectors[other_id])
            if candidate.score >= threshold:
                found.append(candidate)
        found.sort(key=lambda c: (-c.score, c.pair))
        return found[:limit]

    def all_pairs(self, *, threshold: float = THRESHOLD, explain: bool = False) -> list[Candidate]:
        """Every pair in the index scoring at least ``threshold``, best first (with reasons
        when ``explain``; :meth:`explain` adds them later to the pairs a reader opens)."""
        # Probing with exactly the posted terms makes "is a candidate of" symmetric, so each
        # pair is scored once, from its smaller id; otherwise pairs are remembered.
        symmetric = QUERY_KEYS == BLOCK_KEYS
        seen: set[tuple[str, str]] = set()
        found = []
        least_text = threshold - MAX_LIFT  # facets lift no pair by more than this
        # This loop scores every candidate pair of the registry (a million at 20,000): what
        # each pair needs of a profile is read once per profile, not once per pair.
        profiles, vectors = self.profiles, self.vectors
        english = {pid: is_english(p.title, p.text) for pid, p in profiles.items()}
        spans = {pid: (p.start, p.end, p.states) for pid, p in profiles.items()}
        combine = self.scorer._combine
        term_sets = self.term_sets
        probes = self._later_candidates() if symmetric else self._all_candidates()
        for profile_id, others in probes:
            profile, vector = profiles[profile_id], vectors[profile_id]
            start, end, states = spans[profile_id]
            in_english = english[profile_id]
            terms = term_sets[profile_id]
            for other_id in others:
                if not symmetric:
                    key = (
                        (profile_id, other_id) if profile_id < other_id else (other_id, profile_id)
                    )
                    if key in seen:
                        continue
                    seen.add(key)
                other_start, other_end, other_states = spans[other_id]
                # is_apart, inline: never active in a common month, or no state in common.
                if (
                    start is not None
                    and end is not None
                    and other_start is not None
                    and other_end is not None
                    and (end < other_start or other_end < start)
                ):
                    continue
                if states and other_states and states.isdisjoint(other_states):
                    continue
                other_vector = vectors[other_id]
                # dot(), inline, over the term sets kept as frozensets (intersected in C).
                shared = terms & term_sets[other_id]
                text = sum([vector[term] * other_vector[term] for term in shared])
                if english[other_id] != in_english:
                    text = max(text, CROSS_LANGUAGE_WEIGHT * concept_cosine(vector, other_vector))
                if text < least_text:
                    continue
                candidate = combine(
                    profile, vector, profiles[other_id], other_vector, text, explain=False
                )
                if candidate.score >= threshold:
                    found.append(self.explain(candidate) if explain else candidate)
        found.sort(key=lambda c: (-c.score, c.pair))
        return found

    def _all_candidates(self) -> Iterator[tuple[str, Iterable[str]]]:
        for profile_id, vector in self.vectors.items():
            yield profile_id, self._candidate_ids(self.profiles[profile_id], vector)

    def _later_candidates(self) -> Iterator[tuple[str, list[str]]]:
        """:meth:`_candidate_ids` of every profile, each pair once: a profile meets only the
        profiles after it in the index's order, found by bisecting blocks kept as sorted
        positions (half the work of probing every block whole and dropping half the pairs)."""
        order = list(self.vectors)
        position = {profile_id: number for number, profile_id in enumerate(order)}
        largest = self.max_block
        blocks = {
            key: sorted(position[profile_id] for profile_id in posting)
            for key, posting in self.postings.items()
            if 1 < len(posting) <= largest
        }
        needed = MIN_SHARED_KEYS if len(self.profiles) >= LARGE_REGISTRY else 1
        for number, profile_id in enumerate(order):
            places = self._places(self.profiles[profile_id])
            counts: Counter[int] = Counter()
            for term in self._keys(self.vectors[profile_id], QUERY_KEYS):
                met: set[int] = set()
                for place in places:
                    block = blocks.get(f"{term}@{place}")
                    if block is not None and block[-1] > number:
                        met.update(block[bisect_right(block, number) :])
                counts.update(met)
            yield profile_id, [order[other] for other, shared in counts.items() if shared >= needed]

    def explain(self, candidate: Candidate) -> Candidate:
        """The same candidate with its reasons."""
        first, second = self.profiles[candidate.first_id], self.profiles[candidate.second_id]
        return self.scorer.score(first, self.vectors[first.id], second, self.vectors[second.id])

    def compared_pairs(self) -> int:
        """How many distinct pairs blocking lets through to exact scoring."""
        seen: set[tuple[str, str]] = set()
        for profile_id, vector in self.vectors.items():
            for other_id in self._candidate_ids(self.profiles[profile_id], vector):
                seen.add(
                    (profile_id, other_id) if profile_id < other_id else (other_id, profile_id)
                )
        return len(seen)


def _years(profile: Profile) -> frozenset[int]:
    """The calendar years in which a dated profile is active (empty when undated)."""
    if profile.start is None or profile.end is None:
        return frozenset()
    return frozenset(range(profile.start // 12, profile.end // 12 + 1))


def brute_force_pairs(
    profiles: Iterable[Profile],
    *,
    threshold: float = THRESHOLD,
    term_weights: Mapping[str, float] | None = None,
) -> list[Candidate]:
    """Every pair scored exactly (the baseline blocking is measured against)."""
    index = DuplicateIndex(profiles, term_weights=term_weights)
    ids = sorted(index.profiles)
    found = []
    for position, first_id in enumerate(ids):
        first, first_vector = index.profiles[first_id], index.vectors[first_id]
        for second_id in ids[position + 1 :]:
            candidate = index.scorer.score(
                first,
                first_vector,
                index.profiles[second_id],
                index.vectors[second_id],
                explain=False,
            )
            if candidate.score >= threshold:
                found.append(candidate)
    found.sort(key=lambda c: (-c.score, c.pair))
    return found


def pairs(candidates: Iterable[Candidate]) -> Iterator[tuple[str, str]]:
    for candidate in candidates:
        yield candidate.pair
