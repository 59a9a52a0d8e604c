"""The life of a cross-border request, its deadlines, the response-time dashboard and the
evidence the norms page shows.

Life: draft -> sent -> acknowledged -> in progress -> answered | refused (with grounds),
and closed by the requester; the requester may withdraw until it is answered or refused.
:data:`TRANSITIONS` says who (the requesting or the receiving side) may make each move;
anything else is refused with the moves that are possible.

Deadlines: a sent request must be acknowledged within ``request_ack_hours[kind]`` hours
(``request_emergency_ack_hours`` when flagged as an emergency) and answered within
``request_answer_days[kind]`` days (``request_emergency_answer_hours``). When a deadline
passes, the receiving organisation's users are reminded; ``request_escalate_after_hours``
later, it is escalated (:mod:`aseancyber.requests.escalation`: the organisation's
administrators, or the state's focal point and the Secretariat desk when it has none). A
preservation request's period is followed too: both parties are prompted to renew it
``preservation_renewal_notice_days`` before it lapses. All of it is :func:`run_deadlines`,
a periodic job.

The dashboard shows aggregates only: counts and median times by state and kind, never a
subject, a party or an id. It aggregates **only the requests the reader may see** (the
same ``visible_to`` filter as the list), so no figure can reveal a request out of the
reader's reach; a coordinator therefore sees the regional figures of what is shared with
the Secretariat, and each organisation the figures of its own traffic. The evidence for
the norms (:func:`evidence_for_state`) follows the same rule: per-state totals and medians
over the requests the reader may see, nothing else.
"""

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState
from aseancyber.access.policy import Actor, Reader, set_audience, visible_to
from aseancyber.db import utcnow
from aseancyber.errors import Forbidden, Invalid
from aseancyber.notify.models import NotificationKind
from aseancyber.notify.service import notify
from aseancyber.requests import escalation, service
from aseancyber.requests.models import (
    REQUEST_KIND_LABELS,
    CrossBorderRequest,
    EscalationDeadline,
    PreservationOutcome,
    RequestKind,
    RequestMessage,
)
from aseancyber.requests.models import RequestStatus as S
from aseancyber.requests.schemas import RequestDashboard, ResponseStats, Transition
from aseancyber.settings import get_settings

REQUESTER, RECEIVER = "requester", "receiver"

TRANSITIONS: dict[tuple[S, S], str] = {
    (S.DRAFT, S.SENT): REQUESTER,
    (S.DRAFT, S.WITHDRAWN): REQUESTER,
    (S.SENT, S.ACKNOWLEDGED): RECEIVER,
    (S.SENT, S.ANSWERED): RECEIVER,
    (S.SENT, S.REFUSED): RECEIVER,
    (S.SENT, S.WITHDRAWN): REQUESTER,
    (S.ACKNOWLEDGED, S.IN_PROGRESS): RECEIVER,
    (S.ACKNOWLEDGED, S.ANSWERED): RECEIVER,
    (S.ACKNOWLEDGED, S.REFUSED): RECEIVER,
    (S.ACKNOWLEDGED, S.WITHDRAWN): REQUESTER,
    (S.IN_PROGRESS, S.ANSWERED): RECEIVER,
    (S.IN_PROGRESS, S.REFUSED): RECEIVER,
    (S.IN_PROGRESS, S.WITHDRAWN): REQUESTER,
    (S.ANSWERED, S.CLOSED): REQUESTER,
    (S.REFUSED, S.CLOSED): REQUESTER,
    (S.WITHDRAWN, S.CLOSED): REQUESTER,
}


def next_steps(status: S) -> list[tuple[S, str]]:
    """The moves possible from ``status`` and which side makes each."""
    return [(to, side) for (start, to), side in TRANSITIONS.items() if start is status]


def allowed_for(actor: Reader, request: CrossBorderRequest) -> list[S]:
    """The statuses ``actor`` may move the request to now."""
    sides = set()
    if service.is_requester(actor, request):
        sides.add(REQUESTER)
    if service.is_receiver(actor, request):
        sides.add(RECEIVER)
    return [to for to, side in next_steps(request.status) if side in sides]


