"""Account life cycle by e-mailed, signed, single-use links: password resets and invitations."""

from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, Role, User, UserRole
from aseancyber.access.service import (
    NewSession,
    change_password,
    check_new_password,
    hash_password,
    start_session,
)
from aseancyber.db import utcnow
from aseancyber.errors import Invalid
from aseancyber.notify import links
from aseancyber.notify.models import EmailPriority, OutboundEmail, UsedLink
from aseancyber.notify.service import queue_email
from aseancyber.settings import get_settings

RESET_PURPOSE = "password-reset"
RESET_MAX_AGE_SECONDS = 3600
INVITATION_PURPOSE = "invitation"
INVITATION_MAX_AGE_SECONDS = 7 * 24 * 3600
_RESET_EMAILS_PER_WINDOW = 3
RESET_SUBJECT = "Reset your aseancyber password"
RESET_REQUESTED = (
    "If an account exists for that address, a link to reset its password is on its way. "
    "It works once, within one hour."
)


def link_url(path: str, token: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}{path}?{urlencode({'token': token})}"


def request_password_reset(db: Session, *, email: str) -> None:
    """E-mail a one-hour reset link if the account exists; say nothing either way."""
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        return
    since = utcnow() - timedelta(seconds=get_settings().login_failure_window_seconds)
    recent = db.scalar(
        select(func.count()).where(
            OutboundEmail.to_address == user.email,
            OutboundEmail.subject == RESET_SUBJECT,
            OutboundEmail.created_at >= since,
        )
    )
    if (recent or 0) >= _RESET_EMAILS_PER_WINDOW:
        return  # enough links are on their way; do not let anyone flood the mailbox
    token = links.make_token(RESET_PURPOSE, user.id, max_age_seconds=RESET_MAX_AGE_SECONDS)
    queue_email(
        db,
        to=user.email,
        subject=RESET_SUBJECT,
        body=(
            f"Hello {user.display_name},\n\n"
            "Someone (hopefully you) asked to reset the password of your aseancyber account.\n"
            f"Open this link within one hour to choose a new password:\n\n"
            f"{link_url('/password/reset', token)}\n\n"
            "The link works once. If you did not ask for it, ignore this e-mail.\n"
        ),
        priority=EmailPriority.URGENT,  # the link expires within the hour
    )


def _link_user(db: Session, token: str, purpose: str) -> User:
    claim = links.read_token(token, purpose)
    if db.get(UsedLink, claim.nonce) is not None:
        raise Invalid("this link has already been used", "link")
    user = db.get(User, claim.subject)
    if user is None or not user.is_active:
        raise Invalid("this link is no longer valid", "link")
    return user


def reset_link_user(db: Session, *, token: str) -> User:
    """The user a password-reset link is for, refusing forged, expired and used links."""
    return _link_user(db, token, RESET_PURPOSE)


def reset_password(db: Session, *, token: str, new_password: str) -> User:
    """Spend a reset link and set the new password; signs the user out everywhere."""
    user = _link_user(db, token, RESET_PURPOSE)
    check_new_password(new_password)
    links.consume_token(db, token, RESET_PURPOSE)
    change_password(db, user=user, new_password=new_password)
    return user


def invitation_user(db: Session, *, token: str) -> User:
    """The invited user a link is for, refusing forged, expired, used and accepted links."""
    user = _link_user(db, token, INVITATION_PURPOSE)
    if user.password_hash is not None:
        raise Invalid("this invitation has already been accepted; sign in instead", "link")
    return user


def accept_invitation(db: Session, *, token: str, password: str, address: str) -> NewSession:
    """Spend an invitation link, set the first password and sign the user in."""
    user = invitation_user(db, token=token)
    check_new_password(password)
    links.consume_token(db, token, INVITATION_PURPOSE)
    user.password_hash = hash_password(password)
    db.flush()
    return start_session(db, user=user, address=address)


def invite(
    db: Session,
    *,
    organisation: Organisation,
    email: str,
    display_name: str,
    roles: Iterable[Role],
    invited_by: str,
) -> User:
    """Add a user of ``organisation`` who has no password yet (in the time zone of its member
    state, UTC without one) and e-mail them the invitation to choose one."""
    user = User(
        email=email,
        display_name=display_name,
        organisation_id=organisation.id,
        organisation=organisation,
        password_hash=None,
        time_zone=organisation.member_state.time_zone if organisation.member_state else "UTC",
    )
    user.roles = [UserRole(role=role) for role in roles]
    db.add(user)
    db.flush()
    send_invitation(db, user=user, invited_by=invited_by)
    return user


def send_invitation(db: Session, *, user: User, invited_by: str) -> None:
    """Queue the e-mail that lets an invited user choose a password (valid seven days)."""
    token = links.make_token(
        INVITATION_PURPOSE, user.id, max_age_seconds=INVITATION_MAX_AGE_SECONDS
    )
    queue_email(
        db,
        to=user.email,
        subject="You are invited to aseancyber",
        body=(
            f"Hello {user.display_name},\n\n"
            f"{invited_by} invited you to aseancyber as a member of "
            f"{user.organisation.name}.\n"
            "Open this link within seven days to choose your password and sign in:\n\n"
            f"{link_url('/invitation', token)}\n\n"
            "The link works once.\n"
        ),
    )
