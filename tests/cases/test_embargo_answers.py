"""Coordinators decide an embargo (VINCE): silence never holds it, an objection is recorded
(who, when, why) and activating over it needs a reason; ending early is the coordinators'
decision with a reason; a participant's P or X alerts them (driven by the controllable clock)."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import OrganisationKind, User
from aseancyber.cases import embargo, participants, service, workflow
from aseancyber.cases.models import EmbargoResponse, EmbargoState, Participant, ParticipantRole
from aseancyber.cases.schemas import EmbargoAction, EmbargoAnswer, ParticipantAdd
from aseancyber.db import set_clock
from aseancyber.errors import Forbidden, Invalid
from aseancyber.notify.models import EmailPriority, Notification, NotificationKind, OutboundEmail
from tests.cases.conftest import Scenario, accept_embargo_everywhere
from tests.factories import actor, make_org

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


def _ticking_clock() -> None:
    # Each reading is a second later, so decisions taken in one test keep their order.
    seconds = itertools.count()
    set_clock(lambda: NOW + timedelta(seconds=next(seconds)))


def _state(scenario: Scenario) -> EmbargoState:
    # Read through a call, so mypy does not narrow the state between two actions.
    return scenario.case.embargo_state


def test_an_objection_is_recorded_and_the_coordinators_decide(
    db: Session, scenario: Scenario
) -> None:
    clock = [NOW]
    set_clock(lambda: clock[0])
    sg = actor(scenario.sg)
    ends = NOW + timedelta(days=14)
    workflow.embargo(
        db, actor=sg, case_id=scenario.case.id, data=EmbargoAction(action="propose", ends_at=ends)
    )
    # The proposer accepted its own proposal; the others were asked now.
    assert _seat_of(db, scenario, scenario.sg).embargo_response is EmbargoResponse.ACCEPTED
    co = _seat_of(db, scenario, scenario.my)
    assert co.embargo_response is EmbargoResponse.PENDING
    assert co.embargo_asked_at == NOW

    with pytest.raises(Invalid, match="say why the embargo is rejected"):
        _answer(db, scenario, 0, "rejected")
    clock[0] = NOW + timedelta(hours=1)
    _answer(db, scenario, 0, "rejected", "we need 30 days to ship firmware")
    seat = scenario.vendor_seats[0]
    assert seat.embargo_response is EmbargoResponse.REJECTED
    assert seat.embargo_reason == "we need 30 days to ship firmware"
    assert seat.embargo_answered_at == NOW + timedelta(hours=1)
    assert seat.embargo_answered_by_id == scenario.vendor_users[0].id
    told = db.scalars(
        select(Notification.body).where(
            Notification.user_id == scenario.my.id,
            Notification.title.contains("rejected the embargo"),
        )
    ).all()
    assert any("we need 30 days" in body for body in told)

    # Activating over an objection is a decision that says why.
    with pytest.raises(Invalid) as refused:
        workflow.embargo(
            db, actor=sg, case_id=scenario.case.id, data=EmbargoAction(action="accept")
        )
    text = str(refused.value)
    assert "Case Vendor 0 (we need 30 days to ship firmware)" in text
    assert "give the reason" in text
    assert _state(scenario) is EmbargoState.PROPOSED

    clock[0] = NOW + timedelta(hours=2)
    workflow.embargo(
        db,
        actor=sg,
        case_id=scenario.case.id,
        data=EmbargoAction(action="accept", reason="the grid operators patch within 14 days"),
    )
    assert _state(scenario) is EmbargoState.ACTIVE
    assert scenario.case.embargo_ends_at == ends
    decision = embargo.decisions_of(db, case_id=scenario.case.id)[0]
    assert (decision.action, decision.objections) == ("accept", 1)
    assert decision.not_answered == 4  # MyCERT, two vendors and the operator were silent
    assert decision.reason == "the grid operators patch within 14 days"
    assert decision.decided_by_id == scenario.sg.id
    activated = db.scalars(
        select(Notification.body).where(
            Notification.user_id == scenario.vendor_users[0].id,
            Notification.title.contains("Embargo active"),
        )
    ).all()
    assert any("the grid operators patch within 14 days" in body for body in activated)


def test_silence_never_holds_an_embargo(db: Session, scenario: Scenario) -> None:
    _ticking_clock()
    sg = actor(scenario.sg)
    workflow.embargo(
        db,
        actor=sg,
        case_id=scenario.case.id,
        data=EmbargoAction(action="propose", ends_at=NOW + timedelta(days=45)),
    )
    found = embargo.tally(db, service.participants_of(db, case_id=scenario.case.id))
    assert {p.name for p in found.not_answered} == {
        "Case MyCERT",
        "Case Vendor 0",
        "Case Vendor 1",
        "Case Vendor 2",
        "Case Grid Operator",
    }
    workflow.embargo(db, actor=sg, case_id=scenario.case.id, data=EmbargoAction(action="accept"))
    assert _state(scenario) is EmbargoState.ACTIVE
    assert embargo.decisions_of(db, case_id=scenario.case.id)[0].not_answered == 5


def test_an_organisation_without_users_never_blocks(db: Session, scenario: Scenario) -> None:
    _ticking_clock()
    nobody = make_org(db, kind=OrganisationKind.VENDOR, name="Case Vendor Without Users")
    participants.add(
        db,
        actor=actor(scenario.sg),
        case_id=scenario.case.id,
        data=ParticipantAdd(role=ParticipantRole.VENDOR, organisation_id=nobody.id),
    )
    workflow.embargo(
        db,
        actor=actor(scenario.sg),
        case_id=scenario.case.id,
        data=EmbargoAction(action="propose", ends_at=NOW + timedelta(days=30)),
    )
    found = embargo.tally(db, service.participants_of(db, case_id=scenario.case.id))
    assert [p.name for p in found.cannot_answer] == ["Case Vendor Without Users"]
    accept_embargo_everywhere(db, scenario)  # everyone with a user accepts
    assert _state(scenario) is EmbargoState.ACTIVE


def test_ending_early_is_a_coordinators_decision_with_a_reason(
    db: Session, scenario: Scenario
) -> None:
    _ticking_clock()
    sg = actor(scenario.sg)
    workflow.embargo(
        db,
        actor=sg,
        case_id=scenario.case.id,
        data=EmbargoAction(action="propose", ends_at=NOW + timedelta(days=30)),
    )
    workflow.embargo(db, actor=sg, case_id=scenario.case.id, data=EmbargoAction(action="accept"))
    with pytest.raises(Forbidden, match="only the case's coordinators"):
        workflow.embargo(
            db,
            actor=actor(scenario.vendor_users[0]),
            case_id=scenario.case.id,
            data=EmbargoAction(action="end", reason="we shipped"),
        )
    with pytest.raises(Invalid, match="say why it ends early"):
        workflow.embargo(db, actor=sg, case_id=scenario.case.id, data=EmbargoAction(action="end"))
    assert _state(scenario) is EmbargoState.ACTIVE
    workflow.embargo(
        db,
        actor=sg,
        case_id=scenario.case.id,
        data=EmbargoAction(action="end", reason="every vendor shipped the fix"),
    )
    assert _state(scenario) is EmbargoState.EXITED
    decision = embargo.decisions_of(db, case_id=scenario.case.id)[0]
    assert (decision.action, decision.reason) == ("end", "every vendor shipped the fix")


def test_a_participants_public_event_alerts_the_coordinators_urgently(
    db: Session, scenario: Scenario
) -> None:
    _ticking_clock()
    sg = actor(scenario.sg)
    workflow.embargo(
        db,
        actor=sg,
        case_id=scenario.case.id,
        data=EmbargoAction(action="propose", ends_at=NOW + timedelta(days=30)),
    )
    workflow.embargo(db, actor=sg, case_id=scenario.case.id, data=EmbargoAction(action="accept"))
    workflow.record_world_event(
        db, actor=actor(scenario.vendor_users[1]), case_id=scenario.case.id, event="X"
    )
    assert scenario.case.exploit_by_id == scenario.vendor_users[1].id
    assert _state(scenario) is EmbargoState.EXITED  # Vultron: X ends the embargo
    for coordinator in (scenario.sg, scenario.my):
        alert = db.scalars(
            select(Notification).where(
                Notification.user_id == coordinator.id,
                Notification.kind == NotificationKind.CASE_PUBLICITY,
            )
        ).one()
        assert "Exploit public (X) recorded by Case Vendor 1" in alert.title
        mail = db.scalars(
            select(OutboundEmail).where(
                OutboundEmail.to_address == coordinator.email,
                OutboundEmail.subject == alert.title,
            )
        ).one()
        assert mail.priority == EmailPriority.URGENT
    vendor_alerts = db.scalars(
        select(Notification).where(
            Notification.user_id == scenario.vendor_users[0].id,
            Notification.kind == NotificationKind.CASE_PUBLICITY,
        )
    ).all()
    assert vendor_alerts == []  # the coordinators' alert; others get the case update
    decision = embargo.decisions_of(db, case_id=scenario.case.id)[0]
    assert decision.action == "end"
    assert "exploit public (X) recorded by Case Vendor 1" in decision.reason


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