def ack_deadline(kind: RequestKind, *, emergency: bool, sent_at: datetime) -> datetime:
    """When a request sent at ``sent_at`` must be acknowledged by."""
    settings = get_settings()
    hours = (
        settings.request_emergency_ack_hours
        if emergency
        else settings.request_ack_hours.get(kind.value, 72)
    )
    return sent_at + timedelta(hours=hours)


def answer_deadline(kind: RequestKind, *, emergency: bool, sent_at: datetime) -> datetime:
    """When a request sent at ``sent_at`` must be answered (or refused) by."""
    settings = get_settings()
    if emergency:
        return sent_at + timedelta(hours=settings.request_emergency_answer_hours)
    return sent_at + timedelta(days=settings.request_answer_days.get(kind.value, 14))


def _event(db: Session, request: CrossBorderRequest, actor: Actor, event: str, body: str) -> None:
    db.add(
        RequestMessage(
            request_id=request.id,
            position=service.next_position(db, request.id),
            author_id=actor.user_id,
            organisation_id=actor.organisation_id,
            event=event,
            body=body,
            created_at=utcnow(),
        )
    )


def transition(
    db: Session, *, actor: Actor, request_id: str, data: Transition
) -> CrossBorderRequest:
    """Move a request to ``data.status`` if that move exists and is the actor's to make."""
    request = service.get_or_404(db, reader=actor, request_id=request_id)
    target = data.status
    side = TRANSITIONS.get((request.status, target))
    if side is None:
        possible = ", ".join(to.label for to, _ in next_steps(request.status)) or "nothing"
        raise Invalid(
            f"a {request.status.label} request cannot become {target.label}; "
            f"from {request.status.label} it can become: {possible}",
            "status",
        )
    allowed = service.is_requester if side == REQUESTER else service.is_receiver
    if not allowed(actor, request):
        who = "requesting" if side == REQUESTER else "receiving"
        raise Forbidden(f"only the {who} organisation may make the request {target.label}")
    now = utcnow()
    if target is S.SENT:
        service.require_fields(
            request.kind, {n: getattr(request, n) for n in service.REQUIRED_FIELDS[request.kind]}
        )
        request.sent_at = now
        request.ack_due_at = ack_deadline(request.kind, emergency=request.emergency, sent_at=now)
        request.answer_due_at = answer_deadline(
            request.kind, emergency=request.emergency, sent_at=now
        )
        named = [u for u in request.named_user_ids.split(",") if u]
        set_audience(
            db, request, organisation_ids=[request.receiving_organisation_id], user_ids=named
        )
    elif target is S.ACKNOWLEDGED:
        request.acknowledged_at = now
    elif target is S.ANSWERED:
        if not data.answer.strip():
            raise Invalid("an answer needs its text", "answer")
        if request.kind is RequestKind.PRESERVATION and data.outcome not in {
            PreservationOutcome.PRESERVED,
            PreservationOutcome.PARTIAL_DISCLOSURE,
        }:
            raise Invalid("say whether the data was preserved or partly disclosed", "outcome")
        request.acknowledged_at = request.acknowledged_at or now
        request.answered_at = now
        request.answer = data.answer.strip()
        request.outcome = data.outcome if request.kind is RequestKind.PRESERVATION else None
        escalation.start_preservation(request, now=now)
    elif target is S.REFUSED:
        if not data.refusal_grounds.strip():
            raise Invalid("a refusal needs its grounds", "refusal_grounds")
        request.acknowledged_at = request.acknowledged_at or now
        request.answered_at = now
        request.refusal_grounds = data.refusal_grounds.strip()
        if request.kind is RequestKind.PRESERVATION:
            request.outcome = PreservationOutcome.REFUSED
    elif target is S.CLOSED:
        request.closed_at = now
    request.status = target
    note = data.note or data.answer or data.refusal_grounds
    _event(db, request, actor, target.value, note.strip())
    db.flush()
    if target is not S.WITHDRAWN or request.sent_at is not None:
        _tell_other_side(db, request, actor, target)
    return request


