"""Writes tests/initiatives/data/evaluation.json: a labelled set of initiatives for measuring
duplicate detection (run: ``python -m tests.initiatives.make_evaluation_set``).

The parts, each deterministic and with its own seed, topics, languages and frames:

- ``tuning`` (seed 2018): the even topics of :mod:`evaluation_topics`, cross-language
  copies in Bahasa Indonesia, Vietnamese and Thai; body names in full. Thresholds and
  weights are chosen on this part only.
- ``held_out`` (seed 4242): the odd topics (other vocabulary), cross-language copies in
  Malay, Filipino, Vietnamese and Thai with other sentence frames, bodies named by other
  abbreviations (TELMIN, AMMTC...). Nothing is tuned on it; it is reported beside.
- ``development`` (seed 2026): the tuning topics again, cross-language copies in the
  languages the tuning part lacks (Malay, Filipino, Khmer, Lao, Burmese), in words and
  frames of :mod:`evaluation_development` written for it alone. Tuned on like ``tuning``.
- ``held_out_2`` (seed 9090): a fresh blind part, written without reading the detector once
  ``held_out`` had informed a ship decision: its own topics, wording, languages (Bahasa
  Indonesia, Malay, Filipino, Vietnamese, Thai) and generator, :mod:`evaluation_fresh`.

In each part, base initiatives of one topic never share a beneficiary state *and* a month.
Labelled duplicates of a base: ``paraphrase`` (another wording, same body), ``two_bodies``
(another body, its own words), ``renamed`` (a new title, the rest reworded lightly),
``abbreviated`` (another wording with full names and abbreviations swapped) and
``cross_language`` (the same work written in a member state's language). Labelled hard
negatives: the same topic for ``another_audience`` (same states and months),
``another_region`` (disjoint states), ``another_time`` (a later year), ``next_edition``
(same states, next year, touching by a month), and ``sibling`` (another topic of the same
theme, body, states and months: the pair facets alone used to carry). Every pair not
labelled a duplicate is a negative.
"""

import json
import random
from pathlib import Path

from tests.initiatives import evaluation_development, evaluation_fresh
from tests.initiatives.evaluation_languages import (
    ABBREVIATIONS,
    AUDIENCES,
    BODY_NAMES,
    FRAMES,
    SUBJECTS,
)
from tests.initiatives.evaluation_topics import (
    BODIES,
    CITIES,
    FUNDERS,
    IMPLEMENTERS,
    PROGRAMMES,
    STATES,
    TOPICS,
    Topic,
    Wording,
)

OUT = Path(__file__).resolve().parent / "data" / "evaluation.json"
PARTS = {"tuning": (2018, 0), "held_out": (4242, 1), "development": (2026, 0)}
"""part -> (seed, topic parity); each part is built by its own generator, so adding a part
leaves the others as they were."""
FRESH_PARTS = {evaluation_fresh.PART: evaluation_fresh.SEED}
"""part -> seed of the parts built by :class:`evaluation_fresh.FreshBuilder` (own topics)."""
BASES_PER_PART = 330
DUPLICATE_KINDS = ["paraphrase", "two_bodies", "renamed", "abbreviated", "cross_language"]
NEGATIVE_KINDS = ["another_audience", "another_region", "another_time", "next_edition", "sibling"]

Base = tuple[str, list[str], int, int, int, str]  # id, states, start, end, wording, body


def _state_names(codes: list[str]) -> str:
    names = [STATES[code] for code in codes]
    if len(codes) == len(STATES):
        return "all ASEAN member states"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _iso(month: int, last: bool) -> str:
    year, index = divmod(month, 12)
    return f"{year:04d}-{index + 1:02d}-{28 if last else 1:02d}"


def _swap_abbreviations(text: str) -> str:
    for full, short in ABBREVIATIONS:
        text = text.replace(full, short)
    return text


