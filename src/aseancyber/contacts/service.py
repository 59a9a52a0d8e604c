"""Points of contact: list, read, create, edit, verify and delete, always through the policy.

Every query starts from ``visible_to(reader, Contact)``: a contact the reader may not see is
NotFound on every path and never counted. Only administrators of the owning organisation
edit its contacts (see :mod:`aseancyber.contacts.models` for the default label).
"""

import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, Role, User
from aseancyber.access.policy import Actor, Reader, set_audience, visible_to
from aseancyber.access.rules import Action, Proposed, require
from aseancyber.access.shareable import (
    audience_for_create,
    audience_for_update,
    check_relabel,
    count_rows,
    get_visible,
    readers_of,
    require_version,
    share_with,
)
from aseancyber.community.service import (
    contains_text,
    get_member_state_or_invalid,
    has_nul,
)
from aseancyber.contacts.models import CheckTarget, Contact, ContactKind
from aseancyber.contacts.schemas import ContactCreate, ContactRead, ContactUpdate
from aseancyber.db import utcnow
from aseancyber.errors import FieldProblem, Invalid
from aseancyber.notify.models import NotificationKind
from aseancyber.notify.service import notify
from aseancyber.settings import get_settings
from aseancyber.shaping import shaped
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate

MAX_EXPORT = 10_000
OPTIONAL_TEXT = frozenset({"role", "sector", "phone", "hours", "pgp_fingerprint", "notes"})


@dataclass(frozen=True)
class ContactFilters:
    kind: ContactKind | None = None
    state: str | None = None
    owner: str | None = None
    q: str | None = None
    stale_only: bool = False


def parse_filters(
    *,
    kind: str | None = None,
    state: str | None = None,
    owner: str | None = None,
    q: str | None = None,
    stale_only: bool = False,
) -> ContactFilters:
    """Filters from query-string text: empty means "any", unknown values are bad input."""
    values = {"kind": kind, "state": state, "owner": owner, "q": q}
    problems = [
        FieldProblem(name, "may not contain NUL characters")
        for name, value in values.items()
        if has_nul(value)
    ]
    parsed_kind = None
    if kind and not problems:
        try:
            parsed_kind = ContactKind(kind.strip())
        except ValueError:
            kinds = ", ".join(k.value for k in ContactKind)
            problems.append(FieldProblem("kind", f"must be one of {kinds}"))
    if problems:
        raise Invalid(problems)
    return ContactFilters(
        kind=parsed_kind,
        state=(state or "").strip().upper() or None,
        owner=(owner or "").strip() or None,
        q=(q or "").strip()[:200] or None,
        stale_only=stale_only,
    )


def stale_before() -> date:
    """Contacts last verified before this date (or never) need verifying."""
    return (utcnow() - timedelta(days=get_settings().contact_verify_after_days)).date()


def needs_verification(contact: Contact) -> bool:
    """Whether the contact has not been verified within the configured number of days."""
    return contact.last_verified_on is None or contact.last_verified_on < stale_before()


def _stale_condition() -> Any:
    return or_(Contact.last_verified_on.is_(None), Contact.last_verified_on < stale_before())


def _visible(db: Session, reader: Reader, filters: ContactFilters) -> Select[tuple[Contact]]:
    statement = select(Contact).where(visible_to(reader, Contact))
    if filters.kind is not None:
        statement = statement.where(Contact.kind == filters.kind)
    if filters.state:
        state = get_member_state_or_invalid(db, iso2=filters.state)
        statement = statement.where(Contact.member_state_id == state.id)
    if filters.owner:
        statement = statement.where(Contact.owner_organisation_id == filters.owner)
    if filters.stale_only:
        statement = statement.where(_stale_condition())
    if filters.q:
        statement = statement.where(
            contains_text(filters.q, Contact.name, Contact.role, Contact.email, Contact.sector)
        )
    return statement


