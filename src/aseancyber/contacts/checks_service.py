"""Communication checks ("ping" tests): launch, acknowledge, remind, escalate, and results.

A regional coordinator launches a check over the contacts they may see (all, or some kinds
and states). Each contact is e-mailed a signed single-use link (purpose ``comm-check``)
and the users of its organisation get an in-app task; acknowledging by the link or in the
app records the response time once. Reminders, then escalation to the organisation's
administrators, follow the configured deadlines (:func:`run_deadlines`, a periodic job).

Results are computed only over targets whose contact the reader may see, so no count,
median or name reveals a contact out of the reader's reach.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload, lazyload

from aseancyber.access.models import MemberState
from aseancyber.access.policy import Actor, Reader, visible_to, visible_with_hint
from aseancyber.access.rules import Action, may
from aseancyber.access.shareable import members_of, readers_of_any
from aseancyber.community.service import has_nul
from aseancyber.contacts import check_results
from aseancyber.contacts import service as contacts
from aseancyber.contacts.models import (
    CheckStatus,
    CheckTarget,
    Contact,
    ContactCheck,
)
from aseancyber.contacts.schemas import CheckLaunch, CheckRead, GroupStats, TargetRead
from aseancyber.db import utcnow
from aseancyber.errors import Forbidden, Invalid, NotFound
from aseancyber.notify import links
from aseancyber.notify.models import EmailPriority, NotificationKind, OutboundEmail, UsedLink
from aseancyber.notify.service import absolute_url, notify, queue_email
from aseancyber.settings import get_settings
from aseancyber.shaping import shaped
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate

PURPOSE = "comm-check"
ACK_PATH = "/contacts/acknowledge"


def _ack_email(contact: Contact, check: ContactCheck, token: str, *, reminder: bool) -> str:
    first = "Reminder: " if reminder else ""
    return (
        f"{first}Communication check: {check.title}\n\n"
        f"Dear {contact.name},\n\n"
        "The ASEAN regional points-of-contact directory is checking that its contacts are "
        "reachable. Please confirm that this address is read by opening the link below and "
        "pressing the confirmation button. The time it takes is recorded as your response "
        "time; the link works once.\n\n"
        f"Confirm: {absolute_url(ACK_PATH)}?token={token}\n\n"
        f"This link expires on {check.closes_at:%d %B %Y %H:%M} UTC.\n"
        "If this address is no longer right, please tell your organisation's administrator.\n"
    )


def _send_link(db: Session, target: CheckTarget, *, reminder: bool = False) -> None:
    seconds = max(int((target.check.closes_at - utcnow()).total_seconds()), 60)
    token = links.make_token(PURPOSE, target.id, max_age_seconds=seconds)
    subject = ("Reminder: " if reminder else "") + f"Communication check: {target.check.title}"
    email = queue_email(
        db,
        to=target.contact.email,
        subject=subject,
        body=_ack_email(target.contact, target.check, token, reminder=reminder),
        priority=EmailPriority.URGENT,
    )
    if not reminder:
        target.email_id = email.id


def _readers_of(db: Session, contacts_: Iterable[Contact]) -> dict[str, set[str]]:
    """For each owner organisation, its active users who may see at least one of its
    ``contacts_`` (the policy decides, as for any record: a RED contact's named people and
    its author)."""
    by_organisation: dict[str, list[Contact]] = {}
    for contact in contacts_:
        by_organisation.setdefault(contact.owner_organisation_id, []).append(contact)
    return {
        org: set(readers_of_any(db, owned, members_of(db, [org])))
        for org, owned in by_organisation.items()
    }


def is_everyone(data: CheckLaunch) -> bool:
    """No kind and no state chosen: the check would go to every visible contact."""
    return not data.kinds and not data.states


def everyone_count(db: Session, *, actor: Actor) -> int:
    """How many contacts a check with an empty scope would ask (those ``actor`` may see)."""
    return db.scalar(select(func.count(Contact.id)).where(visible_to(actor, Contact))) or 0


def launch(db: Session, *, actor: Actor, data: CheckLaunch) -> ContactCheck:
    """Start a check over the visible contacts of the chosen kinds and states; an empty
    scope (every contact) must be confirmed with ``everyone``."""
    if not may(actor, Action.CREATE, ContactCheck):
        raise Forbidden("communication checks are launched by regional coordinators")
    if is_everyone(data) and not data.everyone:
        raise Invalid(
            f"no kind and no state was chosen: the check would go to all "
            f"{everyone_count(db, actor=actor)} contacts you may see; choose kinds or states, "
            "or confirm sending to everyone",
            "everyone",
        )
    statement = select(Contact).where(visible_to(actor, Contact))
    states: list[str] = sorted({code.upper() for code in data.states})
    if states:
        found = dict(
            db.execute(select(MemberState.iso2, MemberState.id).where(MemberState.iso2.in_(states)))
            .tuples()
            .all()
        )
        missing = [code for code in states if code not in found]
        if missing:
            raise Invalid(f"unknown member state {', '.join(missing)}", "states")
        statement = statement.where(Contact.member_state_id.in_(found.values()))
    kinds = sorted(set(data.kinds))
    if kinds:
        statement = statement.where(Contact.kind.in_(kinds))
    chosen = list(db.scalars(statement.order_by(Contact.id)))
    if not chosen:
        raise Invalid("no contact you may see matches these kinds and states", "kinds")
    settings = get_settings()
    now = utcnow()
    check = ContactCheck(
        title=data.title or f"Communication check of {now:%d %B %Y}",
        launched_by_id=actor.user_id,
        organisation_id=actor.organisation_id,
        scope_kinds=",".join(kind.value for kind in kinds),
        scope_states=",".join(states),
        launched_at=now,
        remind_at=now + timedelta(hours=settings.check_remind_after_hours),
        escalate_at=now + timedelta(hours=settings.check_escalate_after_hours),
        closes_at=now + timedelta(hours=settings.check_link_max_age_hours),
    )
    db.add(check)
    db.flush()
    for contact in chosen:
        target = CheckTarget(
            check_id=check.id,
            contact_id=contact.id,
            member_state_id=contact.member_state_id,
            kind=contact.kind,
            sent_at=now,
        )
        target.check = check
        target.contact = contact
        db.add(target)
    db.flush()
    for target in db.scalars(select(CheckTarget).where(CheckTarget.check_id == check.id)):
        _send_link(db, target)
    for organisation_id, user_ids in _readers_of(db, chosen).items():
        asked = sum(1 for c in chosen if c.owner_organisation_id == organisation_id)
        notify(
            db,
            user_ids=user_ids,
            kind=NotificationKind.CONTACT_CHECK,
            title=f"Communication check: please acknowledge {asked} contact(s)",
            body=(
                "A regional communication check asks your organisation's points of contact to "
                "confirm they are reachable. Each contact was e-mailed a link; you may also "
                "acknowledge here."
            ),
            link=f"/contacts/checks/{check.id}/respond",
        )
    return check


# --- acknowledging -------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkTarget:
    target: CheckTarget
    token: str


def emailed_at(db: Session, target: CheckTarget) -> datetime | None:
    """When the mailer sent the target's first e-mail (None while it has not)."""
    if target.email_id is None:
        return None
    return db.scalar(select(OutboundEmail.sent_at).where(OutboundEmail.id == target.email_id))


