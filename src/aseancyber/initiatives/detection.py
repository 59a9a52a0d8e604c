"""Duplicate detection between initiatives: pure Python, no database, no downloaded model.

An initiative becomes a :class:`Profile` (its words and its structured facets). The score
of a pair combines:

- text similarity: TF-IDF cosine over title (counted twice), summary and activities, after
  lower-casing, a small stop list, a domain thesaurus ("course" and "workshop" are
  "training") and light suffix stripping;
- structured overlap: beneficiary states, themes and audience (Jaccard), overlapping months;
- the duplication the statement worries about: a *different* sectoral body doing the same
  thing raises the score; disjoint beneficiary states or periods that do not overlap lower
  it strongly (the same course for another state or another year is not a duplicate).

Scale comes from blocking, not from comparing all pairs: each profile is posted in an
inverted index under its :data:`BLOCK_KEYS` most distinctive terms, and only pairs that
share such a term (and are not too common to discriminate) are scored exactly.
:func:`brute_force_pairs` scores every pair; the benchmark and tests compare the two.
"""

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

TEXT_WEIGHT = 0.6
STATE_WEIGHT = 0.15
THEME_WEIGHT = 0.1
AUDIENCE_WEIGHT = 0.05
PERIOD_WEIGHT = 0.1
DIFFERENT_BODY_BONUS = 0.05
DISJOINT_STATES_FACTOR = 0.4
DISJOINT_PERIOD_FACTOR = 0.4
THRESHOLD = 0.42
"""Pairs scoring at least this are flagged (chosen on the evaluation set, see the benchmark)."""

PSEUDO_DOCUMENTS = 100
"""Added to the corpus size in IDF, so that small registries weigh shared words sensibly."""
BLOCK_KEYS = 12
QUERY_KEYS = 12
MIN_SHARED_KEYS = 2
"""In a registry of :data:`LARGE_REGISTRY` or more, a pair must share this many block terms."""
LARGE_REGISTRY = 2_000
"""How many of its most distinctive terms post a profile in the blocking index."""
MIN_TEXT_FOR_CANDIDATE = 0.12
"""A pair whose text is less similar than this cannot reach the threshold; skip it early."""

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "over",
        "per",
        "the",
        "their",
        "this",
        "to",
        "under",
        "up",
        "via",
        "was",
        "were",
        "which",
        "will",
        "with",
        "within",
        "its",
        "also",
        "more",
        "than",
        "each",
        "all",
        "new",
        "two",
        "three",
        "one",
        "asean",
        "member",
        "states",
        "state",
        "regional",
        "region",
        "programme",
        "program",
        "initiative",
        "project",
        "participants",
        "officials",
        "cyber",
        "cybersecurity",
        "security",
        "that",
        "them",
        "how",
        "next",
        "against",
        "including",
        "such",
        "as",
        "well",
        "through",
        "after",
        "before",
        "among",
        "between",
    ]
)
# A small domain thesaurus: words an author uses interchangeably map to one term.
_SYNONYMS = {
    "course": "training",
    "courses": "training",
    "workshop": "training",
    "workshops": "training",
    "bootcamp": "training",
    "seminar": "training",
    "seminars": "training",
    "masterclass": "training",
    "curriculum": "training",
    "trainings": "training",
    "train": "training",
    "trained": "training",
    "drill": "exercise",
    "drills": "exercise",
    "tabletop": "exercise",
    "ttx": "exercise",
    "simulation": "exercise",
    "csirt": "cert",
    "csirts": "cert",
    "certs": "cert",
    "handling": "response",
    "responders": "response",
    "responder": "response",
    "forensic": "forensics",
    "investigators": "investigation",
    "investigator": "investigation",
    "investigations": "investigation",
    "police": "law_enforcement",
    "enforcement": "law_enforcement",
    "prosecutors": "judicial",
    "prosecutor": "judicial",
    "judges": "judicial",
    "judiciary": "judicial",
    "cii": "critical_infrastructure",
    "ci": "critical_infrastructure",
    "infrastructure": "critical_infrastructure",
    "infrastructures": "critical_infrastructure",
    "critical": "critical_infrastructure",
    "scada": "ics",
    "ot": "ics",
    "diplomats": "diplomacy",
    "diplomatic": "diplomacy",
    "capacity": "capacity",
    "building": "building",
    "awareness": "awareness",
    "fellowship": "fellowship",
    "fellowships": "fellowship",
    "vulnerabilities": "vulnerability",
    "vulnerability": "vulnerability",
    "norms": "norm",
    "fraud": "scam",
    "frauds": "scam",
    "scams": "scam",
    "compounds": "centre",
    "compound": "centre",
    "centers": "centre",
    "center": "centre",
    "centres": "centre",
    "sme": "smes",
    "enterprises": "smes",
    "businesses": "smes",
    "firms": "smes",
    "mentors": "mentor",
    "mentoring": "mentor",
}


