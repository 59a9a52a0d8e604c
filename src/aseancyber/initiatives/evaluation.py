"""Measuring duplicate detection on a labelled set (the file tests/initiatives/data holds).

The set is a JSON object with ``initiatives`` (id, title, summary, activities, states,
themes, audience, start_on, end_on, sectoral_body, programme), ``duplicates`` (labelled
pairs) and ``hard_negatives`` (pairs that look alike but are not duplicates).
"""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from aseancyber.initiatives.detection import THRESHOLD, DuplicateIndex, Profile


@dataclass(frozen=True)
class Quality:
    flagged: int
    true_positives: int
    labelled: int
    hard_negatives_flagged: int
    hard_negatives: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.flagged if self.flagged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.labelled if self.labelled else 1.0


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


def load(path: Path) -> tuple[list[Profile], set[tuple[str, str]], set[tuple[str, str]]]:
    """Profiles, labelled duplicate pairs and hard-negative pairs from an evaluation file."""
    data = json.loads(path.read_text())
    profiles = [profile_from_row(row) for row in data["initiatives"]]

    def ordered(pair: dict[str, str]) -> tuple[str, str]:
        a, b = pair["first"], pair["second"]
        return (a, b) if a < b else (b, a)

    return (
        profiles,
        {ordered(pair) for pair in data["duplicates"]},
        {ordered(pair) for pair in data["hard_negatives"]},
    )


def evaluate(path: Path, *, threshold: float = THRESHOLD) -> Quality:
    """Precision and recall of the indexed detector on the labelled set at ``path``."""
    profiles, duplicates, negatives = load(path)
    flagged = {
        candidate.pair for candidate in DuplicateIndex(profiles).all_pairs(threshold=threshold)
    }
    return Quality(
        flagged=len(flagged),
        true_positives=len(flagged & duplicates),
        labelled=len(duplicates),
        hard_negatives_flagged=len(flagged & negatives),
        hard_negatives=len(negatives),
    )