def _record(db: Session, target: CheckTarget, *, via: str, user_id: str | None) -> CheckTarget:
    now = utcnow()
    sent = emailed_at(db, target)
    # Counted from when the message left the mailer (a queue backlog is not the contact's
    # delay); from the launch only when it never left before the answer came.
    start, target.response_from = (sent, "sent") if sent is not None else (target.sent_at, "launch")
    target.acknowledged_at = now
    target.response_seconds = max(int((now - start).total_seconds()), 0)
    target.acknowledged_via = via
    target.acknowledged_by_id = user_id
    return target


def _check_open(target: CheckTarget) -> None:
    if target.acknowledged_at is not None:
        raise Invalid("this contact has already acknowledged this check", "link")
    if target.check.status is CheckStatus.CLOSED:
        raise Invalid("this communication check has closed", "link")


def target_from_link(db: Session, *, token: str) -> CheckTarget:
    """The target a link is for, if the link is genuine, unexpired, unused and still open."""
    if not token or has_nul(token) or len(token) > 2000:
        raise Invalid("this link is damaged or was not issued by this platform", "link")
    claim = links.read_token(token, PURPOSE)
    if db.get(UsedLink, claim.nonce) is not None:
        raise Invalid("this link has already been used", "link")
    target = db.get(CheckTarget, claim.subject)
    if target is None:
        raise Invalid("this link's check no longer exists", "link")
    _check_open(target)
    return target


