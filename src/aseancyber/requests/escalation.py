"""Missed deadlines escalated to someone who can act, and preservation periods renewed.

Who an escalation reaches
-------------------------
The receiving organisation's active administrators who may see the request, when there is
at least one. When there is none (no administrator, none active, or none the request's
label admits), the escalation goes to the receiving state's **national focal point** (the
contacts flagged as such: their address by e-mail, and the active administrators of the
organisation that keeps each contact) and to the **Secretariat desk** (the regional
coordinators of the ASEAN Secretariat).

The focal point and the Secretariat are not in the request's audience and the escalation
does not add them: what they are told is what they need to chase the organisation (the
kind of request, the two states, the receiving organisation, the missed deadline), never
the subject, the parties' text or a link to the request. The requester is told every
time, and the request page and API list each escalation (when, why, to whom).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, Organisation, OrganisationKind, Role, User
from aseancyber.access.policy import Actor
from aseancyber.audit import service as audit
from aseancyber.contacts.models import Contact
from aseancyber.contacts.service import organisation_admin_ids
from aseancyber.db import utcnow
from aseancyber.errors import Forbidden, Invalid
from aseancyber.notify.models import EmailPriority, NotificationKind
from aseancyber.notify.service import notify, queue_email
from aseancyber.requests import service
from aseancyber.requests.models import (
    CrossBorderRequest,
    EscalationDeadline,
    PreservationOutcome,
    RequestEscalation,
    RequestKind,
    RequestMessage,
)
from aseancyber.requests.models import RequestStatus as S

PRESERVING = frozenset({PreservationOutcome.PRESERVED, PreservationOutcome.PARTIAL_DISCLOSURE})


@dataclass
class Recipients:
    """Who an escalation reaches: users told in the app, addresses e-mailed, and in words."""

    user_ids: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    described: list[str] = field(default_factory=list)
    to_organisation_admins: bool = False


def secretariat_desk_ids(db: Session) -> list[str]:
    """The active regional coordinators of the ASEAN Secretariat."""
    users = db.scalars(
        select(User)
        .join(Organisation, User.organisation_id == Organisation.id)
        .where(Organisation.kind == OrganisationKind.SECRETARIAT, User.is_active.is_(True))
        .order_by(User.id)
    )
    return [u.id for u in users if Role.REGIONAL_COORDINATOR in u.role_set]


def focal_points(db: Session, member_state_id: str | None) -> list[Contact]:
    """The contacts a state names as its national focal point."""
    if member_state_id is None:
        return []
    return list(
        db.scalars(
            select(Contact)
            .where(Contact.member_state_id == member_state_id, Contact.focal_point.is_(True))
            .order_by(Contact.name, Contact.id)
        )
    )


def recipients_for(db: Session, request: CrossBorderRequest) -> Recipients:
    """The receiving organisation's administrators, or else the focal point and the desk."""
    found = Recipients()
    receiver = {request.receiving_organisation_id}
    admins = set(organisation_admin_ids(db, request.receiving_organisation_id))
    admins &= set(service.parties_who_see(db, request, organisation_ids=receiver))
    organisation = request.receiving_organisation
    if admins:
        found.user_ids = admins
        found.to_organisation_admins = True
        found.described.append(f"Organisation administrators of {organisation.name}")
        return found
    state = db.get(MemberState, request.receiving_state_id) if request.receiving_state_id else None
    state_name = state.name if state else "the receiving state"
    contacts = focal_points(db, request.receiving_state_id)
    for contact in contacts:
        found.emails.add(contact.email)
        found.user_ids.update(organisation_admin_ids(db, contact.owner_organisation_id))
        found.described.append(
            f"National focal point of {state_name}: {contact.name} "
            f"({contact.owner_organisation.name})"
        )
    if not contacts:
        found.described.append(f"No national focal point is recorded for {state_name}")
    desk = secretariat_desk_ids(db)
    found.user_ids.update(desk)
    found.described.append(
        "ASEAN Secretariat desk (regional coordinators)"
        if desk
        else "No ASEAN Secretariat desk user is active"
    )
    return found


def _describe_deadline(deadline: EscalationDeadline) -> str:
    return "acknowledged" if deadline is EscalationDeadline.ACKNOWLEDGEMENT else "answered"


