"""The Vultron workflow of a case: world events (P/X/A), vendor events (V/F/D), the
embargo and its end, closing, and the job that ends embargoes and sends reminders.

The rules themselves are in :mod:`aseancyber.cases.state`; this module checks who may act
(through :func:`service.seat_of`), applies them and tells the right people.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor
from aseancyber.cases import embargo as embargo_rules
from aseancyber.cases import state
from aseancyber.cases.models import Case, EmbargoResponse, Participant
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
    """Record P, X or A; P and X end the embargo, A prompts the coordinators to end it.

    P and X are urgent news for the coordinators: they get a notification and a high-priority
    e-mail naming who recorded it, whoever that was.
    """
    case = get_or_404(db, reader=actor, case_id=case_id)
    seat = seat_of(db, reader=actor, case=case)
    require_participant(seat, "record case-state events")
    now = utcnow()
    was = case.embargo_state
    ended = state.record_world_event(case, event, by_user_id=actor.user_id, at=now)
    db.flush()
    everyone = participants_of(db, case_id=case.id)
    name = state.EVENT_NAMES[event]
    who = ", ".join(p.name for p in seat.participants) or "a participant"
    if ended:
        embargo_rules.record(
            db,
            case=case,
            action="end" if was in state.EMBARGO_RUNNING else "reject",
            reason=f"{name} recorded by {who} ({actor.display_name or 'unnamed user'})",
            by_user_id=actor.user_id,
            at=now,
        )
    tell(
        db,
        case=case,
        participants=everyone,
        kind=NotificationKind.CASE_UPDATE,
        title=f"{name[0].upper()}{name[1:]} recorded"
        + (" - the embargo has ended" if ended else ""),
        body=f"{actor.display_name or 'A participant'} recorded {name}.",
    )
    if event in {"P", "X"}:
        tell(
            db,
            case=case,
            participants=coordinators(everyone),
            kind=NotificationKind.CASE_PUBLICITY,
            title=f"{name[0].upper()}{name[1:]} recorded by {who}",
            body=f"{actor.display_name or 'A participant'} of {who} recorded {name} at "
            f"{now:%Y-%m-%d %H:%M} UTC."
            + (f" The {was.value} embargo has ended." if ended else "")
            + " Check the report and tell the participants what happens next.",
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
    participant.involvement = state.involvement_of(participant)  # V: in progress, F: done
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
    """Propose, activate, drop, revise or end the case's embargo (coordinators only).

    Coordinators decide, as in VINCE: silence never holds an embargo, and activating over
    an objection or ending before the end time needs the reason, which is kept.
    """
    case = get_or_404(db, reader=actor, case_id=case_id)
    seat = seat_of(db, reader=actor, case=case)
    require_coordinator(seat, "change the embargo")
    now = utcnow()
    everyone = participants_of(db, case_id=case.id)
    found = (
        embargo_rules.tally(db, everyone) if case.embargo_state in embargo_rules.ASKING else None
    )
    ends_at: datetime | None = None
    if data.action in {"propose", "revise"}:
        if data.ends_at is None:
            raise Invalid("is needed to propose an embargo end time", "ends_at")
        ends_at = data.ends_at
        if data.action == "propose":
            state.propose_embargo(case, ends_at=ends_at, now=now)
        else:
            state.revise_embargo(case, ends_at=ends_at, now=now)
        _ask_everyone(everyone, proposer=seat.participant_ids, now=now, by=actor.user_id)
        title = f"Embargo {'proposed' if data.action == 'propose' else 'revision proposed'}"
        body = (
            f"Proposed end: {ends_at.astimezone(now.tzinfo):%Y-%m-%d %H:%M} UTC. Please "
            "accept it, or reject it saying why; the coordinators decide."
        )
    elif data.action == "accept":
        embargo_rules.check_activation(
            case, found or embargo_rules.tally(db, everyone), data.reason
        )
        state.accept_embargo(case, now=now)
        ends_at = case.embargo_ends_at
        title, body = "Embargo active", f"Ends {ends_at:%Y-%m-%d %H:%M} UTC."
        if found is not None and (found.objections or found.not_answered):
            body += (
                f" Activated by the coordinators with {len(found.objections)} objection(s) "
                f"and {len(found.not_answered)} participant(s) not answered."
            )
        if data.reason:
            body += f" Reason: {data.reason}"
    elif data.action == "reject":
        state.reject_embargo(case)
        title = "Embargo proposal dropped"
        body = f"Reason: {data.reason}" if data.reason else ""
    else:
        embargo_rules.check_early_end(case, reason=data.reason, now=now)
        state.end_embargo(case)
        title = "Embargo ended by the coordinators"
        body = f"Reason: {data.reason}" if data.reason else ""
    db.flush()
    embargo_rules.record(
        db,
        case=case,
        action=data.action,
        reason=data.reason,
        by_user_id=actor.user_id,
        at=now,
        found=found,
        ends_at=ends_at,
    )
    tell(
        db,
        case=case,
        participants=everyone,
        kind=NotificationKind.CASE_EMBARGO,
        title=title,
        body=(body + " Times are shown in your own time zone on the case page.").strip(),
    )
    return case


def _ask_everyone(
    participants: list[Participant], *, proposer: frozenset[str], now: datetime, by: str | None
) -> None:
    # The proposing coordinator accepts its own proposal; everyone else is asked now.
    for participant in participants:
        mine = participant.id in proposer
        participant.embargo_response = EmbargoResponse.ACCEPTED if mine else EmbargoResponse.PENDING
        participant.embargo_asked_at = now
        participant.embargo_answered_at = now if mine else None
        participant.embargo_answered_by_id = by if mine else None
        participant.embargo_reason = ""


def answer_embargo(
    db: Session, *, actor: Actor, case_id: str, participant_id: str, data: EmbargoAnswer
) -> Participant:
    """A participant accepts or objects to the proposed embargo (or revision) for itself."""
    case = get_or_404(db, reader=actor, case_id=case_id)
    seat = seat_of(db, reader=actor, case=case)
    participant = get_participant_or_404(db, case=case, participant_id=participant_id)
    require_participant(seat, "answer an embargo proposal")
    if not seat.owns(participant):
        raise Forbidden("each participant answers an embargo proposal for itself")
    if case.embargo_state not in embargo_rules.ASKING:
        raise Invalid("there is no embargo proposal or revision to answer", "embargo")
    if data.response == "rejected" and not data.reason:
        raise Invalid(
            "say why the embargo is rejected, so the coordinators can revise it", "reason"
        )
    now = utcnow()
    participant.embargo_response = EmbargoResponse(data.response)
    participant.embargo_answered_at = now
    participant.embargo_answered_by_id = actor.user_id
    participant.embargo_reason = data.reason if data.response == "rejected" else ""
    participant.involvement = state.involvement_of(participant)  # it answered: contact made
    db.flush()
    everyone = participants_of(db, case_id=case.id)
    tell(
        db,
        case=case,
        participants=coordinators(everyone),
        kind=NotificationKind.CASE_EMBARGO,
        title=f"{participant.name} {data.response} the embargo proposal",
        body=(
            f"Objection by {actor.display_name or 'a participant'}: {data.reason}. Decide on "
            "the case page: activate anyway, revise the end time, or drop the proposal."
            if data.response == "rejected"
            else ""
        ),
    )
    proposed = case.embargo_proposed_ends_at
    found = embargo_rules.tally(db, everyone)
    if found.unanimous and proposed is not None and proposed > now:
        # Everyone who can answer accepted: nothing is left for the coordinators to decide.
        state.accept_embargo(case, now=now)
        db.flush()
        embargo_rules.record(
            db,
            case=case,
            action="accept",
            reason="every participant that can answer accepted",
            by_user_id=None,
            at=now,
            found=found,
            ends_at=case.embargo_ends_at,
        )
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
