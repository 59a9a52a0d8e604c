"""User administration: who an administrator may manage, invitations, roles and deactivation.

Organisation administrators manage the users of their own organisation; platform
administrators manage every organisation. A user outside an administrator's reach is
"not found", never "forbidden", exactly like a record the policy hides.
"""

from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, Role, User, UserRole
from aseancyber.access.permissions import PLATFORM_WIDE
from aseancyber.access.policy import Actor
from aseancyber.access.service import check_version, clean_display_name, end_all_sessions
from aseancyber.community import accounts
from aseancyber.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate

# Roles that reach beyond one organisation: only platform administrators grant or remove them.
PRIVILEGED_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.REGIONAL_COORDINATOR})


def is_platform_wide(actor: Actor) -> bool:
    return bool(actor.roles & PLATFORM_WIDE)


def users_managed_by(actor: Actor) -> ColumnElement[bool]:
    """The SQL condition selecting the users ``actor`` may administer."""
    if is_platform_wide(actor):
        return true()
    return User.organisation_id == actor.organisation_id


def organisations_managed_by(actor: Actor) -> ColumnElement[bool]:
    """The SQL condition selecting the organisations ``actor`` may administer users of."""
    if is_platform_wide(actor):
        return true()
    return Organisation.id == actor.organisation_id


def grantable_roles(actor: Actor) -> list[Role]:
    """The roles ``actor`` may grant or remove."""
    return [r for r in Role if is_platform_wide(actor) or r not in PRIVILEGED_ROLES]


def list_users(
    db: Session,
    *,
    actor: Actor,
    organisation_id: str | None = None,
    query: str = "",
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[User]:
    """One page of the users ``actor`` administers, by e-mail, optionally filtered."""
    statement = select(User).where(users_managed_by(actor))
    if organisation_id:
        statement = statement.where(User.organisation_id == organisation_id)
    text = query.strip().lower()
    if text:
        statement = statement.where(
            or_(
                User.email.contains(text, autoescape=True),
                User.display_name.ilike(f"%{_escape_like(text)}%", escape="\\"),
            )
        )
    return paginate(db, statement, keys=[User.email], cursor=cursor, limit=limit)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_organisations(db: Session, *, actor: Actor) -> list[Organisation]:
    """The organisations ``actor`` may administer users of, by name."""
    return list(
        db.scalars(
            select(Organisation).where(organisations_managed_by(actor)).order_by(Organisation.name)
        )
    )


def get_user(db: Session, *, actor: Actor, user_id: str) -> User:
    """A user ``actor`` administers, or NotFound."""
    user = db.scalar(select(User).where(User.id == user_id, users_managed_by(actor)))
    if user is None:
        raise NotFound("user")
    return user


def _check_roles(actor: Actor, *, before: frozenset[Role], after: frozenset[Role]) -> None:
    if not after:
        raise Invalid("choose at least one role", "roles")
    if is_platform_wide(actor):
        return
    changed = (before ^ after) & PRIVILEGED_ROLES
    if changed:
        names = ", ".join(sorted(r.value for r in changed))
        raise Forbidden(f"only platform administrators may grant or remove the roles: {names}")


def _normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise Invalid(str(error), "email") from error


def invite_user(
    db: Session,
    *,
    actor: Actor,
    email: str,
    display_name: str,
    roles: Iterable[Role],
    organisation_id: str | None = None,
) -> User:
    """Create a user without a password and e-mail them a seven-day invitation link."""
    problems: list[FieldProblem] = []
    try:
        address = _normalise_email(email)
    except Invalid as error:
        problems += error.problems
    try:
        name = clean_display_name(display_name)
    except Invalid as error:
        problems += error.problems
    if problems:
        raise Invalid(problems)
    organisation = db.scalar(
        select(Organisation).where(
            Organisation.id == (organisation_id or actor.organisation_id),
            organisations_managed_by(actor),
        )
    )
    if organisation is None:
        raise NotFound("organisation")
    role_set = frozenset(roles)
    _check_roles(actor, before=frozenset(), after=role_set)
    if db.scalar(select(User.id).where(User.email == address)) is not None:
        raise Conflict("a user with this e-mail address already exists")
    return accounts.invite(
        db,
        organisation=organisation,
        email=address,
        display_name=name,
        roles=sorted(role_set),
        invited_by=actor.display_name or "An administrator",
    )


def resend_invitation(db: Session, *, actor: Actor, user_id: str) -> User:
    """Send a fresh invitation to a user who has not chosen a password yet."""
    user = get_user(db, actor=actor, user_id=user_id)
    if user.password_hash is not None:
        raise Invalid("this user has already accepted the invitation", "user")
    accounts.send_invitation(db, user=user, invited_by=actor.display_name or "An administrator")
    return user


def update_user(
    db: Session,
    *,
    actor: Actor,
    user_id: str,
    version: int,
    display_name: str | None = None,
    roles: Iterable[Role] | None = None,
    is_active: bool | None = None,
) -> User:
    """Change a user's name, roles or active flag, refusing edits made to an older version."""
    user = get_user(db, actor=actor, user_id=user_id)
    check_version(user, version)
    current = user.role_set
    if not is_platform_wide(actor) and current & {Role.PLATFORM_ADMIN}:
        raise Forbidden("only platform administrators may change a platform administrator")
    if display_name is not None:
        user.display_name = clean_display_name(display_name)
    if roles is not None:
        wanted = frozenset(roles)
        if wanted != current:
            if user.id == actor.user_id:
                raise Forbidden("nobody may change their own roles")
            _check_roles(actor, before=current, after=wanted)
            user.roles = [r for r in user.roles if r.role in wanted] + [
                UserRole(role=role) for role in sorted(wanted - current)
            ]
            # Role rows are children: bump the user's version so concurrent edits still clash.
            user.version = user.version + 1
    if is_active is not None and is_active != user.is_active:
        if user.id == actor.user_id:
            raise Forbidden("you may not deactivate your own account")
        user.is_active = is_active
        if not is_active:
            end_all_sessions(db, user_id=user.id)
    db.flush()
    return user


def set_require_totp(
    db: Session, *, actor: Actor, organisation_id: str, required: bool
) -> Organisation:
    """Require (or stop requiring) a second factor for every user of an organisation."""
    organisation = db.scalar(
        select(Organisation).where(
            Organisation.id == organisation_id, organisations_managed_by(actor)
        )
    )
    if organisation is None:
        raise NotFound("organisation")
    if organisation.require_totp != required:
        organisation.require_totp = required
        db.flush()
    return organisation
