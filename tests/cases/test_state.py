"""The Vultron state machine: unit rules, and random action sequences (hypothesis) that
never reach an impossible state."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aseancyber.access.models import Organisation, OrganisationKind
from aseancyber.cases import state
from aseancyber.cases.models import Case, EmbargoState, Participant, ParticipantRole, ReportState
from aseancyber.errors import Invalid

START = datetime(2026, 1, 1, tzinfo=UTC)


def _case() -> Case:
    return Case(title="t", embargo_state=EmbargoState.NONE)


def _participant(role: ParticipantRole, n: int = 0) -> Participant:
    organisation = Organisation(name=f"Org {n}", short_name=f"O{n}", kind=OrganisationKind.VENDOR)
    return Participant(
        id=f"p{n}", role=role, report_state=ReportState.RECEIVED, organisation=organisation
    )


def test_fix_ready_before_vendor_aware_is_refused_with_the_reason() -> None:
    vendor = _participant(ParticipantRole.VENDOR)
    with pytest.raises(Invalid, match=r"fix ready \(F\) cannot come before vendor aware \(V\)"):
        state.record_vendor_event(vendor, "F", by_user_id=None, at=START)
    state.record_vendor_event(vendor, "V", by_user_id=None, at=START)
    state.record_vendor_event(vendor, "F", by_user_id=None, at=START + timedelta(days=1))
    with pytest.raises(Invalid, match="already recorded"):
        state.record_vendor_event(vendor, "V", by_user_id=None, at=START)


def test_vendor_events_are_for_vendors_only() -> None:
    with pytest.raises(Invalid, match="tracked per vendor"):
        state.record_vendor_event(
            _participant(ParticipantRole.DEPLOYER), "V", by_user_id=None, at=START
        )


def test_ending_an_embargo_that_was_never_active_is_refused() -> None:
    case = _case()
    with pytest.raises(Invalid, match="never active"):
        state.end_embargo(case)
    state.propose_embargo(case, ends_at=START + timedelta(days=9), now=START)
    with pytest.raises(Invalid, match="never active"):
        state.end_embargo(case)


def test_public_or_exploit_ends_the_embargo_and_none_can_start_after() -> None:
    case = _case()
    state.propose_embargo(case, ends_at=START + timedelta(days=9), now=START)
    state.accept_embargo(case, now=START)
    assert state.record_world_event(case, "X", by_user_id=None, at=START) is True
    assert case.embargo_state is EmbargoState.EXITED
    with pytest.raises(Invalid, match="exploit became public"):
        state.propose_embargo(case, ends_at=START + timedelta(days=9), now=START)


def test_attacks_alone_do_not_end_the_embargo() -> None:
    case = _case()
    state.propose_embargo(case, ends_at=START + timedelta(days=9), now=START)
    state.accept_embargo(case, now=START)
    assert state.record_world_event(case, "A", by_user_id=None, at=START) is False
    assert case.embargo_state is EmbargoState.ACTIVE


def test_an_embargo_end_must_be_in_the_future_and_expires() -> None:
    case = _case()
    with pytest.raises(Invalid, match="must be in the future"):
        state.propose_embargo(case, ends_at=START, now=START)
    state.propose_embargo(case, ends_at=START + timedelta(hours=1), now=START)
    state.accept_embargo(case, now=START)
    assert state.expire_embargo(case, now=START + timedelta(minutes=59)) is False
    assert state.expire_embargo(case, now=START + timedelta(hours=1)) is True
    assert case.embargo_state is EmbargoState.EXITED


def test_report_states_follow_vultron() -> None:
    participant = _participant(ParticipantRole.VENDOR)
    with pytest.raises(Invalid, match="can move to invalid, valid"):
        state.change_report_state(participant, ReportState.ACCEPTED)
    for step in (ReportState.VALID, ReportState.ACCEPTED, ReportState.CLOSED):
        state.change_report_state(participant, step)
    with pytest.raises(Invalid, match="final"):
        state.change_report_state(participant, ReportState.VALID)


ACTIONS = st.one_of(
    st.tuples(st.just("vendor"), st.integers(0, 2), st.sampled_from(["V", "F", "D"])),
    st.tuples(st.just("world"), st.just(0), st.sampled_from(["P", "X", "A"])),
    st.tuples(
        st.just("embargo"),
        st.integers(-2, 40),  # days from now for the end time (some in the past)
        st.sampled_from(["propose", "accept", "reject", "revise", "end", "expire"]),
    ),
    st.tuples(st.just("report"), st.integers(0, 3), st.sampled_from(list(ReportState))),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(ACTIONS, max_size=40), st.lists(st.integers(1, 72), min_size=40, max_size=40))
def test_no_action_sequence_reaches_an_impossible_state(
    actions: list[tuple[str, int, object]], gaps: list[int]
) -> None:
    case = _case()
    people = [_participant(ParticipantRole.VENDOR, n) for n in range(3)]
    people.append(_participant(ParticipantRole.DEPLOYER, 3))
    now = START
    reasons: list[str] = []
    for (kind, number, what), gap in zip(actions, gaps, strict=False):
        now += timedelta(hours=gap)
        before = (case.public_at, case.exploit_at, case.attacks_at)
        try:
            if kind == "vendor":
                state.record_vendor_event(people[number], str(what), by_user_id=None, at=now)
            elif kind == "world":
                state.record_world_event(case, str(what), by_user_id=None, at=now)
            elif kind == "report":
                assert isinstance(what, ReportState)
                state.change_report_state(people[number], what)
            else:
                ends_at = now + timedelta(days=number)
                if what == "propose":
                    state.propose_embargo(case, ends_at=ends_at, now=now)
                elif what == "revise":
                    state.revise_embargo(case, ends_at=ends_at, now=now)
                elif what == "accept":
                    state.accept_embargo(case, now=now)
                elif what == "reject":
                    state.reject_embargo(case)
                elif what == "end":
                    state.end_embargo(case)
                else:
                    state.expire_embargo(case, now=now)
        except Invalid as refusal:
            reasons.append(str(refusal))
        assert state.impossible_states(case, people) == []
        # One way: an uppercase letter never turns lowercase again.
        after = (case.public_at, case.exploit_at, case.attacks_at)
        assert all(a is None or b == a for a, b in zip(before, after, strict=True))
    assert all(reasons)  # every refusal says why
