"""The shareable toolkit: who may be told about a record is exactly who may read it, for
every shareable kind, label and reader; the write helpers refuse what the policy refuses."""

from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import Role
from aseancyber.access.policy import (
    SHAREABLE_MODELS,
    Actor,
    AggregateScope,
    Audience,
    Tlp,
    shared_aggregates_reader,
    visible_to,
    visible_with_hint,
)
from aseancyber.access.shareable import (
    NamedAudience,
    audience_for_update,
    check_relabel,
    get_visible,
    named_audience,
    readers_of,
    readers_of_any,
    require_named,
    require_version,
    resolve_audience,
)
from aseancyber.community import documents_service
from aseancyber.community.documents import DocumentKind
from aseancyber.community.documents_schemas import DocumentCreate
from aseancyber.errors import Conflict, Invalid, NotFound
from tests.factories import actor
from tests.matrix import EXPECTED, LABELS, MATRIX
from tests.readers import World

READERS = [name for name in EXPECTED if name != "anonymous"]


@pytest.mark.parametrize("kind", sorted(MATRIX))
def test_readers_of_names_exactly_the_readers_the_matrix_expects(
    kind: str, db: Session, world: World
) -> None:
    model = SHAREABLE_MODELS[kind]
    users = {name: getattr(world, name) for name in READERS}
    for label, (tlp, external) in LABELS.items():
        record = db.get(model, MATRIX[kind].make(db, world, tlp, external, f"toolkit{label}"))
        assert record is not None
        told = set(readers_of(db, record, [user.id for user in users.values()]))
        expected = {user.id for name, user in users.items() if label in MATRIX[kind].expected(name)}
        assert told == expected, (kind, label)
        assert world.author.id not in readers_of(
            db, record, [world.author.id], skip=world.author.id
        )
        for name, user in users.items():  # the reading side agrees, one reader at a time
            if label in MATRIX[kind].expected(name):
                assert get_visible(db, actor(user), model, record.id, what=kind) is record
            else:
                with pytest.raises(NotFound):
                    get_visible(db, actor(user), model, record.id, what=kind)


def test_readers_of_any_needs_one_visible_record_and_skips_inactive_users(
    db: Session, world: World
) -> None:
    kind = "document"
    model = SHAREABLE_MODELS[kind]
    red = db.get(model, MATRIX[kind].make(db, world, Tlp.RED, False, "anyred"))
    amber = db.get(model, MATRIX[kind].make(db, world, Tlp.AMBER, False, "anyamber"))
    assert red is not None
    assert amber is not None
    candidates = [world.colleague.id, world.other_state.id, world.named_user.id]
    assert readers_of_any(db, [red], candidates) == [world.named_user.id]
    assert set(readers_of_any(db, [red, amber], candidates)) == {
        world.colleague.id,
        world.named_user.id,
    }
    world.named_user.is_active = False
    db.flush()
    assert readers_of_any(db, [red, amber], candidates) == [world.colleague.id]
    assert readers_of_any(db, [], candidates) == []


@pytest.mark.parametrize("hostile", ["", "x" * 65, "abc\x00def", "' OR 1=1 --"])
def test_get_visible_answers_not_found_for_hostile_ids(
    hostile: str, db: Session, world: World
) -> None:
    with pytest.raises(NotFound):
        get_visible(db, actor(world.author), SHAREABLE_MODELS["document"], hostile, what="document")