def list_(
    db: Session,
    *,
    reader: Reader,
    filters: ContactFilters = ContactFilters(),
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Contact]:
    """One page of the contacts ``reader`` may see, by name."""
    return paginate(
        db,
        _visible(db, reader, filters),
        keys=[Contact.name, Contact.id],
        cursor=cursor,
        limit=limit,
    )


def count(db: Session, *, reader: Reader, filters: ContactFilters = ContactFilters()) -> int:
    """How many contacts ``reader`` may see that match ``filters``."""
    return count_rows(db, _visible(db, reader, filters))


def all_visible(db: Session, *, reader: Reader, filters: ContactFilters) -> list[Contact]:
    """Every visible contact matching ``filters`` (bounded), by state, kind and name."""
    statement = _visible(db, reader, filters).order_by(
        Contact.member_state_id, Contact.kind, Contact.name, Contact.id
    )
    return list(db.scalars(statement.limit(MAX_EXPORT)))


def get_or_404(db: Session, *, reader: Reader, contact_id: str) -> Contact:
    """The contact, if ``reader`` may see it; NotFound otherwise."""
    return get_visible(db, reader, Contact, contact_id, what="contact")


# --- writing -----------------------------------------------------------------------------------


def create(db: Session, *, actor: Actor, data: ContactCreate) -> Contact:
    """Add a contact to the actor's organisation (its administrators only)."""
    require(actor, Action.CREATE, Proposed(Contact, owner_organisation_id=actor.organisation_id))
    audience = audience_for_create(db, data)
    contact = Contact(
        kind=data.kind,
        name=data.name,
        role=data.role,
        sector=data.sector,
        email=data.email,
        phone=data.phone,
        hours=data.hours,
        time_zone=data.time_zone,
        languages=", ".join(data.languages),
        pgp_fingerprint=data.pgp_fingerprint,
        notes=data.notes,
        last_verified_on=data.last_verified_on,
        focal_point=data.focal_point,
        tlp=data.tlp,
        green_includes_external=data.green_includes_external,
        member_state_id=actor.member_state_id,
        owner_organisation_id=actor.organisation_id,
        created_by_id=actor.user_id,
    )
    db.add(contact)
    db.flush()
    share_with(db, contact, audience)
    return contact


def update(db: Session, *, actor: Actor, contact_id: str, data: ContactUpdate) -> Contact:
    """Edit a contact (the owning organisation's administrators only)."""
    contact = get_or_404(db, reader=actor, contact_id=contact_id)
    require(actor, Action.EDIT, contact, what="contact")
    require_version(contact, data.version, what="contact")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    for field in ("kind", "name", "email", "time_zone"):
        if field in changes and changes[field] is None:
            raise Invalid("may not be empty", field)
    if "tlp" in changes:
        check_relabel(actor, contact, changes["tlp"])
    audience, audience_given = audience_for_update(db, contact, changes)
    _apply(contact, changes)
    db.flush()
    if audience_given:
        share_with(db, contact, audience)
    return contact


