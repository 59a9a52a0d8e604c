"""The permission matrix: every shareable record type x every reader x every label x every
route kind (page, REST list, REST detail, export, search), and the policy's SQL filter and
Python predicate held to the same hand-written expectations."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import SHAREABLE_MODELS, audience_of, can_see, visible_to
from tests.factories import actor
from tests.matrix import DERIVED, DERIVED_MAKERS, EXPECTED, LABELS, MATRIX, NO_DERIVED
from tests.readers import ClientsFor, World


def _share(db: Session, world: World, kind: str) -> dict[str, str]:
    ids = {
        name: MATRIX[kind].make(db, world, tlp, external, _marker(name))
        for name, (tlp, external) in LABELS.items()
    }
    db.commit()
    return ids


def _marker(label_name: str) -> str:
    """A search term found in exactly one record (no marker is a prefix of another)."""
    return f"zebra{list(LABELS).index(label_name)}q"


def test_every_shareable_model_is_in_the_matrix() -> None:
    assert set(SHAREABLE_MODELS) == set(MATRIX)


def _ids(items: list[dict[str, object]]) -> set[str]:
    return {str(item["id"]) for item in items}


@pytest.mark.parametrize("kind", sorted(MATRIX))
@pytest.mark.parametrize("reader_name", sorted(EXPECTED))
def test_readers_see_exactly_what_the_policy_allows_on_every_route(
    kind: str, reader_name: str, clients_for: ClientsFor, db: Session, world: World
) -> None:
    routes = MATRIX[kind]
    ids = _share(db, world, kind)
    user = None if reader_name == "anonymous" else getattr(world, reader_name)
    rest, page = clients_for(user)
    visible = {ids[name] for name in routes.expected(reader_name)}

    def rest_items(client: TestClient, url: str, **params: str) -> set[str]:
        response = client.get(url, params=params)
        if user is None and response.status_code == 401:
            return set()  # an anonymous reader of a members-only list sees nothing at all
        assert response.status_code == 200, (url, response.text)
        return _ids(response.json()["items"]) & set(ids.values())

    assert rest_items(rest, routes.rest_list) == visible
    assert rest_items(rest, routes.rest_list, **{routes.search_param: "zebra"}) == visible
    assert rest_items(rest, routes.rest_export) == visible
    assert rest_items(page, routes.page_export) == visible
    for name, record_id in ids.items():
        searched = rest_items(rest, routes.rest_list, **{routes.search_param: _marker(name)})
        assert searched == ({record_id} & visible), name

    listing = page.get(routes.page_list, params={routes.search_param: "zebra"})
    for name, record_id in ids.items():
        assert (record_id in listing.text) is (record_id in visible), (name, listing.status_code)

    for name, record_id in ids.items():
        rest_detail = rest.get(routes.rest_detail.format(id=record_id))
        page_detail = page.get(routes.page_detail.format(id=record_id), follow_redirects=False)
        if record_id in visible:
            assert rest_detail.status_code == 200, name
            assert page_detail.status_code == 200, name
        else:
            assert rest_detail.status_code in ((401, 404) if user is None else (404,)), name
            assert page_detail.status_code in ((303, 401, 404) if user is None else (404,)), name
            # Nothing of the record leaks into the answer (the id is the caller's own input).
            assert _marker(name) not in rest_detail.text + page_detail.text, name


@pytest.mark.parametrize("kind", sorted(MATRIX))
def test_sql_filter_and_predicate_agree_with_the_expectations(
    kind: str, db: Session, world: World
) -> None:
    ids = _share(db, world, kind)
    model = SHAREABLE_MODELS[kind]
    for reader_name in EXPECTED:
        expected = MATRIX[kind].expected(reader_name)
        reader = None if reader_name == "anonymous" else actor(getattr(world, reader_name))
        for name, record_id in ids.items():
            by_sql = db.scalar(
                select(func.count())
                .select_from(model)
                .where(model.id == record_id, visible_to(reader, model))
            )
            record = db.get(model, record_id)
            assert record is not None
            by_predicate = can_see(reader, record, audience_of(db, record))
            assert bool(by_sql) is by_predicate is (name in expected), (reader_name, name)


def test_every_shareable_model_says_whether_derived_records_are_in_the_matrix() -> None:
    parents = {entry.parent for entry in DERIVED.values()}
    assert parents <= set(MATRIX)
    assert not parents & set(NO_DERIVED)
    assert parents | set(NO_DERIVED) == set(SHAREABLE_MODELS)


@pytest.mark.parametrize("derived", sorted(DERIVED))
@pytest.mark.parametrize("maker", DERIVED_MAKERS)
@pytest.mark.parametrize("reader_name", sorted(EXPECTED))
def test_a_derived_record_is_seen_by_exactly_the_readers_of_its_parent(
    *,
    derived: str,
    maker: str,
    reader_name: str,
    clients_for: ClientsFor,
    db: Session,
    world: World,
) -> None:
    """Label x audience (organisation, user named alone) x collection grant x role x
    derived record: a record made by a named recipient of its parent, on every path."""
    entry = DERIVED[derived]
    parents = _share(db, world, entry.parent)
    by = getattr(world, maker)
    made = {
        name: entry.make(db, world, parent_id, by, f"{_marker(name)}d")
        for name, parent_id in parents.items()
    }
    db.commit()
    user = None if reader_name == "anonymous" else getattr(world, reader_name)
    rest, page = clients_for(user)
    for name, record in made.items():
        expected = name in MATRIX[entry.parent].expected(reader_name)
        for probe in record.probes:
            if user is None and probe.members_only:
                continue
            client = page if probe.path.startswith("page") else rest
            answer = client.get(probe.url, headers=dict(probe.headers), follow_redirects=False)
            found = answer.status_code == 200 and probe.needle in answer.text
            assert found is expected, (name, probe.path, answer.status_code)