def _tell_other_side(db: Session, request: CrossBorderRequest, actor: Actor, target: S) -> None:
    other = (
        request.receiving_organisation_id
        if actor.organisation_id == request.owner_organisation_id
        else request.owner_organisation_id
    )
    told = [
        u
        for u in service.parties_who_see(db, request, organisation_ids={other})
        if u != actor.user_id
    ]
    title = (
        f"New {request.kind.label.lower()}: {request.subject}"
        if target is S.SENT
        else f"Request {target.label}: {request.subject}"
    )
    if request.emergency and target is S.SENT:
        title = "EMERGENCY " + title
    notify(
        db,
        user_ids=told,
        kind=NotificationKind.REQUEST,
        title=title,
        link=f"/requests/{request.id}",
    )


# --- deadlines -------------------------------------------------------------------------------


UNANSWERED = (S.SENT, S.ACKNOWLEDGED, S.IN_PROGRESS)


def _remind(db: Session, request: CrossBorderRequest, *, title: str, body: str) -> None:
    notify(
        db,
        user_ids=service.parties_who_see(
            db, request, organisation_ids={request.receiving_organisation_id}
        ),
        kind=NotificationKind.REQUEST_DEADLINE,
        title=title,
        body=body,
        link=f"/requests/{request.id}",
    )


def run_deadlines(db: Session, payload: dict[str, Any]) -> None:
    """Job handler: remind receivers of missed acknowledgement and answer deadlines, then
    escalate; prompt both parties to renew a preservation period about to lapse."""
    now = utcnow()
    escalate_after = timedelta(hours=get_settings().request_escalate_after_hours)
    for request in db.scalars(select(CrossBorderRequest).where(_ack_work(now))).all():
        due = request.ack_due_at
        if due is None:
            continue
        if request.reminded_at is None:
            request.reminded_at = now
            _remind(
                db,
                request,
                title=f"Overdue: please acknowledge the request {request.subject}",
                body="The time to acknowledge this request has passed.",
            )
        if request.escalated_at is None and due + escalate_after <= now:
            request.escalated_at = now
            escalation.escalate(db, request, deadline=EscalationDeadline.ACKNOWLEDGEMENT, due=due)
    for request in db.scalars(select(CrossBorderRequest).where(_answer_work(now))).all():
        due = request.answer_due_at
        if due is None:
            continue
        if request.answer_reminded_at is None:
            request.answer_reminded_at = now
            _remind(
                db,
                request,
                title=f"Overdue: please answer the request {request.subject}",
                body="The time to answer (or refuse, with grounds) this request has passed.",
            )
        if request.answer_escalated_at is None and due + escalate_after <= now:
            request.answer_escalated_at = now
            escalation.escalate(db, request, deadline=EscalationDeadline.ANSWER, due=due)
    for request in db.scalars(select(CrossBorderRequest).where(_renewal_work(now))).all():
        escalation.prompt_renewal(db, request)
    db.flush()


def _ack_work(now: datetime) -> ColumnElement[bool]:
    return and_(
        CrossBorderRequest.status == S.SENT,
        CrossBorderRequest.ack_due_at <= now,
        or_(CrossBorderRequest.reminded_at.is_(None), CrossBorderRequest.escalated_at.is_(None)),
    )


def _answer_work(now: datetime) -> ColumnElement[bool]:
    return and_(
        CrossBorderRequest.status.in_(UNANSWERED),
        CrossBorderRequest.answer_due_at <= now,
        or_(
            CrossBorderRequest.answer_reminded_at.is_(None),
            CrossBorderRequest.answer_escalated_at.is_(None),
        ),
    )


def _renewal_work(now: datetime) -> ColumnElement[bool]:
    notice = timedelta(days=get_settings().preservation_renewal_notice_days)
    return and_(
        CrossBorderRequest.status != S.WITHDRAWN,
        CrossBorderRequest.preserved_until <= now + notice,
        CrossBorderRequest.renewal_prompted_at.is_(None),
    )


def has_deadlines(db: Session) -> bool:
    """Cheap check for the periodic job: is a deadline or a renewal prompt unhandled?"""
    now = utcnow()
    for condition in (_ack_work(now), _answer_work(now), _renewal_work(now)):
        if db.scalar(select(CrossBorderRequest.id).where(condition).limit(1)) is not None:
            return True
    return False


