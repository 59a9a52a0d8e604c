"""The Vultron state machine: one-way case-state events, the embargo (EM) and report (RM) states.

Pure rules on loaded records, without the database, so property tests can drive them with
random action sequences. Each refusal says why, naming the rule that was broken.
"""

from datetime import datetime

from aseancyber.cases.models import (
    Case,
    EmbargoState,
    Involvement,
    Participant,
    ParticipantRole,
    ReportState,
)
from aseancyber.errors import Invalid

VENDOR_EVENTS = ("V", "F", "D")
WORLD_EVENTS = ("P", "X", "A")
EVENT_NAMES = {
    "V": "vendor aware (V)",
    "F": "fix ready (F)",
    "D": "fix deployed (D)",
    "P": "public aware (P)",
    "X": "exploit public (X)",
    "A": "attacks observed (A)",
}
_VENDOR_COLUMNS = {
    "V": ("vendor_aware_at", "vendor_aware_by_id"),
    "F": ("fix_ready_at", "fix_ready_by_id"),
    "D": ("fix_deployed_at", "fix_deployed_by_id"),
}
_WORLD_COLUMNS = {
    "P": ("public_at", "public_by_id"),
    "X": ("exploit_at", "exploit_by_id"),
    "A": ("attacks_at", "attacks_by_id"),
}
_NEEDS = {"F": "V", "D": "F"}

# Vultron RM: which report states may follow which (Closed is final).
REPORT_TRANSITIONS: dict[ReportState, frozenset[ReportState]] = {
    ReportState.RECEIVED: frozenset({ReportState.VALID, ReportState.INVALID}),
    ReportState.INVALID: frozenset({ReportState.VALID, ReportState.CLOSED}),
    ReportState.VALID: frozenset({ReportState.ACCEPTED, ReportState.DEFERRED}),
    ReportState.ACCEPTED: frozenset({ReportState.DEFERRED, ReportState.CLOSED}),
    ReportState.DEFERRED: frozenset({ReportState.ACCEPTED, ReportState.CLOSED}),
    ReportState.CLOSED: frozenset(),
}

EMBARGO_RUNNING = frozenset({EmbargoState.ACTIVE, EmbargoState.REVISE})
EMBARGO_OPEN = EMBARGO_RUNNING | {EmbargoState.PROPOSED}


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def record_vendor_event(
    participant: Participant, event: str, *, by_user_id: str | None, at: datetime
) -> None:
    """Record V, F or D for a vendor, once, in order (F needs V, D needs F)."""
    if event not in _VENDOR_COLUMNS:
        raise Invalid("must be V, F or D (P, X and A are recorded for the whole case)", "event")
    if participant.role is not ParticipantRole.VENDOR:
        raise Invalid(
            f"{EVENT_NAMES[event]} is tracked per vendor, and {participant.name} takes part "
            f"as {participant.role.label.lower()}",
            "event",
        )
    at_column, by_column = _VENDOR_COLUMNS[event]
    already = getattr(participant, at_column)
    if already is not None:
        raise Invalid(
            f"{EVENT_NAMES[event]} was already recorded for {participant.name} at "
            f"{_stamp(already)}; case-state events happen once and are never undone",
            "event",
        )
    needed = _NEEDS.get(event)
    if needed is not None and getattr(participant, _VENDOR_COLUMNS[needed][0]) is None:
        raise Invalid(
            f"{EVENT_NAMES[event]} cannot come before {EVENT_NAMES[needed]}: record "
            f"{needed} for {participant.name} first",
            "event",
        )
    setattr(participant, at_column, at)
    setattr(participant, by_column, by_user_id)


def record_world_event(case: Case, event: str, *, by_user_id: str | None, at: datetime) -> bool:
    """Record P, X or A once; P and X end the embargo. Returns whether the embargo ended."""
    if event not in _WORLD_COLUMNS:
        raise Invalid("must be P, X or A (V, F and D are recorded per vendor)", "event")
    at_column, by_column = _WORLD_COLUMNS[event]
    already = getattr(case, at_column)
    if already is not None:
        raise Invalid(
            f"{EVENT_NAMES[event]} was already recorded at {_stamp(already)}; case-state "
            "events happen once and are never undone",
            "event",
        )
    setattr(case, at_column, at)
    setattr(case, by_column, by_user_id)
    if event in {"P", "X"}:
        return _end_on_publicity(case)
    return False


