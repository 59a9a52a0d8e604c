"""Detection runs in short transactions (issue 14): another writer is never blocked for a
run's whole duration, readers never see half a run, and a run that dies midway is replaced
cleanly by the next.

Each test uses a database of its own with real commits (the rolled-back test transaction
cannot be shared between threads). The run is paused between two chunks by its hook,
and the test writes from another connection meanwhile: every wait is bounded (events with a
timeout, the database's busy timeout), the order of events is forced, never timed.
"""

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from benchmarks.initiatives_import import _prepare, write_registry
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.models import User
from aseancyber.access.policy import Actor
from aseancyber.access.service import actor_for
from aseancyber.db import make_engine
from aseancyber.initiatives import importing, transfer
from aseancyber.initiatives.detection import live_index
from aseancyber.initiatives.detection import runs as detection_runs
from aseancyber.initiatives.models import Initiative
from aseancyber.initiatives.overlaps import service as overlaps
from aseancyber.initiatives.overlaps.models import Overlap, OverlapStatus
from aseancyber.jobs.units import committed_units
from tests.conftest import make_settings

WAIT = 20.0  # the most any step may take before the test fails
BUSY_SECONDS = 3.0  # a writer blocked by a long transaction fails well within a test
ROWS = 80  # about one row in ten re-registers another: several pairs, several chunks


@dataclass
class Registry:
    factory: sessionmaker[Session]
    actor: Actor
    csv: Path


@pytest.fixture
def registry(scratch_database: str, tmp_path: Path) -> Iterator[Registry]:
    engine = make_engine(
        scratch_database,
        settings=make_settings(scratch_database, sqlite_busy_timeout_seconds=BUSY_SECONDS),
    )
    factory, user_id = _prepare(engine)
    with factory() as db:
        user = db.get(User, user_id)
        assert user is not None
        actor = actor_for(user)
    csv = tmp_path / "registry.csv"
    write_registry(csv, ROWS)
    yield Registry(factory, actor, csv)
    engine.dispose()


def _import(registry: Registry, *, detect: bool) -> importing.ImportResult:
    with registry.factory.begin() as db, transfer.open_text(registry.csv) as stream:
        result = importing.import_initiatives(
            db, actor=registry.actor, source=stream, format="csv", detect=detect
        )
    assert result.imported_ids
    assert not result.problems
    return result


def _visible(registry: Registry) -> set[tuple[str, str]]:
    with registry.factory() as db:
        statement = overlaps.visible_statement(registry.actor, status=OverlapStatus.OPEN)
        return {(o.first_id, o.second_id) for o in db.scalars(statement).unique()}


def _hidden(registry: Registry) -> int:
    with registry.factory() as db:
        statement = select(func.count()).where(Overlap.pending_run_id.is_not(None))
        return db.scalar(statement) or 0


class Pause:
    """A chunk hook that stops the run after its first chunk until the test lets it go."""

    def __init__(self) -> None:
        self.paused = threading.Event()
        self.resume = threading.Event()

    def __call__(self, number: int, total: int) -> None:
        if number == 1:
            assert total > 1, "the test needs a run of several chunks"
            self.paused.set()
            assert self.resume.wait(WAIT)


def _in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # reported by the test thread
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


def _write_elsewhere(registry: Registry, title: str) -> None:
    """Another user's write: must commit within the busy timeout, or raise."""
    with registry.factory() as db:
        db.execute(update(Initiative).where(Initiative.title == title).values(programme="X"))
        db.commit()


def test_a_whole_registry_run_lets_writers_in_and_publishes_at_once(registry: Registry) -> None:
    _import(registry, detect=False)
    assert _visible(registry) == set()
    with registry.factory() as db:
        title = db.scalars(select(Initiative.title)).first()
    assert title is not None
    pause = Pause()
    thread, errors = _in_thread(
        lambda: detection_runs.detect_whole_registry(
            registry.factory,
            unit=committed_units(registry.factory),
            chunk_size=1,
            after_chunk=pause,
        )
    )
    assert pause.paused.wait(WAIT)
    _write_elsewhere(registry, title)  # not blocked while the run is under way
    # Half written: the chunk is stored, hidden; readers still see the previous pairs.
    assert _hidden(registry) >= 1
    assert _visible(registry) == set()
    pause.resume.set()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert not errors, errors
    assert _hidden(registry) == 0
    published = _visible(registry)
    assert len(published) > 1
    with registry.factory() as db:  # what the one-transaction detection would have found
        assert overlaps.detect_all(db) == 0
        db.rollback()


def test_a_run_stopped_midway_shows_nothing_and_the_next_replaces_it(registry: Registry) -> None:
    _import(registry, detect=False)
    # A pair stored by an earlier detection that will no longer qualify.
    with registry.factory() as db:
        ids = db.scalars(select(Initiative.id).order_by(Initiative.id).limit(2)).all()
    with registry.factory.begin() as db:
        db.add(Overlap(first_id=ids[0], second_id=ids[1], score=0.99, reasons="{}"))
    before = _visible(registry)
    assert before == {(ids[0], ids[1])}

    def crash(number: int, total: int) -> None:
        raise RuntimeError("the worker was killed")

    with pytest.raises(RuntimeError):
        detection_runs.detect_whole_registry(
            registry.factory,
            unit=committed_units(registry.factory),
            chunk_size=1,
            after_chunk=crash,
        )
    assert _hidden(registry) >= 1
    assert _visible(registry) == before  # the stale pair stays until a run publishes

    outcome = detection_runs.detect_whole_registry(
        registry.factory, unit=committed_units(registry.factory), chunk_size=2
    )
    assert _hidden(registry) == 0
    after = _visible(registry)
    assert (ids[0], ids[1]) not in after
    assert outcome.withdrawn == 1
    assert len(after) == outcome.written > 1


def test_a_large_import_finds_its_overlaps_without_blocking_writers(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_index, "OVERLAY_LIMIT", 10)  # the large-import path, small file
    result = _import(registry, detect=False)
    assert _visible(registry) == set()
    pause = Pause()
    thread, errors = _in_thread(
        lambda: detection_runs.detect_committed_import(
            registry.factory,
            unit=committed_units(registry.factory),
            actor=registry.actor,
            result=result,
            chunk_size=1,
            after_chunk=pause,
        )
    )
    assert pause.paused.wait(WAIT)
    _write_elsewhere(registry, "no such title")
    with registry.factory.begin() as db:
        db.execute(
            update(Initiative)
            .where(Initiative.id == result.imported_ids[0])
            .values(programme="edited meanwhile")
        )
    assert _visible(registry) == set()
    pause.resume.set()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert not errors, errors
    assert result.overlaps_found == len(_visible(registry)) > 1
    assert result.overlaps_flagged == result.overlaps_found  # the importer sees both sides


def test_a_committed_import_finds_the_same_overlaps_as_one_transaction(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_index, "OVERLAY_LIMIT", 10)
    inline = _import(registry, detect=True)
    found_inline = _visible(registry)
    assert inline.overlaps_found == len(found_inline) > 1
    with registry.factory.begin() as db:
        db.execute(delete(Overlap))
        for initiative in db.scalars(select(Initiative)).unique():
            db.delete(initiative)
    later = _import(registry, detect=False)
    detection_runs.detect_committed_import(
        registry.factory, unit=committed_units(registry.factory), actor=registry.actor, result=later
    )
    assert later.overlaps_found == inline.overlaps_found
    assert len(_visible(registry)) == len(found_inline)