# --- aggregates ------------------------------------------------------------------------------


def hours_between(start: datetime | None, end: datetime | None) -> float | None:
    """Hours from ``start`` to ``end``, or ``None`` when either is missing."""
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 3600


def median_of(values: list[float]) -> float | None:
    """The median rounded to two places, or ``None`` for no values."""
    return round(statistics.median(values), 2) if values else None


@dataclass
class _Group:
    requests: int = 0
    acknowledged: int = 0
    answered: int = 0

    def __post_init__(self) -> None:
        self.to_ack: list[float] = []
        self.to_answer: list[float] = []


def _stats(key: str, label: str, group: _Group) -> ResponseStats:
    return ResponseStats(
        key=key,
        label=label,
        requests=group.requests,
        acknowledged=group.acknowledged,
        answered=group.answered,
        median_hours_to_acknowledge=median_of(group.to_ack),
        median_hours_to_answer=median_of(group.to_answer),
    )


def dashboard(db: Session, *, reader: Reader) -> RequestDashboard:
    """Response times by receiving state and kind, over the sent requests the reader may see."""
    rows = db.execute(
        select(
            CrossBorderRequest.receiving_state_id,
            CrossBorderRequest.kind,
            CrossBorderRequest.sent_at,
            CrossBorderRequest.acknowledged_at,
            CrossBorderRequest.answered_at,
        ).where(visible_to(reader, CrossBorderRequest), CrossBorderRequest.sent_at.is_not(None))
    ).all()
    names = dict(db.execute(select(MemberState.id, MemberState.name)).tuples().all())
    by_state: dict[str, _Group] = {}
    by_kind: dict[RequestKind, _Group] = {}
    for state_id, kind, sent, acknowledged, answered in rows:
        for group in (
            by_state.setdefault(state_id or "", _Group()),
            by_kind.setdefault(kind, _Group()),
        ):
            group.requests += 1
            if acknowledged is not None:
                group.acknowledged += 1
                group.to_ack.append(hours_between(sent, acknowledged) or 0.0)
            if answered is not None:
                group.answered += 1
                group.to_answer.append(hours_between(sent, answered) or 0.0)
    return RequestDashboard(
        scope="the sent requests you may see",
        by_state=sorted(
            (_stats(key, names.get(key, "—"), g) for key, g in by_state.items()),
            key=lambda s: s.label,
        ),
        by_kind=[
            _stats(kind.value, REQUEST_KIND_LABELS[kind], by_kind[kind])
            for kind in RequestKind
            if kind in by_kind
        ],
    )


def evidence_for_state(db: Session, *, reader: Reader, member_state_id: str) -> dict[str, Any]:
    """Requests a state received and answered, its median time to answer, and cybercrime
    (24/7 preservation) requests it handled: totals over the requests ``reader`` may see
    only (a request hidden from the reader is never counted), no request details."""
    rows = db.execute(
        select(
            CrossBorderRequest.kind,
            CrossBorderRequest.status,
            CrossBorderRequest.sent_at,
            CrossBorderRequest.answered_at,
            CrossBorderRequest.refusal_grounds,
        ).where(
            CrossBorderRequest.receiving_state_id == member_state_id,
            CrossBorderRequest.sent_at.is_not(None),
            visible_to(reader, CrossBorderRequest),
        )
    ).all()
    answered = [r for r in rows if r[3] is not None and not r[4]]  # refusals are not answers
    times = [hours_between(r[2], r[3]) or 0.0 for r in answered]
    handled = {S.ACKNOWLEDGED, S.IN_PROGRESS, S.ANSWERED, S.REFUSED, S.CLOSED}
    return {
        "requests_received": len(rows),
        "requests_answered": len(answered),
        "median_hours_to_answer": median_of(times),
        "assistance_requests_answered": sum(1 for r in answered if r[0] is RequestKind.ASSISTANCE),
        "cybercrime_requests_handled": sum(
            1 for r in rows if r[0] is RequestKind.PRESERVATION and r[1] in handled
        ),
    }