def _end_on_publicity(case: Case) -> bool:
    # An embargo must end when the vulnerability or an exploit is public: a running one
    # exits, and a mere proposal is dropped.
    if case.embargo_state in EMBARGO_RUNNING:
        case.embargo_state = EmbargoState.EXITED
        case.embargo_proposed_ends_at = None
        return True
    if case.embargo_state is EmbargoState.PROPOSED:
        case.embargo_state = EmbargoState.NONE
        case.embargo_proposed_ends_at = None
        return True
    return False


def _check_end_time(ends_at: datetime, now: datetime) -> None:
    if ends_at.tzinfo is None:
        raise Invalid("needs a time zone (send UTC, e.g. 2026-12-01T09:00:00Z)", "ends_at")
    if ends_at <= now:
        raise Invalid(f"must be in the future (it is now {_stamp(now)})", "ends_at")


def _check_not_public(case: Case) -> None:
    if case.public_at is not None:
        raise Invalid(
            f"the case became public (P) at {_stamp(case.public_at)}: there is nothing left "
            "to embargo",
            "embargo",
        )
    if case.exploit_at is not None:
        raise Invalid(
            f"an exploit became public (X) at {_stamp(case.exploit_at)}: there is nothing "
            "left to embargo",
            "embargo",
        )


def propose_embargo(case: Case, *, ends_at: datetime, now: datetime) -> None:
    """None -> Proposed, with the proposed end time."""
    _check_not_public(case)
    if case.embargo_state is not EmbargoState.NONE:
        hint = {
            EmbargoState.PROPOSED: "an embargo is already proposed; accept or reject it first",
            EmbargoState.ACTIVE: "an embargo is already active; propose a revision instead",
            EmbargoState.REVISE: "a revision is already proposed; accept or reject it first",
            EmbargoState.EXITED: "the embargo has ended and cannot be started again",
        }[case.embargo_state]
        raise Invalid(hint, "embargo")
    _check_end_time(ends_at, now)
    case.embargo_state = EmbargoState.PROPOSED
    case.embargo_proposed_ends_at = ends_at


def accept_embargo(case: Case, *, now: datetime) -> None:
    """Proposed -> Active, or Revise -> Active with the revised end time."""
    if case.embargo_state not in {EmbargoState.PROPOSED, EmbargoState.REVISE}:
        raise Invalid("there is no embargo proposal or revision to accept", "embargo")
    assert case.embargo_proposed_ends_at is not None
    if case.embargo_proposed_ends_at <= now:
        raise Invalid("the proposed end time has already passed; propose a new time", "embargo")
    case.embargo_state = EmbargoState.ACTIVE
    case.embargo_ends_at = case.embargo_proposed_ends_at
    case.embargo_proposed_ends_at = None
    case.embargo_reminded_at = None


def reject_embargo(case: Case) -> None:
    """Proposed -> None; Revise -> Active with the end time unchanged."""
    if case.embargo_state is EmbargoState.PROPOSED:
        case.embargo_state = EmbargoState.NONE
    elif case.embargo_state is EmbargoState.REVISE:
        case.embargo_state = EmbargoState.ACTIVE
    else:
        raise Invalid("there is no embargo proposal or revision to reject", "embargo")
    case.embargo_proposed_ends_at = None


