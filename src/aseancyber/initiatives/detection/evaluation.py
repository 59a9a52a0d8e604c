"""Measuring duplicate detection on a labelled set (the file tests/initiatives/data holds).

The set is a JSON object with ``initiatives`` (id, part, title, summary, activities, states,
themes, audience, start_on, end_on, sectoral_body, programme), ``duplicates`` (labelled
pairs, each with its ``kind`` and ``part``) and ``hard_negatives`` (pairs that look alike but
are not duplicates). A set may have parts ("tuning", "held_out"): each is measured on its
own, as its own registry, so that what was tuned on one is judged on the other.
"""

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from aseancyber.initiatives.detection.index import THRESHOLD, DuplicateIndex, Profile

Pair = tuple[str, str]


@dataclass(frozen=True)
class Quality:
    flagged: int
    true_positives: int
    labelled: int
    hard_negatives_flagged: int
    hard_negatives: int
    recall_by_kind: dict[str, float] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.true_positives / self.flagged if self.flagged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.labelled if self.labelled else 1.0


@dataclass(frozen=True)
class LabelledSet:
    profiles: list[Profile]
    duplicates: dict[Pair, str]  # pair -> kind
    hard_negatives: dict[Pair, str]


def profile_from_row(row: dict[str, Any]) -> Profile:
    """A detection profile from one evaluation-set row."""
    start = date.fromisoformat(row["start_on"]) if row.get("start_on") else None
    end = date.fromisoformat(row["end_on"]) if row.get("end_on") else None
    first, last = Profile.period(start, end)
    return Profile(
        id=row["id"],
        title=row["title"],
        text=f"{row.get('summary', '')}\n{row.get('activities', '')}",
        states=frozenset(row.get("states", [])),
        themes=frozenset(row.get("themes", [])),
        audience=frozenset(row.get("audience", [])),
        start=first,
        end=last,
        body=row.get("sectoral_body") or "",
        programme=row.get("programme") or "",
    )


def ordered(first: str, second: str) -> Pair:
    return (first, second) if first < second else (second, first)


def load_set(path: Path, *, part: str | None = None) -> LabelledSet:
    """The labelled set at ``path`` (only ``part`` of it when given)."""
    data = json.loads(path.read_text())

    def wanted(row: Mapping[str, Any]) -> bool:
        return part is None or row.get("part") == part

    return LabelledSet(
        profiles=[profile_from_row(row) for row in data["initiatives"] if wanted(row)],
        duplicates={
            ordered(p["first"], p["second"]): p.get("kind", "")
            for p in data["duplicates"]
            if wanted(p)
        },
        hard_negatives={
            ordered(p["first"], p["second"]): p.get("kind", "")
            for p in data["hard_negatives"]
            if wanted(p)
        },
    )


def load(path: Path, *, part: str | None = None) -> tuple[list[Profile], set[Pair], set[Pair]]:
    """Profiles, labelled duplicate pairs and hard-negative pairs from an evaluation file."""
    labelled = load_set(path, part=part)
    return labelled.profiles, set(labelled.duplicates), set(labelled.hard_negatives)


def measure(labelled: LabelledSet, flagged: Collection[Pair]) -> Quality:
    """Precision, recall (overall and per kind of duplicate) of ``flagged`` pairs."""
    found = set(flagged)
    kinds: dict[str, list[bool]] = {}
    for pair, kind in labelled.duplicates.items():
        kinds.setdefault(kind, []).append(pair in found)
    return Quality(
        flagged=len(found),
        true_positives=len(found & labelled.duplicates.keys()),
        labelled=len(labelled.duplicates),
        hard_negatives_flagged=len(found & labelled.hard_negatives.keys()),
        hard_negatives=len(labelled.hard_negatives),
        recall_by_kind={kind: sum(hits) / len(hits) for kind, hits in sorted(kinds.items())},
    )


def evaluate(
    path: Path,
    *,
    part: str | None = None,
    threshold: float = THRESHOLD,
    term_weights: Mapping[str, float] | None = None,
) -> Quality:
    """Precision and recall of the indexed detector on (a part of) the labelled set."""
    labelled = load_set(path, part=part)
    index = DuplicateIndex(labelled.profiles, term_weights=term_weights)
    return measure(labelled, [c.pair for c in index.all_pairs(threshold=threshold)])
