"""The save path's duplicate index: kept in the process, correct across processes through the
generation counter, never holding another transaction's uncommitted changes."""

from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from aseancyber.initiatives import service
from aseancyber.initiatives.detection.evaluation import load
from aseancyber.initiatives.detection.index import Candidate, DuplicateIndex, Profile
from aseancyber.initiatives.detection.live_index import LiveIndex
from aseancyber.initiatives.detection.profiles import load_profiles
from aseancyber.initiatives.models import DetectionIndexChange
from tests.factories import actor
from tests.initiatives.conftest import SAME_TRAINING_OTHER_BODY, TRAINING, Register
from tests.readers import World

EVALUATION_SET = Path(__file__).resolve().parent.parent / "data" / "evaluation.json"
OPEN_PARTS = ("tuning", "held_out", "development")
"""The parts a test may run detection on; ``held_out_2`` stays blind until it is reported."""


def _ids(found: list[Candidate]) -> set[str]:
    return {i for c in found for i in c.pair}


def test_another_process_follows_creates_edits_and_deletes(
    db: Session, world: World, register: Register
) -> None:
    first = register(**TRAINING)
    db.commit()
    other_process = LiveIndex()
    assert other_process.find(db, profiles=load_profiles(db, ids=[first.id])) == []
    assert other_process.last.rebuilt

    second = register(by=world.other_state, **SAME_TRAINING_OTHER_BODY)
    db.commit()
    found = other_process.find(db, profiles=load_profiles(db, ids=[second.id]))
    assert not other_process.last.rebuilt  # followed the change, no rebuild
    assert other_process.last.applied == 1
    assert _ids(found) == {first.id, second.id}

    service.delete(db, actor=actor(world.author), initiative_id=first.id)
    db.commit()
    assert other_process.find(db, profiles=load_profiles(db, ids=[second.id])) == []
    assert not other_process.last.rebuilt
    assert first.id not in other_process.find(db, profiles=[])
    assert not other_process.last.rebuilt


def test_uncommitted_changes_are_scored_aside_and_never_shared(
    db: Session, world: World, register: Register
) -> None:
    first = register(**TRAINING)
    db.commit()
    process = LiveIndex()
    process.find(db, profiles=[])
    savepoint = db.begin_nested()
    second = register(by=world.other_state, **SAME_TRAINING_OTHER_BODY)
    found = process.find(db, profiles=load_profiles(db, ids=[second.id]))
    assert _ids(found) == {first.id, second.id}
    assert process.last.overlay == 1
    assert not process.last.rebuilt
    savepoint.rollback()
    db.info.clear()  # the rolled-back savepoint's pending changes (as a new request would)
    assert process.find(db, profiles=load_profiles(db, ids=[first.id])) == []
    assert not process.last.rebuilt  # the shared index never held the rolled-back one


def test_a_rolled_back_or_restored_generation_forces_a_rebuild(
    db: Session, world: World, register: Register
) -> None:
    register(**TRAINING)
    db.commit()
    process = LiveIndex()
    process.find(db, profiles=[])
    db.execute(update(DetectionIndexChange).values(token="restored-from-a-backup"))
    db.commit()
    process.find(db, profiles=[])
    assert process.last.rebuilt


def test_an_index_kept_up_to_date_finds_what_a_fresh_build_finds() -> None:
    """Re-registrations added one at a time are found as a full build finds them."""
    profiles: list[Profile] = []
    duplicates: set[tuple[str, str]] = set()
    for part in OPEN_PARTS:
        part_profiles, part_duplicates, _ = load(EVALUATION_SET, part=part)
        profiles += part_profiles
        duplicates |= part_duplicates
    later = {second for _, second in duplicates}
    index = DuplicateIndex([p for p in profiles if p.id not in later])
    fresh = DuplicateIndex(profiles)
    for profile in profiles:
        if profile.id in later:
            index.add(profile)
    found_live = found_fresh = 0
    for first, second in sorted(duplicates):
        newcomer = index.profiles[second]
        found_live += any(first in c.pair for c in index.candidates_for(newcomer, limit=50))
        found_fresh += any(first in c.pair for c in fresh.candidates_for(newcomer, limit=50))
    assert found_live >= found_fresh - 1, (found_live, found_fresh)
    assert found_live >= 0.9 * len(duplicates)
    for profile_id in list(later):
        index.remove(profile_id)
    assert set(index.profiles) == {p.id for p in profiles} - later
    assert all(later.isdisjoint(posting) for posting in index.postings.values())
