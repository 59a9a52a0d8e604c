"""The Vultron workflow of a case: world events (P/X/A), vendor events (V/F/D), the
embargo and its end, closing, and the job that ends embargoes and sends reminders.

The rules themselves are in :mod:`aseancyber.cases.state`; this module checks who may act
(through :func:`service.seat_of`), applies them and tells the right people.
"""

from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor
from aseancyber.cases import state
from aseancyber.cases.models import Case, EmbargoResponse, EmbargoState, Participant
from aseancyber.cases.schemas import EmbargoAction, EmbargoAnswer
from aseancyber.cases.service import (
    coordinators,
    get_or_404,
    get_participant_or_404,
    participants_of,
    require_coordinator,
    require_participant,
    seat_of,
    tell,
)
from aseancyber.db import utcnow
from aseancyber.errors import Forbidden, Invalid
from aseancyber.notify.models import NotificationKind


def record_world_event(db: Session, *, actor: Actor, case_id: str, event: str) -> Case:
    """Record P, X or A; P and X end the embargo, A prompts the coordinators to end it."""
    case = get_or_404(db, reader=actor, case_id=case_id)
    require_participant(seat_of(db, reader=actor, case=case), "record case-state events")
    now = utcnow()
    ended = state.record_world_event(case, event, by_user_id=actor.user_id, at=now)
    db.flush()
    everyone = participants_of(db, case_id=case.id)
    name = state.EVENT_NAMES[event]
    tell(
        db,
        case=case,
        participants=everyone,
        kind=NotificationKind.CASE_UPDATE,
        title=f"{name[0].upper()}{name[1:]} recorded"
        + (" - the embargo has ended" if ended else ""),
        body=f"{actor.display_name or 'A participant'} recorded {name}.",
    )
    if event == "A" and case.embargo_state in state.EMBARGO_RUNNING:
        tell(
            db,
            case=case,
            participants=coordinators(everyone),
            kind=NotificationKind.CASE_EMBARGO,
            title="Attacks observed: end the embargo?",
            body="Attacks are observed in the wild. Vultron advises ending the embargo; "
            "open the case to end it now.",
        )
    return case


def record_vendor_event(
    db: Session, *, actor: Actor, case_id: str, participant_id: str, event: str
) -> Participant:
    """Record V, F or D for a vendor: by the case's coordinators or by that vendor only."""
    case = get_or_404(db, reader=actor, case_id=case_id)
    seat = seat_of(db, reader=actor, case=case)
    participant = get_participant_or_404(db, case=case, participant_id=participant_id)
    require_participant(seat, "record case-state events")
    if not seat.coordinator and not seat.owns(participant):
        raise Forbidden(
            f"a vendor records only its own status; {participant.name}'s is recorded by "
            "itself or by the coordinators"
        )
    state.record_vendor_event(participant, event, by_user_id=actor.user_id, at=utcnow())
    db.flush()
    tell(
        db,
        case=case,
        participants=coordinators(participants_of(db, case_id=case.id)),
        kind=NotificationKind.CASE_UPDATE,
        title=f"{participant.name}: {state.EVENT_NAMES[event]}",
    )
    return participant


def embargo(db: Session, *, actor: Actor, case_id: str, data: EmbargoAction) -> Case:
    """Propose, accept, reject, revise or end the case's embargo (coordinators only)."""
    case = get_or_404(db, reader=actor, case_id=case_id)
    require_coordinator(seat_of(db, reader=actor, case=case), "change the embargo")
    now = utcnow()
    if data.action in {"propose", "revise"}:
        if data.ends_at is None:
            raise Invalid("is needed to propose an embargo end time", "ends_at")
        ends_at = data.ends_at
        if data.action == "propose":
            state.propose_embargo(case, ends_at=ends_at, now=now)
        else:
            state.revise_embargo(case, ends_at=ends_at, now=now)
        proposer = seat_of(db, reader=actor, case=case).participant_ids
        for participant in participants_of(db, case_id=case.id):
            # The proposing coordinator accepts its own proposal; everyone else answers.
            mine = participant.id in proposer
            participant.embargo_response = (
                EmbargoResponse.ACCEPTED if mine else EmbargoResponse.PENDING
            )
            participant.embargo_answered_at = now if mine else None
            participant.embargo_reason = ""
        title = f"Embargo {'proposed' if data.action == 'propose' else 'revision proposed'}"
        body = f"Proposed end: {ends_at.astimezone(now.tzinfo):%Y-%m-%d %H:%M} UTC."
    elif data.action == "accept":
        if case.embargo_state in {EmbargoState.PROPOSED, EmbargoState.REVISE}:
            _require_everyone_accepted(participants_of(db, case_id=case.id))
        state.accept_embargo(case, now=now)
        title, body = "Embargo active", f"Ends {case.embargo_ends_at:%Y-%m-%d %H:%M} UTC."
    elif data.action == "reject":
        state.reject_embargo(case)
        title, body = "Embargo proposal rejected", ""
    else:
        state.end_embargo(case)
        title, body = "Embargo ended", ""
    db.flush()
    tell(
        db,
        case=case,
        participants=participants_of(db, case_id=case.id),
        kind=NotificationKind.CASE_EMBARGO,
        title=title,
        body=body + " Times are shown in your own time zone on the case page.",
    )
    return case


