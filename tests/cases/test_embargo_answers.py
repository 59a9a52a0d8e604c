"""An embargo becomes active only when every participant accepted it; a rejection is
recorded with its reason and holds it (driven by the controllable clock)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.cases import workflow
from aseancyber.cases.models import EmbargoResponse, EmbargoState, Participant
from aseancyber.cases.schemas import EmbargoAction, EmbargoAnswer
from aseancyber.community.models import User
from aseancyber.db import set_clock
from aseancyber.errors import Invalid
from aseancyber.notify.models import Notification
from tests.cases.conftest import Scenario, accept_embargo_everywhere
from tests.factories import actor

NOW = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)


def _answer(db: Session, scenario: Scenario, n: int, response: str, reason: str = "") -> None:
    workflow.answer_embargo(
        db,
        actor=actor(scenario.vendor_users[n]),
        case_id=scenario.case.id,
        participant_id=scenario.vendor_seats[n].id,
        data=EmbargoAnswer.model_validate({"response": response, "reason": reason}),
    )


def _seat_of(db: Session, scenario: Scenario, user: User) -> Participant:
    return db.scalars(
        select(Participant).where(
            Participant.case_id == scenario.case.id,
            Participant.organisation_id == user.organisation_id,
        )
    ).one()


def _state(scenario: Scenario) -> EmbargoState:
    # Read through a call, so mypy does not narrow the state between two actions.
    return scenario.case.embargo_state


def test_rejection_holds_the_embargo_until_everyone_accepts(
    db: Session, scenario: Scenario
) -> None:
    clock = [NOW]
    set_clock(lambda: clock[0])
    sg = actor(scenario.sg)
    ends = NOW + timedelta(days=14)
    workflow.embargo(
        db, actor=sg, case_id=scenario.case.id, data=EmbargoAction(action="propose", ends_at=ends)
    )
    # The proposer accepted its own proposal; the co-coordinator has not answered yet.
    assert _seat_of(db, scenario, scenario.sg).embargo_response is EmbargoResponse.ACCEPTED
    assert _seat_of(db, scenario, scenario.my).embargo_response is EmbargoResponse.PENDING

    with pytest.raises(Invalid, match="say why the embargo is rejected"):
        _answer(db, scenario, 0, "rejected")
    clock[0] = NOW + timedelta(hours=1)
    _answer(db, scenario, 0, "rejected", "we need 30 days to ship firmware")
    seat = scenario.vendor_seats[0]
    assert seat.embargo_response is EmbargoResponse.REJECTED
    assert seat.embargo_reason == "we need 30 days to ship firmware"
    assert seat.embargo_answered_at == NOW + timedelta(hours=1)
    told = db.scalars(
        select(Notification.body).where(
            Notification.user_id == scenario.my.id,
            Notification.title.contains("rejected the embargo"),
        )
    ).all()
    assert any("we need 30 days" in body for body in told)

    with pytest.raises(Invalid) as refused:
        workflow.embargo(
            db, actor=sg, case_id=scenario.case.id, data=EmbargoAction(action="accept")
        )
    text = str(refused.value)
    assert "every participant accepted" in text
    assert "Case Vendor 0 (we need 30 days to ship firmware)" in text
    assert "no answer yet from" in text
    assert "Case MyCERT" in text
    assert _state(scenario) is EmbargoState.PROPOSED

    clock[0] = NOW + timedelta(hours=2)
    _answer(db, scenario, 0, "accepted")
    assert scenario.vendor_seats[0].embargo_reason == ""
    assert _state(scenario) is EmbargoState.PROPOSED  # others still pending
    accept_embargo_everywhere(db, scenario)
    assert _state(scenario) is EmbargoState.ACTIVE
    assert scenario.case.embargo_ends_at == ends


def test_a_revision_needs_everyones_acceptance_again(db: Session, scenario: Scenario) -> None:
    clock = [NOW]
    set_clock(lambda: clock[0])
    sg = actor(scenario.sg)
    first_end = NOW + timedelta(days=7)
    workflow.embargo(
        db,
        actor=sg,
        case_id=scenario.case.id,
        data=EmbargoAction(action="propose", ends_at=first_end),
    )
    accept_embargo_everywhere(db, scenario)
    assert _state(scenario) is EmbargoState.ACTIVE
    clock[0] = NOW + timedelta(days=1)
    later = NOW + timedelta(days=21)
    workflow.embargo(
        db,
        actor=actor(scenario.my),
        case_id=scenario.case.id,
        data=EmbargoAction(action="revise", ends_at=later),
    )
    assert _state(scenario) is EmbargoState.REVISE
    assert scenario.vendor_seats[1].embargo_response is EmbargoResponse.PENDING
    _answer(db, scenario, 1, "accepted")
    # Still bound by the accepted end time until everyone accepts the revision.
    assert _state(scenario) is EmbargoState.REVISE
    assert scenario.case.embargo_ends_at == first_end
    accept_embargo_everywhere(db, scenario)
    assert _state(scenario) is EmbargoState.ACTIVE
    assert scenario.case.embargo_ends_at == later


def test_acceptances_after_the_proposed_end_do_not_activate(
    db: Session, scenario: Scenario
) -> None:
    clock = [NOW]
    set_clock(lambda: clock[0])
    workflow.embargo(
        db,
        actor=actor(scenario.sg),
        case_id=scenario.case.id,
        data=EmbargoAction(action="propose", ends_at=NOW + timedelta(days=1)),
    )
    clock[0] = NOW + timedelta(days=2)
    accept_embargo_everywhere(db, scenario)
    assert _state(scenario) is EmbargoState.PROPOSED
    with pytest.raises(Invalid, match="already passed"):
        workflow.embargo(
            db,
            actor=actor(scenario.sg),
            case_id=scenario.case.id,
            data=EmbargoAction(action="accept"),
        )
