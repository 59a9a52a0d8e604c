"""How an embargo stands as VINCE runs it: coordinators decide, participants answer.

Silence never blocks: a participant that has not answered is shown as "not answered" with
the time the proposal was put to it, and an organisation without any active user cannot
answer at all, so it is listed apart. An objection (a rejection with its reason) is shown to
the coordinators, who decide: activate anyway (saying why), revise the end time, or drop the
proposal. Every decision is kept (:class:`EmbargoDecision`) with its reason.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.policy import Reader
from aseancyber.cases import service, state
from aseancyber.cases.models import (
    Case,
    EmbargoDecision,
    EmbargoResponse,
    EmbargoState,
    Participant,
)
from aseancyber.cases.schemas import EmbargoAnswerRead, EmbargoDecisionRead, EmbargoRead
from aseancyber.errors import Invalid
from aseancyber.shaping import shaped

ASKING = frozenset({EmbargoState.PROPOSED, EmbargoState.REVISE})


@dataclass(frozen=True)
class Tally:
    """The answers to the embargo proposal (or revision) standing now."""

    accepted: list[Participant]
    objections: list[Participant]
    not_answered: list[Participant]  # could answer, has not
    cannot_answer: list[Participant]  # an organisation (or person) with no active user

    @property
    def unanimous(self) -> bool:
        """Every participant that can answer accepted (silence of the userless aside)."""
        return not self.objections and not self.not_answered


def answerable_ids(db: Session, participants: list[Participant]) -> set[str]:
    """The participants behind which at least one active user can answer."""
    organisations = {p.organisation_id for p in participants if p.user_id is None}
    people = {p.user_id for p in participants if p.user_id is not None}
    active_organisations = set(
        db.scalars(
            select(User.organisation_id)
            .where(User.organisation_id.in_(organisations), User.is_active.is_(True))
            .distinct()
        )
    )
    active_people = set(
        db.scalars(select(User.id).where(User.id.in_(people), User.is_active.is_(True)))
    )
    return {
        p.id
        for p in participants
        if (p.user_id is None and p.organisation_id in active_organisations)
        or (p.user_id is not None and p.user_id in active_people)
    }


def tally(db: Session, participants: list[Participant]) -> Tally:
    """Sort the participants by their answer to the standing proposal."""
    can_answer = answerable_ids(db, participants)
    accepted, objections, not_answered, cannot_answer = [], [], [], []
    for participant in participants:
        if participant.embargo_response is EmbargoResponse.ACCEPTED:
            accepted.append(participant)
        elif participant.embargo_response is EmbargoResponse.REJECTED:
            objections.append(participant)
        elif participant.id in can_answer:
            not_answered.append(participant)
        else:
            cannot_answer.append(participant)
    return Tally(accepted, objections, not_answered, cannot_answer)


def check_activation(case: Case, found: Tally, reason: str) -> None:
    """Activating over standing objections is a coordinator's decision that says why."""
    if case.embargo_state not in ASKING:
        return  # state.accept_embargo says what is wrong
    if found.objections and not reason.strip():
        objections = "; ".join(
            f"{p.name} ({p.embargo_reason or 'no reason given'})" for p in found.objections
        )
        raise Invalid(
            f"objected to by {objections}: to activate anyway, give the reason for your "
            "decision (or revise the end time, or drop the proposal)",
            "reason",
        )


def check_early_end(case: Case, *, reason: str, now: datetime) -> None:
    """Ending a running embargo before its end time is a decision that says why."""
    ends_at = case.embargo_ends_at
    if (
        case.embargo_state in state.EMBARGO_RUNNING
        and ends_at is not None
        and now < ends_at
        and not reason.strip()
    ):
        raise Invalid(
            f"the embargo runs until {ends_at:%Y-%m-%d %H:%M} UTC: say why it ends early",
            "reason",
        )


def record(
    db: Session,
    *,
    case: Case,
    action: str,
    reason: str,
    by_user_id: str | None,
    at: datetime,
    found: Tally | None = None,
    ends_at: datetime | None = None,
) -> EmbargoDecision:
    """Keep one embargo decision with the objections and silences standing at the time."""
    decision = EmbargoDecision(
        case_id=case.id,
        action=action,
        reason=reason.strip(),
        ends_at=ends_at,
        objections=len(found.objections) if found else 0,
        not_answered=len(found.not_answered) if found else 0,
        decided_by_id=by_user_id,
        decided_at=at,
    )
    db.add(decision)
    db.flush()
    return decision


def decisions_of(db: Session, *, case_id: str, limit: int = 50) -> list[EmbargoDecision]:
    """The case's embargo decisions, newest first."""
    return list(
        db.scalars(
            select(EmbargoDecision)
            .where(EmbargoDecision.case_id == case_id)
            .order_by(EmbargoDecision.decided_at.desc(), EmbargoDecision.id)
            .limit(limit)
        )
    )


def coordinator_actions(case: Case) -> tuple[str, ...]:
    """The embargo actions a coordinator may take in the case's state, in page order."""
    if case.closed_at is not None or case.is_public:
        return ("end",) if case.embargo_state in state.EMBARGO_RUNNING else ()
    return {
        EmbargoState.NONE: ("propose",),
        EmbargoState.PROPOSED: ("accept", "revise", "reject"),
        EmbargoState.ACTIVE: ("revise", "end"),
        EmbargoState.REVISE: ("accept", "reject", "end"),
        EmbargoState.EXITED: (),
    }[case.embargo_state]


def reader_actions(case: Case, seat: service.Seat) -> tuple[str, ...]:
    """The embargo actions the reader may take now: a coordinator's, and answering."""
    actions = coordinator_actions(case) if seat.coordinator and seat.can_write else ()
    if seat.can_write and case.embargo_state in ASKING:
        actions = (*actions, "answer")
    return actions


def read(db: Session, *, reader: Reader, case: Case) -> EmbargoRead:
    """The embargo of a visible case with every answer, silence and decision."""
    seat = service.seat_of(db, reader=reader, case=case)
    found = tally(db, service.participants_of(db, case_id=case.id))
    answered_by = {p.embargo_answered_by_id for p in found.objections} - {None}
    names = dict(
        db.execute(select(User.id, User.display_name).where(User.id.in_(answered_by)))
        .tuples()
        .all()
    )

    def answer(p: Participant) -> EmbargoAnswerRead:
        return EmbargoAnswerRead(
            participant_id=p.id,
            name=p.name,
            asked_at=p.embargo_asked_at,
            answered_at=p.embargo_answered_at,
            answered_by=names.get(p.embargo_answered_by_id or "", ""),
            reason=p.embargo_reason,
        )

    return EmbargoRead(
        state=case.embargo_state,
        ends_at=case.embargo_ends_at,
        proposed_ends_at=case.embargo_proposed_ends_at,
        accepted=len(found.accepted),
        objections=[answer(p) for p in found.objections],
        not_answered=[answer(p) for p in found.not_answered],
        cannot_answer=[answer(p) for p in found.cannot_answer],
        decisions=[
            shaped(
                EmbargoDecisionRead,
                d,
                decided_by=d.decided_by.display_name if d.decided_by else "",
            )
            for d in decisions_of(db, case_id=case.id)
        ],
        your_actions=list(reader_actions(case, seat)),
    )