def escalate(
    db: Session, request: CrossBorderRequest, *, deadline: EscalationDeadline, due: datetime
) -> RequestEscalation:
    """Escalate a missed deadline, record it, and tell the requester."""
    now = utcnow()
    whom = recipients_for(db, request)
    verb = _describe_deadline(deadline)
    organisation = request.receiving_organisation
    reason = (
        f"Not {verb} by its deadline ({due:%Y-%m-%d %H:%M} UTC), after a reminder to "
        f"{organisation.name}."
    )
    if not whom.to_organisation_admins:
        reason += f" {organisation.name} has no active organisation administrator to escalate to."
    if whom.to_organisation_admins:
        notify(
            db,
            user_ids=whom.user_ids,
            kind=NotificationKind.REQUEST_DEADLINE,
            title=f"Escalation: the request {request.subject} is still not {verb}",
            body=f"Your organisation has not {verb} this request after a reminder.",
            link=f"/requests/{request.id}",
        )
    else:
        # Outside the request's audience: the facts needed to chase it, nothing it contains.
        requesting = request.owner_organisation.member_state
        summary = (
            f"A {request.kind.label.lower()} from "
            f"{requesting.name if requesting else 'another member state'} to "
            f"{organisation.name} was not {verb} by its deadline ({due:%Y-%m-%d %H:%M} UTC), "
            f"and {organisation.name} has no active organisation administrator. "
            "Please reach the organisation so that it answers the requester."
        )
        title = f"Escalation: a request to {organisation.name} is not {verb}"
        notify(
            db,
            user_ids=whom.user_ids,
            kind=NotificationKind.REQUEST_DEADLINE,
            title=title,
            body=summary,
        )
        for address in sorted(whom.emails):
            queue_email(db, to=address, subject=title, body=summary, priority=EmailPriority.URGENT)
    record = RequestEscalation(
        request_id=request.id,
        deadline=deadline,
        at=now,
        reason=reason,
        recipients="\n".join(whom.described),
        people_told=len(whom.user_ids) + len(whom.emails),
    )
    db.add(record)
    requesters = service.parties_who_see(
        db, request, organisation_ids={request.owner_organisation_id}
    )
    notify(
        db,
        user_ids=requesters,
        kind=NotificationKind.REQUEST,
        title=f"Escalated: your request {request.subject} was not {verb} in time",
        body="Escalated to: " + "; ".join(whom.described),
        link=f"/requests/{request.id}#escalations",
    )
    db.flush()
    return record


# --- preservation periods --------------------------------------------------------------------


def start_preservation(request: CrossBorderRequest, *, now: datetime) -> None:
    """Start the preservation period when the receiver answers that the data is preserved."""
    if request.kind is not RequestKind.PRESERVATION or request.outcome not in PRESERVING:
        return
    request.preserved_from = now
    request.preserved_until = now + timedelta(days=request.preservation_days or 60)
    request.renewal_prompted_at = None


def prompt_renewal(db: Session, request: CrossBorderRequest) -> None:
    """Tell both parties that the preservation period is about to lapse."""
    until = request.preserved_until
    if until is None:
        return
    request.renewal_prompted_at = utcnow()
    parties = {request.owner_organisation_id, request.receiving_organisation_id}
    notify(
        db,
        user_ids=service.parties_who_see(db, request, organisation_ids=parties),
        kind=NotificationKind.REQUEST_DEADLINE,
        title=f"Preservation lapses on {until:%Y-%m-%d}: {request.subject}",
        body="Renew the preservation period now if the data must be kept longer (for "
        "example until the mutual legal assistance request is executed).",
        link=f"/requests/{request.id}#preservation",
    )


def renew_preservation(
    db: Session, *, actor: Actor, request_id: str, days: int
) -> CrossBorderRequest:
    """Extend a running preservation period by ``days`` (either party records it; audited)."""
    request = service.get_or_404(db, reader=actor, request_id=request_id)
    if not (service.is_requester(actor, request) or service.is_receiver(actor, request)):
        raise Forbidden("only the requesting or the receiving organisation renews a preservation")
    if request.kind is not RequestKind.PRESERVATION or request.preserved_until is None:
        raise Invalid("only a preservation request whose data is preserved can be renewed", "days")
    if request.status is S.WITHDRAWN:
        raise Invalid("a withdrawn request cannot be renewed", "days")
    now = utcnow()
    previous = request.preserved_until
    request.preserved_until = max(previous, now) + timedelta(days=days)
    request.renewal_prompted_at = None
    note = (
        f"Preservation renewed for {days} days: now until "
        f"{request.preserved_until:%Y-%m-%d %H:%M} UTC (was {previous:%Y-%m-%d %H:%M} UTC)."
    )
    db.add(
        RequestMessage(
            request_id=request.id,
            position=service.next_position(db, request.id),
            author_id=actor.user_id,
            organisation_id=actor.organisation_id,
            event="preservation_renewed",
            body=note,
            created_at=now,
        )
    )
    audit.record(
        db,
        action="cross_border_request.preservation_renewed",
        record_kind="cross_border_request",
        record_id=request.id,
        record_organisation_id=request.owner_organisation_id,
        changed_fields=["preserved_until"],
        before={"preserved_until": previous.isoformat()},
        after={"preserved_until": request.preserved_until.isoformat()},
        actor=actor,
        detail={"days": days},
    )
    db.flush()
    other = (
        request.receiving_organisation_id
        if actor.organisation_id == request.owner_organisation_id
        else request.owner_organisation_id
    )
    notify(
        db,
        user_ids=[
            u
            for u in service.parties_who_see(db, request, organisation_ids={other})
            if u != actor.user_id
        ],
        kind=NotificationKind.REQUEST,
        title=f"Preservation renewed: {request.subject}",
        body=note,
        link=f"/requests/{request.id}#preservation",
    )
    return request
