"""Duplicate detection meets its quality targets on the labelled evaluation set, and blocking
finds what brute force finds."""

from pathlib import Path

from aseancyber.initiatives.detection import DuplicateIndex, brute_force_pairs
from aseancyber.initiatives.evaluation import evaluate, load

EVALUATION_SET = Path(__file__).resolve().parent / "data" / "evaluation.json"


def test_the_evaluation_set_is_big_enough_and_labelled() -> None:
    profiles, duplicates, negatives = load(EVALUATION_SET)
    assert len(profiles) >= 200
    assert len(duplicates) >= 40
    assert len(negatives) >= 40
    ids = {profile.id for profile in profiles}
    assert all(a in ids and b in ids for a, b in duplicates | negatives)


def test_recall_and_precision_targets() -> None:
    quality = evaluate(EVALUATION_SET)
    assert quality.recall >= 0.9, quality
    assert quality.precision >= 0.8, quality
    assert quality.hard_negatives_flagged <= quality.hard_negatives // 10, quality


def test_blocking_finds_what_brute_force_finds() -> None:
    profiles, _, _ = load(EVALUATION_SET)
    indexed = {candidate.pair for candidate in DuplicateIndex(profiles).all_pairs()}
    brute = {candidate.pair for candidate in brute_force_pairs(profiles)}
    assert indexed <= brute  # blocking only skips pairs; it never scores differently
    assert len(indexed) >= 0.95 * len(brute)


def test_one_new_initiative_is_ranked_against_the_index() -> None:
    profiles, duplicates, _ = load(EVALUATION_SET)
    first, second = sorted(duplicates)[0]
    index = DuplicateIndex([p for p in profiles if p.id != second])
    newcomer = next(p for p in profiles if p.id == second)
    found = index.candidates_for(newcomer)
    assert found
    assert first in found[0].pair
    assert found[0].reasons.sentences()
