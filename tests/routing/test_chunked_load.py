"""Loading the IP-to-ASN table in short committed chunks (issue 14): another writer gets in
between chunks, readers keep the previous table until one short transaction switches to
the new one, and a load that stops midway leaves nothing visible and is cleared by the next.

A database of its own with real commits (threads cannot share the rolled-back test
transaction); the load is paused by its chunk hook, every wait is bounded.
"""

from collections.abc import Iterator

import pytest
from benchmarks.initiatives_import import _migrate
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.audit.models import AuditEntry
from aseancyber.db import make_engine
from aseancyber.jobs.units import committed_units
from aseancyber.routing import table
from aseancyber.routing.models import AsName, AsnRange
from tests.conftest import make_settings
from tests.initiatives.detection.test_detection_runs import WAIT, Pause, _in_thread

BUSY_SECONDS = 3.0
OLD = ["1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n"]
NEW = [f"10.{n}.0.0\t16\t{64500 + n}\n" for n in range(25)]  # pfx2as: 25 ranges


@pytest.fixture
def factory(scratch_database: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(
        scratch_database,
        settings=make_settings(scratch_database, sqlite_busy_timeout_seconds=BUSY_SECONDS),
    )
    _migrate(engine)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


def _load(factory: sessionmaker[Session], lines: list[str], **options: object) -> table.LoadSummary:
    fmt = "iptoasn" if "\t1.0" in lines[0] else "pfx2as"
    return table.store_in_chunks(
        unit=committed_units(factory),
        actor=None,
        lines=lines,
        file_format=fmt,
        source="test",
        **options,  # type: ignore[arg-type]
    )


def _asns(factory: sessionmaker[Session]) -> list[int]:
    with factory() as db:
        return table.current_table(db).asns_v4_text(["1.0.0.1", "10.3.0.1"])


def _rows(factory: sessionmaker[Session]) -> int:
    with factory() as db:
        return db.scalar(select(func.count()).select_from(AsnRange)) or 0


def test_a_load_lets_writers_in_and_switches_readers_at_once(
    factory: sessionmaker[Session],
) -> None:
    _load(factory, OLD)
    assert _asns(factory) == [13335, 0]
    pause = Pause()
    summaries: list[table.LoadSummary] = []
    thread, errors = _in_thread(
        lambda: summaries.append(_load(factory, NEW, chunk_size=10, after_chunk=pause))
    )
    assert pause.paused.wait(WAIT)
    with factory() as db:  # another writer, within the busy timeout or it raises
        db.execute(insert(AsName).values(asn=64999, name="ELSEWHERE", country="SG"))
        db.commit()
    assert _rows(factory) == 1 + 10  # a chunk is stored, hidden
    assert _asns(factory) == [13335, 0]  # readers still see the previous table
    pause.resume.set()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert not errors, errors
    [summary] = summaries
    assert (summary.generation, summary.ipv4_ranges) == (2, 25)
    assert _asns(factory) == [0, 64503]
    assert _rows(factory) == 25  # the previous ranges were removed
    with factory() as db:
        loads = db.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "routing.asn_table_load")
        ).all()
    assert len(loads) == 2


def test_a_load_stopped_midway_shows_nothing_and_the_next_clears_it(
    factory: sessionmaker[Session],
) -> None:
    _load(factory, OLD)

    def crash(number: int, total: int) -> None:
        if number == 2:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        _load(factory, NEW, chunk_size=10, after_chunk=crash)
    assert _rows(factory) == 1 + 20
    assert _asns(factory) == [13335, 0]
    with factory() as db:
        assert table.current_table(db).generation == 1
    summary = _load(factory, NEW, chunk_size=10)
    assert summary.generation == 2
    assert _rows(factory) == 25
    assert _asns(factory) == [0, 64503]