def _apply(contact: Contact, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        if field == "languages":
            setattr(contact, field, ", ".join(value or []))
        elif field in OPTIONAL_TEXT and value is None:
            setattr(contact, field, "")
        elif field in {"green_includes_external", "focal_point"} and value is None:
            continue
        else:
            setattr(contact, field, value)
    if changes.get("last_verified_on") is not None:
        contact.stale_reminded_at = None


def verify(db: Session, *, actor: Actor, contact_id: str) -> Contact:
    """Record that the contact's details were confirmed today."""
    contact = get_or_404(db, reader=actor, contact_id=contact_id)
    require(actor, Action.EDIT, contact, what="contact")
    contact.last_verified_on = utcnow().date()
    contact.stale_reminded_at = None
    db.flush()
    return contact


def delete(db: Session, *, actor: Actor, contact_id: str) -> None:
    """Remove a contact, its audience and its communication-check history."""
    contact = get_or_404(db, reader=actor, contact_id=contact_id)
    require(actor, Action.DELETE, contact, what="contact")
    set_audience(db, contact)
    db.delete(contact)
    db.flush()


def read(contact: Contact) -> ContactRead:
    """The REST view of one (visible) contact."""
    return shaped(
        ContactRead,
        contact,
        languages=contact.language_list,
        member_state_iso2=contact.member_state.iso2 if contact.member_state else None,
        owner_organisation_name=contact.owner_organisation.name,
        needs_verification=needs_verification(contact),
    )


# --- stale contacts: the periodic reminder --------------------------------------------------


def organisation_admin_ids(db: Session, organisation_id: str) -> list[str]:
    """The active administrators of an organisation (who are reminded and escalated to)."""
    rows = db.scalars(
        select(User)
        .where(User.organisation_id == organisation_id, User.is_active.is_(True))
        .order_by(User.id)
    )
    return [user.id for user in rows if Role.ORGANISATION_ADMIN in user.role_set]


def remind_stale_contacts(db: Session, payload: dict[str, Any]) -> None:
    """Job handler: flag contacts not verified in time and remind their organisation admins.

    Each stale contact is reminded about once per verification period; admins are members
    of the owning organisation and so see the contact whatever its label (RED aside, where
    only a named admin is told).
    """
    period = timedelta(days=get_settings().contact_verify_after_days)
    now = utcnow()
    due = db.scalars(
        select(Contact)
        .where(
            _stale_condition(),
            or_(Contact.stale_reminded_at.is_(None), Contact.stale_reminded_at < now - period),
        )
        .order_by(Contact.owner_organisation_id, Contact.name)
        .limit(MAX_EXPORT)
    ).all()
    by_organisation: dict[str, list[Contact]] = {}
    for contact in due:
        by_organisation.setdefault(contact.owner_organisation_id, []).append(contact)
        contact.stale_reminded_at = now
    for organisation_id, contacts in by_organisation.items():
        admins = organisation_admin_ids(db, organisation_id)
        for contact in contacts:
            notify(
                db,
                user_ids=readers_of(db, contact, admins),
                kind=NotificationKind.CONTACT_VERIFY,
                title=f"Please verify the point of contact {contact.name}",
                body=(
                    "This contact has not been verified for more than "
                    f"{get_settings().contact_verify_after_days} days. Check its details "
                    "and mark it verified."
                ),
                link=f"/contacts/{contact.id}",
            )
    db.flush()


def has_stale_to_remind(db: Session) -> bool:
    """Cheap check for the periodic job: is any contact due a reminder?"""
    period = timedelta(days=get_settings().contact_verify_after_days)
    found = db.scalar(
        select(Contact.id)
        .where(
            _stale_condition(),
            or_(
                Contact.stale_reminded_at.is_(None),
                Contact.stale_reminded_at < utcnow() - period,
            ),
        )
        .limit(1)
    )
    return found is not None


# --- evidence for the norms ----------------------------------------------------------------


def evidence_for_state(db: Session, *, reader: Reader, member_state_id: str) -> dict[str, Any]:
    """Reachability of a state's contacts in communication checks: aggregates only.

    Counts and response times over the check targets whose contact ``reader`` may see (no
    names, no ids): a contact hidden from the reader is never counted, so no figure can
    reveal it.
    """
    rows = db.execute(
        select(CheckTarget.acknowledged_at, CheckTarget.response_seconds)
        .join(Contact, Contact.id == CheckTarget.contact_id)
        .where(CheckTarget.member_state_id == member_state_id, visible_to(reader, Contact))
    ).all()
    asked = len(rows)
    times = sorted(seconds for at, seconds in rows if at is not None and seconds is not None)
    answered = sum(1 for at, _ in rows if at is not None)
    state = db.get(MemberState, member_state_id)
    contacts = db.scalar(
        select(func.count())
        .select_from(Contact)
        .where(Contact.member_state_id == member_state_id, visible_to(reader, Contact))
    )
    return {
        "member_state_iso2": state.iso2 if state else None,
        "contacts": int(contacts or 0),
        "checks_asked": asked,
        "checks_answered": answered,
        "reachability": round(answered / asked, 3) if asked else None,
        "median_response_seconds": statistics.median(times) if times else None,
    }
