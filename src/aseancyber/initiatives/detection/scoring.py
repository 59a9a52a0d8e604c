"""Scoring a pair of initiatives: text similarity is the gate, facets adjust within a band.

The score of a pair is the TF-IDF cosine of their concept terms (see :mod:`.glossary`:
abbreviations and the member states' languages map to shared concepts), moved up by at most
:data:`FACET_LIFT` when beneficiary states, themes, audience and period agree and down by up
to :data:`FACET_DROP` when they do not; the same work for a different audience is pushed
down further (:data:`AUDIENCE_MISS`). A pair whose text similarity is under
:data:`TEXT_GATE` is never flagged, whatever its facets. Two texts in different languages
take the better of their cosine and their cosine over glossary concepts alone (times
:data:`CROSS_LANGUAGE_WEIGHT`): the words only one language has cannot meet. The constants
were chosen on the tuning and development parts of the evaluation set; the benchmark
reports the held-out part beside them.
"""

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from aseancyber.initiatives.detection.glossary import concept_terms, concepts, is_english
from aseancyber.initiatives.detection.vocabulary import surface_words

THRESHOLD = 0.205
"""Pairs scoring at least this are flagged. Chosen on the tuning and development parts of the
evaluation set only, by a rule: the lowest threshold (on a 0.005 grid) at which both parts
keep precision >= 0.90 at it and at every value above (0.19), moved to the middle of the
range that keeps the same recall on both parts (0.19 to 0.22), so that a set with other
words loses as little on either side; the held-out parts are reported beside it."""
FACET_LIFT = 0.04
"""The most that agreeing facets (states, themes, audience, period) add to text similarity."""
FACET_DROP = 0.16
"""The most that disagreeing facets take away."""
DIFFERENT_BODY_BONUS = 0.01
"""Two sectoral bodies doing the same work is the duplication the statement worries about."""
AUDIENCE_MISS_FACTOR = 0.2
"""The score is multiplied by this when both name their audience and none is shared: the
same course for prosecutors and for police is two courses. It is :data:`APART_FACTOR`, as
for another region or another time (at 0.25 the near-copies for another audience of the
tuning and development parts scored 0.20 to 0.23, right on any useful threshold)."""
MAX_LIFT = FACET_LIFT + DIFFERENT_BODY_BONUS
TEXT_GATE = THRESHOLD - MAX_LIFT
"""Text similarity is the gate: below this no facet can carry a pair over the threshold."""
APART_FACTOR = 0.2
"""Another region or another time (see :func:`is_apart`): the score is divided far below."""
SUCCESSIVE_MONTHS = 6
"""Editions starting this many months apart or more are successive, see :func:`successive`."""
STATE_SHARE, THEME_SHARE, AUDIENCE_SHARE, PERIOD_SHARE = 0.35, 0.2, 0.2, 0.25
"""How much each facet counts in the facets' agreement (they sum to one)."""

CROSS_LANGUAGE_WEIGHT = 0.75
"""A pair written in two languages is also compared on the glossary's concepts alone (the
words only one language has cannot meet); that cosine counts for this much of a same-language
one (chosen on the tuning and development parts of the evaluation set)."""

PSEUDO_DOCUMENTS = 100
"""Added to the corpus size in IDF, so that small registries weigh shared words sensibly."""


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


def profile_terms(profile: "Profile") -> Counter[str]:
    """The concept terms of a profile, its title counted twice (see :mod:`.glossary`)."""
    title = concepts(profile.title)
    return Counter(title + title + concepts(profile.text))