_SUFFIXES = (
    "ational",
    "ations",
    "ation",
    "ments",
    "ment",
    "ings",
    "ing",
    "ies",
    "ed",
    "es",
    "al",
    "s",
)


def _stem(word: str) -> str:
    """Light suffix stripping (twice at most) so that inflections of one word meet."""
    for _ in range(2):
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
                break
        else:
            break
    return word


def _term(word: str) -> str | None:
    if word in _STOP or len(word) < 2 or word.isdigit():
        return None
    word = _SYNONYMS.get(word, word)
    return word if "_" in word else _stem(word)


def terms(text: str) -> list[str]:
    """The normalised terms of a text, in order (stop words dropped, synonyms folded)."""
    return [term for word in _WORD.findall(text.lower()) if (term := _term(word)) is not None]


def surface_words(text: str) -> dict[str, str]:
    """For each term of a text, the first word that produced it (to show a reader)."""
    found: dict[str, str] = {}
    for word in _WORD.findall(text.lower()):
        term = _term(word)
        if term is not None:
            found.setdefault(term, word)
    return found


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class Profile:
    """What detection knows of one initiative."""

    id: str
    title: str
    text: str  # summary and activities
    states: frozenset[str] = frozenset()
    themes: frozenset[str] = frozenset()
    audience: frozenset[str] = frozenset()
    start: int | None = None  # month index (year * 12 + month - 1)
    end: int | None = None
    body: str = ""  # the sectoral body's code, "" when none
    programme: str = ""

    @staticmethod
    def period(start: date | None, end: date | None) -> tuple[int | None, int | None]:
        """Month indexes for a date range; a missing end is the start month (one-off)."""
        if start is None and end is None:
            return None, None
        first = month_index(start or end)  # type: ignore[arg-type]
        last = month_index(end or start)  # type: ignore[arg-type]
        return min(first, last), max(first, last)


