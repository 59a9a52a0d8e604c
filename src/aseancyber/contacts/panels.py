"""The contacts dashboard panel (declared in the domain's manifest): the
reader's organisation's open communication-check tasks and its contacts due verifying."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor, visible_to
from aseancyber.access.rules import Action, Proposed, may
from aseancyber.contacts import service
from aseancyber.contacts.models import CheckStatus, CheckTarget, Contact, ContactCheck
from aseancyber.db import utcnow
from aseancyber.plugins import Panel

SHOWN = 5


@dataclass(frozen=True)
class OpenTask:
    check_id: str
    title: str
    waiting: int  # the organisation's contacts that have not acknowledged yet
    escalate_at_passed: bool


def open_tasks(db: Session, *, actor: Actor) -> list[OpenTask]:
    """Running checks in which contacts of the actor's organisation (that the actor may see)
    have not acknowledged yet, the oldest first."""
    rows = db.execute(
        select(ContactCheck.id, ContactCheck.title, ContactCheck.escalate_at, func.count())
        .join(CheckTarget, CheckTarget.check_id == ContactCheck.id)
        .join(Contact, Contact.id == CheckTarget.contact_id)
        .where(
            ContactCheck.status == CheckStatus.RUNNING,
            CheckTarget.acknowledged_at.is_(None),
            Contact.owner_organisation_id == actor.organisation_id,
            visible_to(actor, Contact),
        )
        .group_by(ContactCheck.id, ContactCheck.title, ContactCheck.escalate_at)
        .order_by(ContactCheck.escalate_at, ContactCheck.id)
    ).tuples()
    now = utcnow()
    return [
        OpenTask(check_id, title, int(waiting), escalate_at <= now)
        for check_id, title, escalate_at, waiting in rows
    ]


def contact_tasks(db: Session, actor: Actor) -> Panel | None:
    """Open check tasks and stale contacts of the reader's organisation (nothing: no panel)."""
    tasks = open_tasks(db, actor=actor)
    stale = service.count(
        db,
        reader=actor,
        filters=service.ContactFilters(owner=actor.organisation_id, stale_only=True),
    )
    if not tasks and not stale:
        return None
    return Panel(
        "Points of contact: your tasks",
        "contacts/panels/tasks.html",
        {
            "tasks": tasks[:SHOWN],
            "more_tasks": max(len(tasks) - SHOWN, 0),
            "stale": stale,
            "can_verify": may(
                actor, Action.EDIT, Proposed(Contact, owner_organisation_id=actor.organisation_id)
            ),
            "organisation_id": actor.organisation_id,
        },
        more_href="/contacts/checks",
        more_label="All communication checks",
    )
