"""Who may be told about a record: notifications go only to users the policy lets see it."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, OrganisationKind, User, UserRole
from aseancyber.access.permissions import ROLE_PERMISSIONS, Permission
from aseancyber.access.policy import Shareable
from aseancyber.access.shareable import readers_of
from aseancyber.notify.models import NotificationKind
from aseancyber.notify.service import notify
from aseancyber.positions.models import Position

ENDORSING_KINDS = frozenset(
    {OrganisationKind.FOREIGN_MINISTRY, OrganisationKind.NATIONAL_CYBER_AGENCY}
)
"""Organisations through which a member state answers a common position."""


def roles_with(permission: Permission) -> list[str]:
    """The roles that grant ``permission``."""
    return sorted(role.value for role, granted in ROLE_PERMISSIONS.items() if permission in granted)


def endorser_ids(db: Session, *, member_state_ids: Iterable[str] | None = None) -> list[str]:
    """Active users who may answer for their member state (all states, or those given)."""
    statement = (
        select(User.id)
        .join(Organisation, User.organisation_id == Organisation.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.is_active.is_(True),
            Organisation.kind.in_(ENDORSING_KINDS),
            Organisation.member_state_id.is_not(None),
            UserRole.role.in_(roles_with(Permission.POSITION_ENDORSE)),
        )
    )
    if member_state_ids is not None:
        statement = statement.where(Organisation.member_state_id.in_(list(member_state_ids)))
    return sorted(set(db.scalars(statement)))


def organisation_user_ids(db: Session, *, organisation_id: str) -> list[str]:
    """Active users of one organisation who may write records (contributors and up)."""
    statement = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.is_active.is_(True),
            User.organisation_id == organisation_id,
            UserRole.role.in_(roles_with(Permission.RECORD_CREATE)),
        )
    )
    return sorted(set(db.scalars(statement)))


def tell(
    db: Session,
    *,
    record: Shareable,
    user_ids: Iterable[str | None],
    kind: NotificationKind,
    title: str,
    body: str = "",
    link: str = "",
    skip: str | None = None,
) -> list[str]:
    """Notify those of ``user_ids`` who may see ``record`` (never ``skip``); returns who."""
    allowed = readers_of(db, record, user_ids, skip=skip)
    notify(db, user_ids=allowed, kind=kind, title=title, body=body, link=link)
    return allowed


def tell_drafter(
    db: Session, *, position: Position, title: str, body: str, anchor: str, skip: str | None
) -> list[str]:
    """Notify the user who started ``position`` of something on it, linked at ``anchor``."""
    return tell(
        db,
        record=position,
        user_ids=[position.created_by_id],
        kind=NotificationKind.POSITION,
        title=title,
        body=body,
        link=f"/positions/{position.id}{anchor}",
        skip=skip,
    )


def tell_everyone(
    db: Session,
    *,
    position: Position,
    title: str,
    body: str,
    anchor: str = "",
    kind: NotificationKind = NotificationKind.POSITION,
    skip: str | None = None,
) -> list[str]:
    """Notify every member state's endorsers and the drafter of a step in the life of
    ``position`` (those who may see it), linked at ``anchor``."""
    return tell(
        db,
        record=position,
        user_ids=[*endorser_ids(db), position.created_by_id],
        kind=kind,
        title=title,
        body=body,
        link=f"/positions/{position.id}{anchor}",
        skip=skip,
    )