def revise_embargo(case: Case, *, ends_at: datetime, now: datetime) -> None:
    """Active -> Revise, proposing a new end time; or a new end time for a proposal that
    met objections (it stays Proposed and everyone is asked again)."""
    if case.embargo_state is EmbargoState.PROPOSED:
        _check_end_time(ends_at, now)
        case.embargo_proposed_ends_at = ends_at
        return
    if case.embargo_state is not EmbargoState.ACTIVE:
        raise Invalid(
            "only an active or proposed embargo can be revised"
            + (
                " (a revision is already proposed)"
                if case.embargo_state is EmbargoState.REVISE
                else ""
            ),
            "embargo",
        )
    _check_end_time(ends_at, now)
    case.embargo_state = EmbargoState.REVISE
    case.embargo_proposed_ends_at = ends_at


def end_embargo(case: Case) -> None:
    """Active or Revise -> eXited."""
    if case.embargo_state in {EmbargoState.NONE, EmbargoState.PROPOSED}:
        raise Invalid("the embargo was never active, so it cannot end", "embargo")
    if case.embargo_state is EmbargoState.EXITED:
        raise Invalid("the embargo has already ended", "embargo")
    case.embargo_state = EmbargoState.EXITED
    case.embargo_proposed_ends_at = None


def expire_embargo(case: Case, *, now: datetime) -> bool:
    """End a running embargo whose end time has passed; returns whether it ended."""
    ends_at = case.embargo_ends_at
    if case.embargo_state in EMBARGO_RUNNING and ends_at is not None and ends_at <= now:
        end_embargo(case)
        return True
    return False


def change_report_state(participant: Participant, new: ReportState) -> None:
    """Move a participant's report state along Vultron's RM transitions."""
    current = participant.report_state
    if new == current:
        return
    allowed = REPORT_TRANSITIONS[current]
    if new not in allowed:
        nexts = ", ".join(sorted(s.value for s in allowed)) or "nothing (it is final)"
        raise Invalid(
            f"a report in state {current.value} can move to {nexts}, not to {new.value}",
            "report_state",
        )
    participant.report_state = new


_INVOLVEMENT_PROGRESS = (
    Involvement.NOT_CONTACTED,
    Involvement.CONTACT_ATTEMPTED,
    Involvement.OPEN,
    Involvement.IN_PROGRESS,
    Involvement.COMPLETED,
)


def involvement_of(participant: Participant) -> Involvement:
    """The involvement the recorded events show (CSAF 2.0 section 3.2.3.5.2).

    What a party recorded speaks for it: a vendor that recorded V is working on it
    (in_progress), one that recorded F or D has done its part (completed); a participant
    that accepted the report is in progress, one that called it invalid disputes it. The
    stored status counts when it is further along, or when it is "disputed".
    """
    stored = participant.involvement
    if stored is Involvement.DISPUTED:
        return stored
    derived = stored
    if participant.report_state is ReportState.INVALID:
        return Involvement.DISPUTED
    if participant.fix_ready_at is not None or participant.fix_deployed_at is not None:
        derived = Involvement.COMPLETED
    elif participant.vendor_aware_at is not None or participant.report_state in {
        ReportState.VALID,
        ReportState.ACCEPTED,
    }:
        derived = Involvement.IN_PROGRESS
    elif participant.embargo_answered_at is not None:
        derived = Involvement.OPEN  # it answered: contact was made
    return max(stored, derived, key=_INVOLVEMENT_PROGRESS.index)


def impossible_states(case: Case, participants: list[Participant]) -> list[str]:
    """Every way the case breaks the model (an empty list for every reachable state)."""
    problems = []
    if case.is_public and case.embargo_state in EMBARGO_OPEN:
        problems.append(f"embargo {case.embargo_state.value} after P or X")
    if case.embargo_state in EMBARGO_RUNNING and case.embargo_ends_at is None:
        problems.append("running embargo without an end time")
    for participant in participants:
        events = participant.vendor_events()
        if participant.role is not ParticipantRole.VENDOR and any(events.values()):
            problems.append(f"{participant.id}: V/F/D on a non-vendor")
        for later, earlier in _NEEDS.items():
            at_later, at_earlier = events[later], events[earlier]
            if at_later is not None and (at_earlier is None or at_earlier > at_later):
                problems.append(f"{participant.id}: {later} without {earlier} before it")
    return problems
