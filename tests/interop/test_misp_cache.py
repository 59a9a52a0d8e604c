"""Converted MISP feed events are kept in the database (issue 17): a restart or another
server process serves them without converting again, and the visibility filter still
decides, at every read, which versions make each reader's event."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.interop import misp_cache, misp_feed
from aseancyber.interop.models import MispConversion
from aseancyber.sharing.models import Collection
from tests.interop.test_misp_feed import _check_consistent, _feed, _share, _values, matrix
from tests.matrix import EXPECTED
from tests.readers import ClientsFor, World

__all__ = ["matrix"]  # the feed tests' fixture


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts misp-stix conversions (each call of the feed's parser)."""
    calls: list[int] = []
    real = misp_feed._parse

    def counted(members: list[dict[str, Any]], **arguments: Any) -> dict[str, Any]:
        calls.append(len(members))
        return real(members, **arguments)

    monkeypatch.setattr(misp_feed, "_parse", counted)
    return calls


def _seen(events: dict[str, Any]) -> set[str]:
    return set().union(*(_values(event) for event in events.values())) if events else set()


def _stored(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(MispConversion)) or 0


def test_a_restart_serves_the_kept_conversions_and_each_reader_still_gets_only_its_view(
    db: Session,
    world: World,
    matrix: Collection,
    clients_for: ClientsFor,
    conversions: list[int],
) -> None:
    misp_cache.clear_memory()
    author, _ = clients_for(world.author)
    first = _feed(author, matrix)
    assert conversions == [len(EXPECTED["author"])]  # one event, converted once
    assert _stored(db) == 1

    misp_cache.clear_memory()  # what a restart, or another server process, starts with
    assert _feed(author, matrix) == first
    assert len(conversions) == 1  # served from the database, not converted again

    # A reader who sees less gets an event made of fewer versions: another conversion,
    # never the author's answer.
    other, _ = clients_for(world.other_state)
    manifest, events, rows = _feed(other, matrix)
    _check_consistent(manifest, events, rows)
    assert _seen(events) == {f"{name}.example.net" for name in EXPECTED["other_state"]}
    assert _seen(events) < _seen(first[1])
    assert len(conversions) == 2
    assert _stored(db) == 2


def test_an_object_added_to_the_event_has_it_converted_again(
    db: Session,
    world: World,
    matrix: Collection,
    clients_for: ClientsFor,
    conversions: list[int],
) -> None:
    misp_cache.clear_memory()
    other, _ = clients_for(world.other_state)
    before = _seen(_feed(other, matrix)[1])
    _share(db, world, matrix, "later", Tlp.GREEN)
    db.commit()
    after = _feed(other, matrix)
    assert _seen(after[1]) == before | {"later.example.net"}
    assert len(conversions) == 2
    _check_consistent(*after)


def test_a_conversion_stored_by_another_process_first_is_kept(
    db: Session, world: World, matrix: Collection, client: TestClient
) -> None:
    misp_cache.put(db, "k" * 64, {"Attribute": []})
    db.commit()
    misp_cache.clear_memory()
    misp_cache.put(db, "k" * 64, {"Attribute": [{"value": "ignored"}]})  # no error: kept
    db.commit()
    misp_cache.clear_memory()
    assert misp_cache.get(db, "k" * 64) == (True, {"Attribute": []})
    assert misp_cache.get(db, "n" * 64) == (False, None)