def acknowledge_by_link(db: Session, *, token: str) -> CheckTarget:
    """Spend the link and record the response time; a refused link records nothing."""
    target = target_from_link(db, token=token)
    links.consume_token(db, token, PURPOSE)
    _record(db, target, via="link", user_id=None)
    db.flush()
    return target


def acknowledge_in_app(db: Session, *, actor: Actor, check_id: str, target_id: str) -> CheckTarget:
    """A user of the contact's organisation acknowledges for it in the app."""
    target = None if has_nul(target_id) else db.get(CheckTarget, target_id)
    if target is None or target.check_id != check_id:
        raise NotFound("check target")
    contact = contacts.get_or_404(db, reader=actor, contact_id=target.contact_id)
    if contact.owner_organisation_id != actor.organisation_id:
        raise Forbidden("only the contact's own organisation acknowledges for it")
    try:
        _check_open(target)
    except Invalid as error:
        raise Invalid(error.problems[0].message, "target") from error
    _record(db, target, via="app", user_id=actor.user_id)
    db.flush()
    return target


# --- deadlines -----------------------------------------------------------------------------


def run_deadlines(db: Session, payload: dict[str, Any]) -> None:
    """Job handler: remind unanswered contacts, escalate to their admins, close old checks."""
    now = utcnow()
    running = select(ContactCheck.id).where(ContactCheck.status == CheckStatus.RUNNING)
    unanswered = select(CheckTarget).where(
        CheckTarget.check_id.in_(running), CheckTarget.acknowledged_at.is_(None)
    )
    to_remind = db.scalars(
        unanswered.join(ContactCheck, ContactCheck.id == CheckTarget.check_id).where(
            CheckTarget.reminded_at.is_(None), ContactCheck.remind_at <= now
        )
    ).all()
    for target in to_remind:
        _send_link(db, target, reminder=True)
        target.reminded_at = now
    to_escalate = db.scalars(
        unanswered.join(ContactCheck, ContactCheck.id == CheckTarget.check_id).where(
            CheckTarget.escalated_at.is_(None), ContactCheck.escalate_at <= now
        )
    ).all()
    by_org: dict[str, list[CheckTarget]] = {}
    for target in to_escalate:
        target.escalated_at = now
        by_org.setdefault(target.contact.owner_organisation_id, []).append(target)
    for organisation_id, targets in by_org.items():
        admins = set(contacts.organisation_admin_ids(db, organisation_id))
        visible = _readers_of(db, [t.contact for t in targets]).get(organisation_id, set())
        names = ", ".join(sorted(t.contact.name for t in targets)[:20])
        notify(
            db,
            user_ids=admins & visible,
            kind=NotificationKind.CONTACT_CHECK,
            title=f"Escalation: {len(targets)} of your contacts did not answer a check",
            body=f"Not acknowledged after the reminder: {names}. Please make sure they answer.",
            link=f"/contacts/checks/{targets[0].check_id}/respond",
        )
    for check in db.scalars(
        select(ContactCheck).where(
            ContactCheck.status == CheckStatus.RUNNING, ContactCheck.closes_at <= now
        )
    ):
        check.status = CheckStatus.CLOSED
        check.closed_at = now
    db.flush()


def has_deadlines(db: Session) -> bool:
    """Cheap check for the periodic job: is any check still running?"""
    found = db.scalar(
        select(ContactCheck.id).where(ContactCheck.status == CheckStatus.RUNNING).limit(1)
    )
    return found is not None


def close(db: Session, *, actor: Actor, check_id: str) -> ContactCheck:
    """Close a running check early (regional coordinators)."""
    if not may(actor, Action.EDIT, ContactCheck):
        raise Forbidden("communication checks are closed by regional coordinators")
    check = get_or_404(db, check_id=check_id)
    if check.status is CheckStatus.CLOSED:
        raise Invalid("this check is already closed", "status")
    check.status = CheckStatus.CLOSED
    check.closed_at = utcnow()
    db.flush()
    return check