class Scorer:
    """Turns profiles into TF-IDF vectors of concept terms (with the corpus's document
    frequencies) and scores pairs. ``term_weights`` are what reviewers' decisions taught
    (see :mod:`aseancyber.initiatives.detection.feedback`): a factor per term, 1 when absent."""

    def __init__(
        self,
        document_frequency: dict[str, int],
        documents: int,
        *,
        term_weights: Mapping[str, float] | None = None,
    ) -> None:
        self.document_frequency = document_frequency
        self.term_weights: Mapping[str, float] = term_weights or {}
        self.resize(documents)

    def resize(self, documents: int) -> None:
        """Follow the registry's size as profiles are added or removed one at a time."""
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

    def vector(self, profile: Profile, counts: Counter[str] | None = None) -> Vector:
        counts = profile_terms(profile) if counts is None else counts
        learned = self.term_weights
        weights = {
            term: (1.0 + math.log(n)) * self.idf(term) * learned.get(term, 1.0)
            for term, n in counts.items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {term: w / norm for term, w in weights.items()}

    def score(
        self, a: Profile, va: Vector, b: Profile, vb: Vector, *, explain: bool = True
    ) -> Candidate:
        """The combined score of two profiles and, if asked, why."""
        return self._combine(a, va, b, vb, text_similarity(a, va, b, vb), explain=explain)

    def _combine(
        self, a: Profile, va: Vector, b: Profile, vb: Vector, text: float, *, explain: bool
    ) -> Candidate:
        overlap_months, agreement, audience_miss = facet_agreement(a, b)
        # Text similarity is the gate; facets only move a pair within a narrow band around
        # it, so states, theme and year shared by chance never make unrelated work alike.
        score = text + FACET_LIFT * agreement - FACET_DROP * (1.0 - agreement)
        if audience_miss:
            score *= AUDIENCE_MISS_FACTOR
        if successive(a, b):
            score *= APART_FACTOR
        different_bodies = bool(a.body and b.body and a.body != b.body)
        if different_bodies:
            score += DIFFERENT_BODY_BONUS
        if text < TEXT_GATE:
            score = min(score, text)
        if is_apart(a, b):
            score *= APART_FACTOR
        score = max(0.0, min(score, 1.0))
        first, second = (a, b) if a.id < b.id else (b, a)
        reasons = Reasons()
        if explain:
            reasons = _reasons(a, va, b, vb, first, second, overlap_months, different_bodies)
        return Candidate(first.id, second.id, round(score, 4), round(text, 4), reasons)


def is_apart(a: Profile, b: Profile) -> bool:
    """Whether two profiles cannot be flagged whatever their words: both dated and never
    active in the same month, or both with beneficiaries and none in common (each divides
    the score far below the threshold)."""
    dated = None not in (a.start, a.end, b.start, b.end)
    if dated and (a.end < b.start or b.end < a.start):  # type: ignore[operator]
        return True
    return bool(a.states and b.states and a.states.isdisjoint(b.states))


def successive(a: Profile, b: Profile) -> bool:
    """Whether two dated profiles are successive editions: they start half a year or more
    apart and share at most a fifth of the shorter one's months (next year's course)."""
    if a.start is None or a.end is None or b.start is None or b.end is None:
        return False
    overlap = max(0, min(a.end, b.end) - max(a.start, b.start) + 1)
    shortest = min(a.end - a.start, b.end - b.start) + 1
    return abs(a.start - b.start) >= SUCCESSIVE_MONTHS and overlap <= shortest * 0.2


def facet_agreement(a: Profile, b: Profile) -> tuple[int, float, bool]:
    """Months both are active, how far the facets agree (0 to 1; an unknown facet counts
    one half), and whether both name an audience and none is shared."""
    states = _jaccard(a.states, b.states) if a.states and b.states else 0.5
    themes = _jaccard(a.themes, b.themes) if a.themes and b.themes else 0.5
    audience = _jaccard(a.audience, b.audience) if a.audience and b.audience else 0.5
    overlap_months = 0
    period = 0.5
    if None not in (a.start, a.end, b.start, b.end):
        assert a.start is not None
        assert a.end is not None
        assert b.start is not None
        assert b.end is not None
        overlap_months = max(0, min(a.end, b.end) - max(a.start, b.start) + 1)
        longest = max(a.end - a.start, b.end - b.start) + 1
        period = overlap_months / longest
    agreement = (
        STATE_SHARE * states
        + THEME_SHARE * themes
        + AUDIENCE_SHARE * audience
        + PERIOD_SHARE * period
    )
    audience_miss = bool(a.audience and b.audience and a.audience.isdisjoint(b.audience))
    return overlap_months, agreement, audience_miss


def _reasons(  # noqa: PLR0917 - the pair, its vectors and what the score found
    a: Profile,
    va: Vector,
    b: Profile,
    vb: Vector,
    first: Profile,
    second: Profile,
    overlap_months: int,
    different_bodies: bool,
) -> Reasons:
    shared = sorted((term for term in va if term in vb), key=lambda t: va[t] * vb[t], reverse=True)
    overlap_from = overlap_to = ""
    if overlap_months:
        assert a.start is not None
        assert b.start is not None
        assert a.end is not None
        assert b.end is not None
        overlap_from = month_label(max(a.start, b.start))
        overlap_to = month_label(min(a.end, b.end))
    words = _surface_words(f"{first.title} {first.text}")
    return Reasons(
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


@lru_cache(maxsize=4096)
def _surface_words(text: str) -> dict[str, str]:
    # A profile is in many pairs of one detection run: read its words once.
    return surface_words(text)


def text_similarity(a: Profile, va: Vector, b: Profile, vb: Vector) -> float:
    """The cosine of two profiles' vectors; for two languages, the better of it and their
    cosine over glossary concepts alone (weighted by :data:`CROSS_LANGUAGE_WEIGHT`)."""
    text = dot(va, vb)
    if is_english(a.title, a.text) == is_english(b.title, b.text):
        return text
    return max(text, CROSS_LANGUAGE_WEIGHT * concept_cosine(va, vb))


def concept_cosine(a: Vector, b: Vector) -> float:
    """The cosine of two vectors over the glossary's concepts alone."""
    known = concept_terms()
    shared = sum(a[term] * b[term] for term in a.keys() & b.keys() if term in known)
    if not shared:
        return 0.0
    norm_a = math.sqrt(sum(w * w for term, w in a.items() if term in known))
    norm_b = math.sqrt(sum(w * w for term, w in b.items() if term in known))
    return shared / (norm_a * norm_b)


def dot(a: Vector, b: Vector) -> float:
    """The cosine of two unit vectors."""
    shared = a.keys() & b.keys()
    return sum([a[term] * b[term] for term in shared]) if shared else 0.0