class Builder:
    def __init__(self, part: str) -> None:
        seed, parity = PARTS[part]
        self.part = part
        self.random = random.Random(seed)
        self.topics = [topic for number, topic in enumerate(TOPICS) if number % 2 == parity]
        self.languages = list(
            evaluation_development.LANGUAGES if part == "development" else FRAMES[part]
        )
        self.items: list[dict[str, object]] = []
        self.by_id: dict[str, dict[str, object]] = {}
        self.duplicates: list[dict[str, str]] = []
        self.hard_negatives: list[dict[str, str]] = []
        self.occupied: dict[str, list[tuple[set[str], int, int, str]]] = {}

    def _clash(self, topic: str, states: set[str], start: int, end: int, ignore: str) -> bool:
        return any(
            item_id != ignore and states & other and start <= other_end and other_start <= end
            for other, other_start, other_end, item_id in self.occupied.get(topic, [])
        )

    def _body_sentence(self, body: str, *, short: bool) -> str:
        full, alias = BODY_NAMES[body]
        name = (alias if self.part == "held_out" else body) if short else full
        return f" Endorsed by the {name}." if self.random.random() < 0.6 else ""

    def _add(
        self,
        topic: Topic,
        text: tuple[str, str, str],
        states: list[str],
        period: tuple[int, int],
        body: str,
        *,
        audience: list[str] | None = None,
        cluster: str = "",
    ) -> str:
        item_id = f"{self.part}-{len(self.items) + 1:04d}"
        title, summary, activities = text
        item: dict[str, object] = {
            "id": item_id,
            "part": self.part,
            "topic": topic.key,
            "title": title,
            "summary": summary,
            "activities": activities,
            "states": sorted(states),
            "themes": list(topic.themes),
            "audience": sorted(audience if audience is not None else topic.audience),
            "start_on": _iso(period[0], False),
            "end_on": _iso(period[1], True),
            "sectoral_body": body,
            "programme": self.random.choice(PROGRAMMES),
            "funders": [self.random.choice(FUNDERS)],
            "implementers": [self.random.choice(IMPLEMENTERS)],
        }
        self.items.append(item)
        self.by_id[item_id] = item
        self.occupied.setdefault(topic.key, []).append(
            (set(states), period[0], period[1], cluster or item_id)
        )
        return item_id

    def _english(
        self, wording: Wording, states: list[str], body: str, *, title: str = "", short: bool
    ) -> tuple[str, str, str]:
        city = self.random.choice(CITIES)
        names = _state_names(states)
        summary = wording.summary.format(states=names, city=city)
        return (
            title or wording.title,
            summary + self._body_sentence(body, short=short),
            wording.activities.format(states=names, city=city),
        )

    def _foreign(self, topic: Topic, states: list[str], audience: str) -> tuple[str, str, str]:
        language = self.random.choice(self.languages)
        if self.part == "development":
            frames = evaluation_development.FRAMES
            subjects = evaluation_development.SUBJECTS
            audiences = evaluation_development.AUDIENCES
        else:
            frames, subjects, audiences = FRAMES[self.part], SUBJECTS, AUDIENCES
        title, summary, activities = frames[language]
        values = {
            "subject": subjects[topic.key][language],
            "audience": audiences[audience][language],
            "states": _state_names(states),
            "city": self.random.choice(CITIES),
        }
        return title.format(**values), summary.format(**values), activities.format(**values)

    def _states(self) -> list[str]:
        if self.random.random() < 0.1:
            return sorted(STATES)
        return sorted(self.random.sample(sorted(STATES), self.random.choice([1, 1, 2, 2, 3, 4])))

    def base(self, topic: Topic) -> Base | None:
        for _ in range(60):
            states = self._states()
            start = self.random.randrange(2019 * 12, 2026 * 12)
            end = start + self.random.choice([0, 1, 2, 5, 8, 11])
            if not self._clash(topic.key, set(states), start, end, ""):
                index = self.random.randrange(3)
                body = self.random.choice(topic.bodies)
                text = self._english(topic.wordings[index], states, body, short=False)
                item_id = self._add(topic, text, states, (start, end), body)
                return item_id, states, start, end, index, body
        return None

    def duplicate(self, topic: Topic, base: Base, kind: str) -> None:
        item_id, states, start, end, index, body = base
        shift = max(-(end - start), min(end - start, self.random.choice([-1, 0, 0, 1])))
        other = topic.wordings[(index + self.random.choice([1, 2])) % 3]
        dup_states = states[:-1] if len(states) > 1 and self.random.random() < 0.3 else states
        if self._clash(topic.key, set(dup_states), start + shift, end + shift, item_id):
            shift = 0
        dup_body = body
        if kind == "two_bodies":
            dup_body = self.random.choice([b for b in BODIES if b != body])
        if kind == "renamed":
            text = self._english(
                topic.wordings[index], dup_states, body, title=topic.renamed, short=False
            )
        elif kind == "abbreviated":
            title, summary, activities = self._english(other, dup_states, body, short=True)
            text = (
                _swap_abbreviations(title),
                _swap_abbreviations(summary),
                _swap_abbreviations(activities),
            )
        elif kind == "cross_language":
            text = self._foreign(topic, dup_states, self.random.choice(topic.audience))
        else:
            text = self._english(other, dup_states, dup_body, short=kind == "two_bodies")
        period = (start + shift, end + shift)
        duplicate_id = self._add(topic, text, dup_states, period, dup_body, cluster=item_id)
        self.duplicates.append({"first": item_id, "second": duplicate_id, "kind": kind})

    def hard_negative(self, topic: Topic, base: Base, kind: str) -> None:
        item_id, states, start, end, index, body = base
        wording = topic.wordings[self.random.choice([index, index, (index + 1) % 3])]
        audience: list[str] | None = None
        if kind == "another_audience":
            others = [a for a in AUDIENCES if a not in topic.audience]
            audience = [self.random.choice(others)]
            other_states, period = states, (start, end)
            title, summary, activities = self._english(wording, states, body, short=False)
            phrase = AUDIENCES[audience[0]]["en"]
            text = (f"{title} for {phrase}", f"Tailored to {phrase}. {summary}", activities)
        elif kind == "sibling":
            siblings = [
                t for t in self.topics if t.key != topic.key and set(t.themes) & set(topic.themes)
            ]
            if not siblings:
                return
            topic = self.random.choice(siblings)
            other_states, period = states, (start, end)
            if self._clash(topic.key, set(states), start, end, ""):
                return
            text = self._english(self.random.choice(topic.wordings), states, body, short=False)
            audience = list(self.by_id[item_id]["audience"])  # type: ignore[call-overload]
        elif kind == "another_region":
            pool = sorted(set(STATES) - set(states))
            if not pool:
                return
            other_states = sorted(self.random.sample(pool, min(len(pool), len(states), 3)))
            period = (start + self.random.choice([-1, 0, 1]), end)
            text = self._english(wording, other_states, body, short=False)
        else:
            other_states = states
            gap = 12 if kind == "another_time" else max(end - start, 1)
            period = (end + 1 + gap, end + 1 + gap + (end - start))
            if kind == "next_edition":  # a year on; a year-long base touches it by a month
                first = max(end, start + 11)
                period = (first, first + (end - start))
            text = self._english(wording, states, body, short=False)
        ignore = item_id if kind == "next_edition" else ""
        if kind != "another_audience" and self._clash(
            topic.key, set(other_states), period[0], period[1], ignore
        ):
            return
        negative_id = self._add(
            topic, text, other_states, period, body, audience=audience, cluster=item_id
        )
        self.hard_negatives.append({"first": item_id, "second": negative_id, "kind": kind})

    def build(self) -> None:
        made: list[tuple[Topic, Base]] = []
        attempts = 0
        while len(made) < BASES_PER_PART and attempts < BASES_PER_PART * 3:
            attempts += 1
            topic = self.topics[attempts % len(self.topics)]
            base = self.base(topic)
            if base is not None:
                made.append((topic, base))
        duplicates = negatives = 0
        for number, (topic, base) in enumerate(made):
            if number % 5 in (0, 2):
                self.duplicate(topic, base, DUPLICATE_KINDS[duplicates % 5])
                duplicates += 1
            else:
                self.hard_negative(topic, base, NEGATIVE_KINDS[negatives % 5])
                negatives += 1


