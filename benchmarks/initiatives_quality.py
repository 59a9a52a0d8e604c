"""Duplicate detection quality on the labelled evaluation set: the tuning part and the
held-out part side by side, by kind of duplicate (cross-language apart), the near-misses
flagged, a threshold sweep, and what reviewers' decisions teach.

Run: ``python -m benchmarks initiatives_quality`` (``ASEANCYBER_QUALITY_PARTS=tuning,development``
for the parts tuned on only). The weights were chosen on the tuning
part, the glossary's Malay, Filipino, Khmer, Lao and Burmese words and the cross-language
weight on the development part (the tuning topics in those languages), the threshold by a
rule on both (see :data:`aseancyber.initiatives.detection.scoring.THRESHOLD`); the
glossary's generic vocabulary of the field was written from the field, not from the set; the
held-out part has other topics, other languages (Malay, Filipino) and other sentence frames,
and nothing was tuned on it. The learning row simulates
coordinators deciding on every mistake the detector makes on the tuning part (a false pair
marked "not a duplicate", a missed one flagged) and measures the held-out part with the
weights learnt from those decisions.
"""

import os
from pathlib import Path

from rich.console import Console
from rich.table import Table

from aseancyber.initiatives.detection.evaluation import Quality, evaluate, load_set
from aseancyber.initiatives.detection.feedback import Verdict, learn_term_weights
from aseancyber.initiatives.detection.index import THRESHOLD, DuplicateIndex

EVALUATION_SET = Path(__file__).resolve().parent.parent / "tests/initiatives/data/evaluation.json"
PARTS = tuple(os.environ.get("ASEANCYBER_QUALITY_PARTS", "tuning,development,held_out").split(","))
"""The parts measured; ``ASEANCYBER_QUALITY_PARTS=tuning,development`` keeps whoever tunes
blind to the held-out part."""


def _cells(quality: Quality) -> list[str]:
    kinds = quality.recall_by_kind
    return [
        f"{quality.precision:.3f}",
        f"{quality.recall:.3f}",
        f"{kinds.get('cross_language', 0):.3f}",
        " ".join(f"{k} {v:.2f}" for k, v in kinds.items() if k != "cross_language"),
        f"{quality.hard_negatives_flagged} of {quality.hard_negatives}",
        f"{quality.true_positives} of {quality.labelled} ({quality.flagged} flagged)",
    ]


def reviewer_weights() -> dict[str, float]:
    """The weights learnt from coordinators deciding on every mistake on the tuning part."""
    labelled = load_set(EVALUATION_SET, part="tuning")
    index = DuplicateIndex(labelled.profiles)
    flagged = {candidate.pair for candidate in index.all_pairs()}
    profiles = index.profiles
    verdicts = [
        Verdict(profiles[a], profiles[b], duplicate=False)
        for a, b in flagged - labelled.duplicates.keys()
    ] + [
        Verdict(profiles[a], profiles[b], duplicate=True)
        for a, b in labelled.duplicates.keys() - flagged
    ]
    return learn_term_weights(verdicts)


def main() -> None:
    console = Console(width=170)
    table = Table(
        title=f"Duplicate detection quality, evaluation set (threshold {THRESHOLD}, "
        "tuned on the tuning and development parts only)"
    )
    for column in (
        "part",
        "precision",
        "recall",
        "cross-language recall",
        "recall by kind",
        "near-misses flagged",
        "found",
    ):
        table.add_column(column)
    for part in PARTS:
        table.add_row(part, *_cells(evaluate(EVALUATION_SET, part=part)))
    weights = reviewer_weights()
    table.add_row(
        f"tuning, after decisions on its own mistakes ({len(weights)} terms moved; in-sample)",
        *_cells(evaluate(EVALUATION_SET, part="tuning", term_weights=weights)),
    )
    if "held_out" in PARTS:
        table.add_row(
            "held_out, with the weights those decisions taught (out-of-sample)",
            *_cells(evaluate(EVALUATION_SET, part="held_out", term_weights=weights)),
        )
    console.print(table)
    sweep = Table(title="Threshold sweep (precision / recall)")
    sweep.add_column("threshold")
    for part in PARTS:
        sweep.add_column(part)
    for threshold in (0.175, 0.19, THRESHOLD, 0.22, 0.25, 0.275, 0.3):
        cells = []
        for part in PARTS:
            quality = evaluate(EVALUATION_SET, part=part, threshold=threshold)
            cells.append(f"{quality.precision:.3f} / {quality.recall:.3f}")
        sweep.add_row(f"{threshold}", *cells)
    console.print(sweep)


if __name__ == "__main__":
    main()