@dataclass(frozen=True)
class Reasons:
    """Why a pair is a candidate: what they share, for a reviewer to judge."""

    shared_terms: tuple[str, ...] = ()
    shared_states: tuple[str, ...] = ()
    shared_themes: tuple[str, ...] = ()
    shared_audience: tuple[str, ...] = ()
    overlap_from: str = ""  # YYYY-MM
    overlap_to: str = ""
    overlap_months: int = 0
    bodies: tuple[str, str] = ("", "")
    different_bodies: bool = False
    same_programme: bool = False

    def sentences(self, labels: Mapping[str, str] | None = None) -> list[str]:
        """The reasons as short sentences a coordinator reads (codes shown by ``labels``)."""
        names = labels or {}
        said = []
        if self.shared_terms:
            said.append("Shared terms: " + ", ".join(self.shared_terms) + ".")
        if self.shared_states:
            said.append("Same beneficiary states: " + ", ".join(self.shared_states) + ".")
        if self.overlap_months:
            said.append(
                f"Overlapping period: {self.overlap_from} to {self.overlap_to} "
                f"({self.overlap_months} month{'s' if self.overlap_months != 1 else ''})."
            )
        if self.shared_themes:
            said.append(
                "Same themes: " + "; ".join(names.get(t, t) for t in self.shared_themes) + "."
            )
        if self.shared_audience:
            said.append(
                "Same audience: " + "; ".join(names.get(a, a) for a in self.shared_audience) + "."
            )
        if self.different_bodies:
            said.append(f"Run by different sectoral bodies: {self.bodies[0]} and {self.bodies[1]}.")
        if self.same_programme:
            said.append("Registered under the same programme.")
        return said

    def as_dict(self) -> dict[str, object]:
        return {
            "shared_terms": list(self.shared_terms),
            "shared_states": list(self.shared_states),
            "shared_themes": list(self.shared_themes),
            "shared_audience": list(self.shared_audience),
            "overlap_from": self.overlap_from,
            "overlap_to": self.overlap_to,
            "overlap_months": self.overlap_months,
            "bodies": list(self.bodies),
            "different_bodies": self.different_bodies,
            "same_programme": self.same_programme,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> "Reasons":
        def strings(key: str) -> tuple[str, ...]:
            value = data.get(key)
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        bodies = strings("bodies")
        months = data.get("overlap_months")
        return cls(
            shared_terms=strings("shared_terms"),
            shared_states=strings("shared_states"),
            shared_themes=strings("shared_themes"),
            shared_audience=strings("shared_audience"),
            overlap_from=str(data.get("overlap_from") or ""),
            overlap_to=str(data.get("overlap_to") or ""),
            overlap_months=months if isinstance(months, int) else 0,
            bodies=(bodies[0], bodies[1]) if len(bodies) == 2 else ("", ""),
            different_bodies=bool(data.get("different_bodies")),
            same_programme=bool(data.get("same_programme")),
        )


@dataclass(frozen=True)
class Candidate:
    """A possible duplicate of one initiative, with its score and reasons."""

    first_id: str
    second_id: str
    score: float
    text_similarity: float
    reasons: Reasons = field(default_factory=Reasons)

    @property
    def pair(self) -> tuple[str, str]:
        return (self.first_id, self.second_id)


Vector = dict[str, float]


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


class Scorer:
    """Turns profiles into TF-IDF vectors (with the corpus's document frequencies) and
    scores pairs."""

    def __init__(self, document_frequency: dict[str, int], documents: int) -> None:
        self.document_frequency = document_frequency
        self.documents = max(documents, 1)
        # Pseudo-documents that contain no term: a registry of a handful of initiatives must
        # not treat every shared word as boilerplate.
        self._smoothed = self.documents + PSEUDO_DOCUMENTS
        self._unknown_idf = math.log(self._smoothed + 1) + 0.1

    def idf(self, term: str) -> float:
        frequency = self.document_frequency.get(term, 0)
        if frequency == 0:
            return self._unknown_idf
        # A term in every profile weighs almost nothing; boilerplate does not make pairs alike.
        return math.log((self._smoothed + 1) / (frequency + 1)) + 0.1

    def vector(self, profile: Profile) -> Vector:
        counts = Counter(terms(profile.title) * 2 + terms(profile.text))
        weights = {term: (1.0 + math.log(n)) * self.idf(term) for term, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {term: w / norm for term, w in weights.items()}

    def score(
        self, a: Profile, va: Vector, b: Profile, vb: Vector, *, explain: bool = True
    ) -> Candidate:
        """The combined score of two profiles and, if asked, why."""
        return self._combine(a, va, b, vb, _dot(va, vb), explain=explain)

    def _combine(
        self, a: Profile, va: Vector, b: Profile, vb: Vector, text: float, *, explain: bool
    ) -> Candidate:
        states = _jaccard(a.states, b.states)
        themes = _jaccard(a.themes, b.themes)
        audience = _jaccard(a.audience, b.audience)
        overlap_months = 0
        period = 0.5  # unknown dates: neither evidence for nor against
        period_known = a.start is not None and b.start is not None
        if period_known:
            assert a.start is not None
            assert a.end is not None
            assert b.start is not None
            assert b.end is not None
            overlap_months = max(0, min(a.end, b.end) - max(a.start, b.start) + 1)
            shortest = max(1, min(a.end - a.start, b.end - b.start) + 1)
            period = overlap_months / shortest
        score = (
            TEXT_WEIGHT * text
            + STATE_WEIGHT * states
            + THEME_WEIGHT * themes
            + AUDIENCE_WEIGHT * audience
            + PERIOD_WEIGHT * period
        )
        if a.states and b.states and not (a.states & b.states):
            score *= DISJOINT_STATES_FACTOR
        if period_known and overlap_months == 0:
            score *= DISJOINT_PERIOD_FACTOR
        if text < MIN_TEXT_FOR_CANDIDATE:
            score *= 0.5  # facets alone do not make a duplicate: the work itself must match
        different_bodies = bool(a.body and b.body and a.body != b.body)
        if different_bodies:
            score += DIFFERENT_BODY_BONUS * min(1.0, score / THRESHOLD)
        score = min(score, 1.0)
        first, second = (a, b) if a.id < b.id else (b, a)
        reasons = Reasons()
        if explain:
            shared = sorted(
                (term for term in va if term in vb), key=lambda t: va[t] * vb[t], reverse=True
            )
            overlap_from = overlap_to = ""
            if overlap_months:
                assert a.start is not None
                assert b.start is not None
                assert a.end is not None
                assert b.end is not None
                overlap_from = month_label(max(a.start, b.start))
                overlap_to = month_label(min(a.end, b.end))
            words = surface_words(f"{first.title} {first.text}")
            reasons = Reasons(
                shared_terms=tuple(words.get(term, term.replace("_", " ")) for term in shared[:6]),
                shared_states=tuple(sorted(a.states & b.states)),
                shared_themes=tuple(sorted(a.themes & b.themes)),
                shared_audience=tuple(sorted(a.audience & b.audience)),
                overlap_from=overlap_from,
                overlap_to=overlap_to,
                overlap_months=overlap_months,
                bodies=(first.body, second.body),
                different_bodies=different_bodies,
                same_programme=bool(a.programme and a.programme == b.programme),
            )
        return Candidate(first.id, second.id, round(score, 4), round(text, 4), reasons)


class DuplicateIndex:
    """An inverted index of profiles for finding likely duplicates without all pairs."""

    def __init__(self, profiles: Iterable[Profile]) -> None:
        self.profiles: dict[str, Profile] = {p.id: p for p in profiles}
        frequency: Counter[str] = Counter()
        term_sets = {}
        for profile in self.profiles.values():
            found = set(terms(profile.title)) | set(terms(profile.text))
            term_sets[profile.id] = found
            frequency.update(found)
        self.scorer = Scorer(dict(frequency), len(self.profiles))
        self.vectors: dict[str, Vector] = {
            profile_id: self.scorer.vector(profile) for profile_id, profile in self.profiles.items()
        }
        # A flaggable pair shares a beneficiary state whenever both name states and is active
        # in a common month whenever both are dated (otherwise the score is divided far below
        # the threshold, see :func:`_apart`), so a block is a (term, state, year): a pair that
        # could be flagged always meets in one. A profile without states or dates is posted
        # under every state or year.
        self.all_states = frozenset().union(*(p.states for p in self.profiles.values()))
        self.all_years = frozenset().union(*(_years(p) for p in self.profiles.values()))
        postings: dict[str, list[str]] = defaultdict(list)
        for profile_id, vector in self.vectors.items():
            places = self._places(self.profiles[profile_id])
            for term in self._keys(vector):
                for place in places:
                    postings[f"{term}@{place}"].append(profile_id)
        # Too common to discriminate: a block with more than this many profiles is dropped.
        self.max_block = max(60, min(100, len(self.profiles) // 200))
        self.postings = {key: ids for key, ids in postings.items() if len(ids) <= self.max_block}

    def _places(self, profile: Profile) -> list[str]:
        states = profile.states or self.all_states or frozenset({""})
        years = _years(profile) or self.all_years or frozenset({0})
        return [f"{state}/{year}" for state in states for year in years]

    def _keys(self, vector: Vector, count: int = BLOCK_KEYS) -> list[str]:
        usable = [
            (weight, term)
            for term, weight in vector.items()
            if self.scorer.document_frequency.get(term, 0) >= 2
        ]
        usable.sort(reverse=True)
        return [term for _, term in usable[:count]]

    def _candidate_ids(self, profile: Profile, vector: Vector) -> set[str]:
        """Profiles sharing distinctive terms (in a common block) with ``profile``; in a large
        registry one shared word is too weak a hint to be worth scoring, so two are needed."""
        places = self._places(profile)
        # Probing with more terms than are posted lets a pair meet when a distinctive word
        # of one is only a middling word of the other.
        counts: Counter[str] = Counter()
        for term in self._keys(vector, QUERY_KEYS):
            met: set[str] = set()
            for place in places:
                posting = self.postings.get(f"{term}@{place}")
                if posting is not None:
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
            if _apart(profile, other):
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
        for profile_id, vector in self.vectors.items():
            profile = self.profiles[profile_id]
            for other_id in self._candidate_ids(profile, vector):
                if symmetric:
                    if other_id < profile_id:
                        continue
                else:
                    key = (
                        (profile_id, other_id) if profile_id < other_id else (other_id, profile_id)
                    )
                    if key in seen:
                        continue
                    seen.add(key)
                other = self.profiles[other_id]
                if _apart(profile, other):
                    continue
                other_vector = self.vectors[other_id]
                text = _dot(vector, other_vector)
                if text < MIN_TEXT_FOR_CANDIDATE:
                    continue
                candidate = self.scorer._combine(
                    profile, vector, other, other_vector, text, explain=False
                )
                if candidate.score >= threshold:
                    found.append(self.explain(candidate) if explain else candidate)
        found.sort(key=lambda c: (-c.score, c.pair))
        return found

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


def _dot(a: Vector, b: Vector) -> float:
    return sum(a[term] * b[term] for term in a.keys() & b.keys())


def _years(profile: Profile) -> frozenset[int]:
    """The calendar years in which a dated profile is active (empty when undated)."""
    if profile.start is None or profile.end is None:
        return frozenset()
    return frozenset(range(profile.start // 12, profile.end // 12 + 1))


def _apart(a: Profile, b: Profile) -> bool:
    """Whether two profiles cannot be flagged whatever their words: both dated and never
    active in the same month, or both with beneficiaries and none in common (each divides
    the score far below the threshold)."""
    dated = None not in (a.start, a.end, b.start, b.end)
    if dated and (a.end < b.start or b.end < a.start):  # type: ignore[operator]
        return True
    return bool(a.states and b.states and a.states.isdisjoint(b.states))


def brute_force_pairs(
    profiles: Iterable[Profile], *, threshold: float = THRESHOLD
) -> list[Candidate]:
    """Every pair scored exactly (the baseline blocking is measured against)."""
    index = DuplicateIndex(profiles)
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
