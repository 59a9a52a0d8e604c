"""Scoring a pair of initiatives: TF-IDF text similarity combined with structured overlap.

The weights below were chosen on the labelled evaluation set (see the benchmark); the
module docstring of :mod:`aseancyber.initiatives.detection` explains the combination.
"""

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from aseancyber.initiatives.vocabulary import surface_words, terms

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
MIN_TEXT_FOR_CANDIDATE = 0.12
"""A pair whose text is less similar than this cannot reach the threshold; skip it early."""


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

    def resize(self, documents: int) -> None:
        """Follow the registry's size as profiles are added or removed one at a time."""
        self.documents = max(documents, 1)
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
        return self._combine(a, va, b, vb, dot(va, vb), explain=explain)

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


def dot(a: Vector, b: Vector) -> float:
    """The cosine of two unit vectors."""
    return sum(a[term] * b[term] for term in a.keys() & b.keys())