def build() -> dict[str, object]:
    items: list[dict[str, object]] = []
    duplicates: list[dict[str, str]] = []
    negatives: list[dict[str, str]] = []
    for part in PARTS:
        builder = Builder(part)
        builder.build()
        items += builder.items
        duplicates += [{**pair, "part": part} for pair in builder.duplicates]
        negatives += [{**pair, "part": part} for pair in builder.hard_negatives]
    for part, seed in FRESH_PARTS.items():
        fresh = evaluation_fresh.FreshBuilder(seed)
        fresh.build()
        items += fresh.items
        duplicates += [{**pair, "part": part} for pair in fresh.duplicates]
        negatives += [{**pair, "part": part} for pair in fresh.hard_negatives]
    parts: dict[str, dict[str, object]] = {
        part: {"seed": seed, "topic_parity": parity} for part, (seed, parity) in PARTS.items()
    }
    parts |= {
        part: {"seed": seed, "topics": "evaluation_fresh"} for part, seed in FRESH_PARTS.items()
    }
    return {
        "about": __doc__,
        "parts": parts,
        "initiatives": items,
        "duplicates": duplicates,
        "hard_negatives": negatives,
    }


def main() -> None:
    data = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(
        f"{len(data['initiatives'])} initiatives, "  # type: ignore[arg-type]
        f"{len(data['duplicates'])} duplicate pairs, "  # type: ignore[arg-type]
        f"{len(data['hard_negatives'])} hard negatives -> {OUT}"  # type: ignore[arg-type]
    )


if __name__ == "__main__":
    main()
