"""Consensus rules as properties over random sequences of edits and answers.

A small reference model (the current version number and each state's newest answer)
is run beside the real services; after every step they must agree on who has endorsed
the current version and on whether the position is adopted.
"""

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from aseancyber.errors import Conflict
from aseancyber.positions import consensus, service
from aseancyber.positions.models import ConsensusMode, Position, PositionStatus, ResponseKind
from aseancyber.positions.schemas import PositionCreate, ResponseCreate, TextRevision
from tests.factories import actor
from tests.positions.conftest import Delegation
from tests.readers import World

Step = tuple[str, int, int]  # (operation, state index, how many versions back)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("revise"), st.just(0), st.just(0)),
        st.tuples(
            st.sampled_from(["endorse", "endorse", "endorse", "reservation", "objection"]),
            st.integers(min_value=0, max_value=4),
            st.sampled_from([0, 0, 0, 1]),
        ),
    ),
    max_size=25,
)


@dataclass
class Model:
    states: int
    version: int = 1
    latest: dict[int, tuple[str, int]] = field(default_factory=dict)
    adopted: bool = False

    def endorsed_current(self) -> int:
        return sum(1 for kind, v in self.latest.values() if kind == "endorse" and v == self.version)


def _status(position: Position) -> PositionStatus:
    return position.status


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
def test_consensus_only_when_every_state_endorsed_the_current_version(
    sequence: list[Step], db: Session, world: World, delegations: dict[str, Delegation]
) -> None:
    order = sorted(delegations)
    drafter = actor(world.author)
    savepoint = db.begin_nested()
    try:
        position = service.create(
            db,
            actor=drafter,
            data=PositionCreate(
                title="Property",
                paragraphs=["One.", "Two."],
                consensus_mode=ConsensusMode.UNANIMOUS,
            ),
        )
        model = Model(states=len(order))
        for operation, index, back in sequence:
            if operation == "revise":
                revision = TextRevision(
                    based_on=model.version, paragraphs=[f"Text {model.version + 1}."]
                )
                if model.adopted:
                    with pytest.raises(Conflict):
                        service.revise(db, actor=drafter, position_id=position.id, data=revision)
                    continue
                service.revise(db, actor=drafter, position_id=position.id, data=revision)
                model.version += 1
                continue
            delegate = actor(delegations[order[index]].delegate)
            version = max(1, model.version - back)
            text = "" if operation == "endorse" else "Concerns about paragraph 2."
            data = ResponseCreate(version_number=version, kind=ResponseKind(operation), text=text)
            if model.adopted or version != model.version:
                with pytest.raises(Conflict):
                    consensus.respond(db, actor=delegate, position_id=position.id, data=data)
                continue
            consensus.respond(db, actor=delegate, position_id=position.id, data=data)
            model.latest[index] = (operation, version)
            model.adopted = model.endorsed_current() == model.states

            board = consensus.board(db, position=position)
            assert board.endorsed_current == model.endorsed_current()
            assert board.consensus is model.adopted
            assert (position.status is PositionStatus.ADOPTED) is model.adopted
        if model.adopted:
            assert position.adopted_version == model.version
            endorsements = consensus.adopted_endorsements(db, position=position)
            assert len(endorsements) == model.states
            assert {e.version_number for e in endorsements} == {model.version}
        else:
            assert position.status is PositionStatus.DRAFTING
            board = consensus.board(db, position=position)
            counted = [r for r in board.rows if r.response and r.response.counts]
            assert all(r.response and r.response.version_number == model.version for r in counted)
            # Then every state endorses the current version: adopted on the very last one.
            for index, iso in enumerate(order):
                if model.latest.get(index) == ("endorse", model.version):
                    continue
                assert _status(position) is PositionStatus.DRAFTING
                consensus.respond(
                    db,
                    actor=actor(delegations[iso].delegate),
                    position_id=position.id,
                    data=ResponseCreate(version_number=model.version, kind=ResponseKind.ENDORSE),
                )
            assert _status(position) is PositionStatus.ADOPTED
            assert position.adopted_version == model.version
    finally:
        savepoint.rollback()
