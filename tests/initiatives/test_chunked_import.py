"""The command line's import in short transactions (issue 14): rows are checked with nothing
written, stored a chunk per committed transaction, another writer gets in between chunks,
a bad row still stops everything, and an import stopped midway resumes from its row."""

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select

from aseancyber.audit.models import AuditEntry
from aseancyber.initiatives import chunked_import, transfer
from aseancyber.initiatives.detection import live_index
from aseancyber.initiatives.importing import ImportResult
from aseancyber.initiatives.models import Initiative
from aseancyber.jobs.units import committed_units
from tests.initiatives.detection.test_detection_runs import (  # noqa: F401 - the fixture, reused
    ROWS,
    WAIT,
    Pause,
    Registry,
    _in_thread,
    _write_elsewhere,
    registry,
)


def _stored(registry: Registry) -> int:  # noqa: F811 - the fixture's name
    with registry.factory() as db:
        return db.scalar(select(func.count()).select_from(Initiative)) or 0


def _run(registry: Registry, **options: Any) -> ImportResult:  # noqa: F811
    with transfer.open_text(registry.csv) as stream:
        return chunked_import.import_in_chunks(
            registry.factory,
            unit=committed_units(registry.factory),
            actor=registry.actor,
            source=stream,
            format="csv",
            **options,
        )


def test_rows_are_stored_a_chunk_at_a_time_and_writers_get_in(registry: Registry) -> None:  # noqa: F811
    pause = Pause()
    outcome: list[ImportResult] = []
    thread, errors = _in_thread(
        lambda: outcome.append(_run(registry, chunk_size=10, after_chunk=pause))
    )
    assert pause.paused.wait(WAIT)
    with registry.factory() as db:
        title = db.scalars(select(Initiative.title)).first()
    assert title is not None
    _write_elsewhere(registry, title)  # within the busy timeout, or it raises
    assert _stored(registry) == 10  # whole chunks only
    pause.resume.set()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert not errors, errors
    [result] = outcome
    assert len(result.imported_ids) == _stored(registry) == ROWS
    with registry.factory() as db:
        entries = db.scalars(
            select(AuditEntry).where(AuditEntry.action == "initiative.import")
        ).all()
    assert [(entry.detail or {}).get("imported") for entry in entries] == [ROWS]


def test_a_bad_row_stores_nothing_unless_bad_rows_are_skipped(registry: Registry) -> None:  # noqa: F811
    with registry.csv.open("a", encoding="utf-8") as handle:
        handle.write("Drill for Narnia,,Ongoing,2026-01,2026-02,,Narnia,,,,,\n")
    refused = _run(registry, chunk_size=10)
    assert refused.bad_rows == 1
    assert [problem.value for problem in refused.problems] == ["Narnia"]
    assert refused.imported_ids == []
    assert _stored(registry) == 0
    done = _run(registry, chunk_size=10, skip_bad_rows=True)
    assert len(done.imported_ids) == _stored(registry) == ROWS


def test_an_import_stopped_midway_keeps_its_chunks_and_resumes(
    registry: Registry,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record = live_index.record_change
    calls: list[int] = []

    def failing_third(db: Any, *, initiative_ids: Sequence[str]) -> None:
        calls.append(len(initiative_ids))
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        record(db, initiative_ids=initiative_ids)

    monkeypatch.setattr(live_index, "record_change", failing_third)
    with pytest.raises(chunked_import.StoppedMidway) as stopped:
        _run(registry, chunk_size=10)
    assert stopped.value.stored == 20
    assert _stored(registry) == 20
    assert f"--start-row {stopped.value.resume_row}" in str(stopped.value)
    monkeypatch.setattr(live_index, "record_change", record)
    rest = _run(registry, chunk_size=10, start_row=stopped.value.resume_row)
    assert len(rest.imported_ids) == ROWS - 20
    assert _stored(registry) == ROWS