def answer_embargo(
    db: Session, *, actor: Actor, case_id: str, participant_id: str, data: EmbargoAnswer
) -> Participant:
    """A participant accepts or rejects the proposed embargo (or revision) for itself."""
    case = get_or_404(db, reader=actor, case_id=case_id)
    seat = seat_of(db, reader=actor, case=case)
    participant = get_participant_or_404(db, case=case, participant_id=participant_id)
    require_participant(seat, "answer an embargo proposal")
    if not seat.owns(participant):
        raise Forbidden("each participant answers an embargo proposal for itself")
    if case.embargo_state not in {EmbargoState.PROPOSED, EmbargoState.REVISE}:
        raise Invalid("there is no embargo proposal or revision to answer", "embargo")
    if data.response == "rejected" and not data.reason:
        raise Invalid(
            "say why the embargo is rejected, so the coordinators can revise it", "reason"
        )
    now = utcnow()
    participant.embargo_response = EmbargoResponse(data.response)
    participant.embargo_answered_at = now
    participant.embargo_reason = data.reason if data.response == "rejected" else ""
    db.flush()
    everyone = participants_of(db, case_id=case.id)
    tell(
        db,
        case=case,
        participants=coordinators(everyone),
        kind=NotificationKind.CASE_EMBARGO,
        title=f"{participant.name} {data.response} the embargo proposal",
        body=f"Reason: {data.reason}" if data.response == "rejected" else "",
    )
    proposed = case.embargo_proposed_ends_at
    if not embargo_waiting_for(everyone) and proposed is not None and proposed > now:
        # The last acceptance activates the embargo: no one is bound before everyone agreed.
        state.accept_embargo(case, now=now)
        db.flush()
        tell(
            db,
            case=case,
            participants=everyone,
            kind=NotificationKind.CASE_EMBARGO,
            title="Embargo active: every participant accepted",
            body=f"Ends {case.embargo_ends_at:%Y-%m-%d %H:%M} UTC. Times are shown in your "
            "own time zone on the case page.",
        )
    return participant


def embargo_waiting_for(participants: list[Participant]) -> list[Participant]:
    """The participants whose acceptance the embargo still needs (pending or rejected).

    The rule: an embargo (or its revision) becomes active only when every participant of
    the case has accepted it; a rejection, with its reason, holds it until the coordinators
    revise the proposal (everyone answers again) or drop it.
    """
    return [p for p in participants if p.embargo_response is not EmbargoResponse.ACCEPTED]


def _require_everyone_accepted(participants: list[Participant]) -> None:
    waiting = embargo_waiting_for(participants)
    if waiting:
        rejected = [p for p in waiting if p.embargo_response is EmbargoResponse.REJECTED]
        pending = [p for p in waiting if p.embargo_response is EmbargoResponse.PENDING]
        parts = []
        if rejected:
            parts.append(
                "rejected by "
                + "; ".join(f"{p.name} ({p.embargo_reason or 'no reason given'})" for p in rejected)
            )
        if pending:
            parts.append("no answer yet from " + ", ".join(p.name for p in pending[:20]))
            if len(pending) > 20:
                parts[-1] += f" and {len(pending) - 20} more"
        raise Invalid(
            "the embargo becomes active only when every participant accepted it: "
            + "; ".join(parts),
            "embargo",
        )


def close(db: Session, *, actor: Actor, case_id: str) -> Case:
    """Close a case (coordinators); it stays readable."""
    case = get_or_404(db, reader=actor, case_id=case_id)
    require_coordinator(seat_of(db, reader=actor, case=case), "close the case")
    if case.closed_at is not None:
        raise Invalid("the case is already closed", "case")
    if case.embargo_state in state.EMBARGO_RUNNING:
        raise Invalid("end the embargo before closing the case", "embargo")
    case.closed_at = utcnow()
    db.flush()
    return case


def has_embargo_work(db: Session) -> bool:
    """Whether a running embargo ends, or needs its reminder, within the next day."""
    soon = utcnow() + timedelta(hours=24)
    return (
        db.scalar(
            select(Case.id)
            .where(
                Case.embargo_state.in_(list(state.EMBARGO_RUNNING)),
                Case.embargo_ends_at <= soon,
                or_(Case.embargo_reminded_at.is_(None), Case.embargo_ends_at <= utcnow()),
            )
            .limit(1)
        )
        is not None
    )


def expire_embargoes(db: Session, payload: dict[str, Any] | None = None) -> None:
    """Job: end embargoes whose time has come and remind participants a day before."""
    now = utcnow()
    running = db.scalars(
        select(Case).where(Case.embargo_state.in_(list(state.EMBARGO_RUNNING)))
    ).all()
    for case in running:
        if state.expire_embargo(case, now=now):
            tell(
                db,
                case=case,
                participants=participants_of(db, case_id=case.id),
                kind=NotificationKind.CASE_EMBARGO,
                title="Embargo ended: its end time has passed",
            )
        elif (
            case.embargo_ends_at is not None
            and case.embargo_reminded_at is None
            and (case.embargo_ends_at - now).total_seconds() <= 24 * 3600
        ):
            case.embargo_reminded_at = now
            tell(
                db,
                case=case,
                participants=participants_of(db, case_id=case.id),
                kind=NotificationKind.CASE_EMBARGO,
                title="Embargo ends within 24 hours",
                body=f"Ends {case.embargo_ends_at:%Y-%m-%d %H:%M} UTC "
                "(the case page shows it in your own time zone).",
            )
    db.flush()
