"""The stored index written at driver speed (COPY / executemany) holds what the compiler
says, batch after batch, on SQLite and PostgreSQL alike."""

import gc
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.matching import indexer
from aseancyber.matching.compiler import PatternKind, compile_pattern
from aseancyber.matching.models import IndexedIndicator, IndexEntry
from tests.matching.conftest import indicator, store
from tests.readers import World
from tests.sharing.conftest import make_collection

PATTERNS = [
    "[ipv4-addr:value = '203.0.113.9']",
    "[domain-name:value = 'Evil.Example.']",
    "[url:value = 'HTTP://Dl.Example/A\\'b']",
    "[file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855']",
    "[ipv4-addr:value ISSUBSET '192.0.2.0/24']",
    "[ipv6-addr:value ISSUPERSET '2001:db8::/64']",
    "[domain-name:value = 'a.example' OR domain-name:value = 'b.example']",
    "[url:value LIKE 'http://x.example/%']",
    "[network-traffic:dst_port = 443]",
    "[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2']",
]


def test_a_bulk_catch_up_stores_what_the_compiler_says(
    db: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexer, "BATCH", 3)  # several batches, all rows with one stamp
    collection = make_collection(db, world)
    ids = store(
        db,
        author=world.author,
        collection=collection,
        objects=[
            indicator(
                pattern,
                valid_from="2026-02-03T04:05:06.789Z",
                valid_until="2027-01-01T00:00:00Z" if n % 2 else None,
                revoked=n == 3,
            )
            for n, pattern in enumerate(PATTERNS)
        ],
    )
    assert indexer.catch_up(db) == len(PATTERNS)
    assert indexer.catch_up(db) == 0
    stored = {row.stix_object_id: row for row in db.scalars(select(IndexedIndicator))}
    entries = {
        (row.stix_object_id, row.kind, row.observable, row.key, row.prefix)
        for row in db.scalars(select(IndexEntry))
    }
    expected_entries: set[tuple[str, str, str, str, int | None]] = set()
    for n, (record_id, pattern) in enumerate(zip(ids, PATTERNS, strict=True)):
        compiled = compile_pattern(pattern)
        row = stored[record_id]
        assert row.kind is compiled.kind
        assert row.problem == compiled.problem
        assert row.sco_types == ",".join(sorted(compiled.types))
        assert row.valid_from == datetime(2026, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)
        assert row.valid_until == (datetime(2027, 1, 1, tzinfo=UTC) if n % 2 else None)
        assert row.revoked is (n == 3)
        expected_entries.update(
            (record_id, e.kind, e.observable, e.key, e.prefix) for e in compiled.entries
        )
    assert entries == expected_entries
    assert stored[ids[-1]].kind is PatternKind.MULTI_OBSERVATION
    assert ("eq", "url", "http://dl.example/A'b") in {e[1:4] for e in entries}


def test_the_collector_pause_ends_with_the_collector_as_found() -> None:
    assert gc.isenabled()
    try:
        with indexer.collector_paused():
            assert not gc.isenabled()
            with indexer.collector_paused():  # nested: the inner one leaves it off
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled()
        gc.disable()  # someone else turned it off: a pause does not turn it on
        with indexer.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_failing_batch_still_ends_the_pause() -> None:
    with pytest.raises(ValueError, match="batch failed"), indexer.collector_paused():
        raise ValueError("batch failed")
    assert gc.isenabled()
