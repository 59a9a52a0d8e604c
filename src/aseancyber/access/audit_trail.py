"""Reading the audit trail: which entries a reader may list, and the names shown with them."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from aseancyber.access import audit_visibility as visibility
from aseancyber.access.models import Organisation, User
from aseancyber.access.permissions import Permission, permissions_of
from aseancyber.access.policy import Actor
from aseancyber.audit.models import AuditEntry
from aseancyber.errors import Invalid
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate


def visible_entries_filter(actor: Actor, *, all_organisations: bool) -> ColumnElement[bool]:
    """The entries ``actor`` may list: their role's trail, about records they may see."""
    return and_(
        visibility.role_trail(actor, all_organisations=all_organisations),
        visibility.about_visible_records(actor),
    )


# --- reading the trail ---------------------------------------------------------------------


def reads_all_organisations(actor: Actor) -> bool:
    """Whether ``actor`` reads the whole trail (platform admins) or only their organisation's."""
    return Permission.AUDIT_READ_ALL in permissions_of(actor.roles)


def list_entries(
    db: Session,
    *,
    actor: Actor,
    action: str | None = None,
    record_kind: str | None = None,
    actor_user: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[AuditEntry]:
    """One page of the entries ``actor`` may read, newest first, narrowed by the filters.

    ``action`` matches exactly, or as a prefix when it ends with ``*``; ``actor_user`` is a
    user id or an e-mail address; ``since`` is inclusive and ``until`` exclusive.
    """
    for field, value in (("action", action), ("record_kind", record_kind), ("actor", actor_user)):
        if value and "\x00" in value:  # PostgreSQL refuses NUL in text; say so, do not fail
            raise Invalid("must not contain NUL characters", field)
    if since is not None and until is not None and since >= until:
        raise Invalid("must be later than the start of the range", "until")
    statement = select(AuditEntry).where(
        visible_entries_filter(actor, all_organisations=reads_all_organisations(actor))
    )
    if action:
        action = action.strip()
        if action.endswith("*"):
            statement = statement.where(
                AuditEntry.action.startswith(action.rstrip("*"), autoescape=True)
            )
        else:
            statement = statement.where(AuditEntry.action == action)
    if record_kind:
        statement = statement.where(AuditEntry.record_kind == record_kind.strip())
    if actor_user:
        who = actor_user.strip()
        statement = statement.where(
            AuditEntry.actor_user_id.in_(select(User.id).where(User.email == who.lower()))
            if "@" in who
            else AuditEntry.actor_user_id == who
        )
    if since is not None:
        statement = statement.where(AuditEntry.at >= since)
    if until is not None:
        statement = statement.where(AuditEntry.at < until)
    return paginate(
        db, statement, keys=[AuditEntry.seq], cursor=cursor, limit=limit, descending=True
    )


@dataclass(frozen=True)
class EntryNames:
    """Display names for the users and organisations a page of entries mentions."""

    users: dict[str, str]
    organisations: dict[str, str]


def names_for(db: Session, entries: Iterable[AuditEntry]) -> EntryNames:
    """Look up, in two queries, who and which organisations a page of entries names."""
    entries = list(entries)
    user_ids = {e.actor_user_id for e in entries if e.actor_user_id}
    organisation_ids = {
        value
        for e in entries
        for value in (e.actor_organisation_id, e.record_organisation_id)
        if value
    }
    users = dict(
        db.execute(select(User.id, User.email).where(User.id.in_(user_ids))).tuples().all()
    )
    organisations = dict(
        db.execute(
            select(Organisation.id, Organisation.short_name).where(
                Organisation.id.in_(organisation_ids)
            )
        )
        .tuples()
        .all()
    )
    return EntryNames(users, organisations)