def test_labels_and_audiences_are_checked_the_same_way_everywhere(
    db: Session, world: World
) -> None:
    model = SHAREABLE_MODELS["document"]
    record = db.get(model, MATRIX["document"].make(db, world, Tlp.AMBER, False, "labels"))
    assert record is not None
    check_relabel(actor(world.recipient), record, Tlp.RED)  # anyone may raise
    with pytest.raises(Invalid, match="only the owner organisation may lower"):
        check_relabel(actor(world.recipient), record, Tlp.GREEN)
    check_relabel(actor(world.author), record, Tlp.GREEN)  # the owner may lower
    with pytest.raises(Invalid, match="may not be empty"):
        check_relabel(actor(world.author), record, None)
    with pytest.raises(Invalid, match="TLP:RED needs at least one named recipient"):
        require_named(Tlp.RED, Audience())
    require_named(Tlp.AMBER, Audience())
    with pytest.raises(Invalid) as unknown:
        resolve_audience(
            db,
            organisation_ids=["no-such-org"],
            user_ids=["no-such-user"],
            user_emails=["nobody@example.org"],
        )
    assert {p.field for p in unknown.value.problems} == {
        "audience_organisation_ids",
        "audience_user_ids",
        "audience_user_emails",
    }
    by_email = resolve_audience(db, user_emails=[world.named_user.email.upper()])
    assert by_email.user_ids == {world.named_user.id}
    with pytest.raises(Conflict, match="you loaded version 99"):
        require_version(record, 99, what="document")


def test_an_update_keeps_the_audience_parts_it_does_not_give(db: Session, world: World) -> None:
    model = SHAREABLE_MODELS["document"]
    record = db.get(model, MATRIX["document"].make(db, world, Tlp.RED, False, "keeps"))
    assert record is not None
    changes: dict[str, object] = {"title": "x", "audience_user_ids": []}
    audience, given = audience_for_update(db, record, changes)
    assert given
    assert changes == {"title": "x"}
    assert audience.organisation_ids == {world.recipient_org.id}
    assert not audience.user_ids
    with pytest.raises(Invalid, match="TLP:RED needs"):
        audience_for_update(db, record, {"audience_user_ids": [], "audience_organisation_ids": []})
    unchanged, given = audience_for_update(db, record, {"tlp": Tlp.RED})
    assert not given
    assert unchanged == Audience(
        organisation_ids=frozenset({world.recipient_org.id}),
        user_ids=frozenset({world.named_user.id}),
    )


def test_named_audience_gives_the_rows_a_record_names(db: Session, world: World) -> None:
    model = SHAREABLE_MODELS["document"]
    red = db.get(model, MATRIX["document"].make(db, world, Tlp.RED, False, "named"))
    assert red is not None
    named = named_audience(db, red)
    assert named.organisations == [world.recipient_org]
    assert named.users == [world.named_user]
    data = DocumentCreate(title="Nobody named", kind=DocumentKind.OTHER, tlp=Tlp.AMBER)
    unnamed = documents_service.create(db, actor=actor(world.author), data=data)
    assert named_audience(db, unnamed) == NamedAudience(organisations=[], users=[])


def test_shared_aggregates_count_every_record_of_the_state_on_large_views_too(
    db: Session, world: World
) -> None:
    model = SHAREABLE_MODELS["document"]
    made = {
        MATRIX["document"].make(db, world, tlp, external, f"aggregate{label}")
        for label, (tlp, external) in LABELS.items()
    }
    state = world.owner_org.member_state_id
    assert state is not None
    reader = shared_aggregates_reader(
        actor(world.other_state), member_state_id=state, scope=AggregateScope.MEMBER_STATES
    )
    assert reader is not None
    for condition in (visible_to(reader, model), visible_with_hint(reader, model)):
        seen = set(db.scalars(select(model.id).where(model.id.in_(made), condition)))
        assert seen == made  # every label: the figures are about the state's own records


def test_a_readers_condition_is_built_once_and_names_that_reader_only() -> None:
    sg = Actor(user_id="u-sg", organisation_id="o-sg", member_state_id="sg", is_community=True)
    # Another request of the same person: what the rules read of a reader is the same.
    again = replace(sg, display_name="Analyst", roles=frozenset({Role.COORDINATOR}))
    other = Actor(user_id="u-jp", organisation_id="o-jp", member_state_id=None, is_community=False)
    for model in SHAREABLE_MODELS.values():
        assert visible_to(sg, model) is visible_to(again, model)
        assert visible_to(None, model) is visible_to(None, model)
        condition = visible_to(other, model)
        assert condition is not visible_to(sg, model)
        values = {v for v in condition.compile().params.values() if isinstance(v, str)}
        assert {"o-jp", "u-jp"} <= values
        assert not {"o-sg", "u-sg"} & values