# --- reading -------------------------------------------------------------------------------


def get_or_404(db: Session, *, check_id: str) -> ContactCheck:
    """A check by id (a check's existence and scope are not shared information)."""
    check = None if has_nul(check_id) else db.get(ContactCheck, check_id)
    if check is None:
        raise NotFound("communication check")
    return check


def list_checks(
    db: Session, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[ContactCheck]:
    """The history of checks, newest first."""
    return paginate(
        db,
        select(ContactCheck),
        keys=[ContactCheck.launched_at, ContactCheck.id],
        cursor=cursor,
        limit=limit,
        descending=True,
    )


def _visible_targets(reader: Reader, check_id: str) -> Select[tuple[CheckTarget]]:
    return (
        select(CheckTarget)
        .join(Contact, Contact.id == CheckTarget.contact_id)
        .where(CheckTarget.check_id == check_id, visible_with_hint(reader, Contact))
    )


def targets(
    db: Session,
    *,
    reader: Reader,
    check: ContactCheck,
    show: str = "all",
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[CheckTarget]:
    """One page of the visible targets: ``all``, ``answered`` or ``unanswered``."""
    statement = _visible_targets(reader, check.id)
    if show == "answered":
        statement = statement.where(CheckTarget.acknowledged_at.is_not(None))
    elif show == "unanswered":
        statement = statement.where(CheckTarget.acknowledged_at.is_(None))
    elif show != "all":
        raise Invalid("must be all, answered or unanswered", "show")
    # The page shows each contact's name and state; its organisation is not needed.
    statement = statement.options(
        joinedload(CheckTarget.contact).options(
            joinedload(Contact.member_state), lazyload(Contact.owner_organisation)
        )
    )
    return paginate(db, statement, keys=[CheckTarget.id], cursor=cursor, limit=limit)


def respond_targets(db: Session, *, actor: Actor, check: ContactCheck) -> list[CheckTarget]:
    """The targets of the actor's own organisation in a check (the in-app task)."""
    statement = _visible_targets(actor, check.id).where(
        Contact.owner_organisation_id == actor.organisation_id
    )
    return list(db.scalars(statement.order_by(Contact.name)))


def check_read(db: Session, *, reader: Reader, check: ContactCheck) -> CheckRead:
    """The summary of a check over the contacts the reader may see."""
    overall = check_results.results(db, reader=reader, check=check).overall
    return summary_of(check, overall)


def summary_of(check: ContactCheck, overall: GroupStats) -> CheckRead:
    return shaped(
        CheckRead,
        check,
        status=check.status.value,
        scope_kinds=[k for k in check.scope_kinds.split(",") if k],
        scope_states=[s for s in check.scope_states.split(",") if s],
        asked=overall.asked,
        answered=overall.answered,
        median_seconds=overall.median_seconds,
        p90_seconds=overall.p90_seconds,
    )


def history_counts(
    db: Session, *, reader: Reader, check_ids: list[str]
) -> dict[str, tuple[int, int]]:
    """(asked, answered) per check, over the contacts the reader may see."""
    if not check_ids:
        return {}
    rows = db.execute(
        select(
            CheckTarget.check_id,
            func.count(),
            func.count(CheckTarget.acknowledged_at),
        )
        .join(Contact, Contact.id == CheckTarget.contact_id)
        .where(CheckTarget.check_id.in_(check_ids), visible_with_hint(reader, Contact))
        .group_by(CheckTarget.check_id)
    ).all()
    return {check_id: (int(asked), int(answered)) for check_id, asked, answered in rows}


def target_read(target: CheckTarget) -> TargetRead:
    """The REST view of one (visible) target."""
    contact = target.contact
    return shaped(
        TargetRead,
        target,
        contact_id=contact.id,
        contact_name=contact.name,
        member_state_iso2=contact.member_state.iso2 if contact.member_state else None,
        emailed_at=target.email.sent_at if target.email is not None else None,
    )


def is_unreachable(target: CheckTarget, now: datetime | None = None) -> bool:
    """Unanswered after the escalation deadline (or when the check closed)."""
    if target.acknowledged_at is not None:
        return False
    moment = now or utcnow()
    return target.check.status is CheckStatus.CLOSED or target.check.escalate_at <= moment
