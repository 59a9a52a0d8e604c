"""Identity: passwords, sign-in sessions, second factor, API tokens, and who the actor is."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import cast
from zoneinfo import available_timezones

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Table, delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from aseancyber import audit
from aseancyber.access.models import (
    ApiToken,
    LoginAttempt,
    LoginSession,
    RecoveryCode,
    TokenScope,
    User,
)
from aseancyber.access.policy import Actor
from aseancyber.db import utcnow
from aseancyber.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    Invalid,
    NotAuthenticated,
    NotFound,
    TooManyAttempts,
)
from aseancyber.settings import get_settings

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "acy_"  # noqa: S105 - a public prefix that makes leaked tokens recognisable
RECOVERY_CODE_COUNT = 10


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def hash_password(password: str) -> str:
    """Hash a password with argon2id, refusing ones too short to be safe."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"must be at least {MIN_PASSWORD_LENGTH} characters long", "password")
    return _hasher.hash(password)


def _password_matches(user: User | None, password: str) -> bool:
    try:
        # Verify against a dummy hash for unknown accounts so timing does not reveal them.
        return _hasher.verify(
            user.password_hash if user and user.password_hash else _DUMMY_HASH, password
        ) and (user is not None and user.password_hash is not None)
    except (VerificationError, InvalidHashError):
        return False


def actor_for(user: User, *, token: ApiToken | None = None) -> Actor:
    """The policy's view of a user: organisation, state, community membership and roles."""
    return Actor(
        user_id=user.id,
        organisation_id=user.organisation_id,
        member_state_id=user.organisation.member_state_id,
        is_community=user.organisation.is_community,
        roles=user.role_set,
        time_zone=user.time_zone,
        display_name=user.display_name,
        via_token=token is not None,
        token_can_write=token is None or token.scope is TokenScope.READ_WRITE,
    )


# --- sign-in -------------------------------------------------------------------------------


def _check_throttle(db: Session, *, email: str, address: str) -> None:
    settings = get_settings()
    since = utcnow() - timedelta(seconds=settings.login_failure_window_seconds)
    by_account = db.scalar(
        select(func.count()).where(LoginAttempt.email == email, LoginAttempt.at >= since)
    )
    by_address = db.scalar(
        select(func.count()).where(LoginAttempt.address == address, LoginAttempt.at >= since)
    )
    if (by_account or 0) >= settings.login_max_failures_per_account or (
        by_address or 0
    ) >= settings.login_max_failures_per_address:
        minutes = max(1, settings.login_failure_window_seconds // 60)
        raise TooManyAttempts(
            f"too many failed sign-ins; try again in {minutes} minutes or reset your password"
        )


def authenticate(db: Session, *, email: str, password: str, address: str) -> User:
    """Check an e-mail and password, counting failures per account and per address."""
    email = email.strip().lower()
    _check_throttle(db, email=email, address=address)
    user = db.scalar(select(User).where(User.email == email))
    if not _password_matches(user, password) or user is None or not user.is_active:
        db.add(LoginAttempt(email=email, address=address))
        db.flush()
        audit.record(
            db,
            action="user.login_failed",
            record_kind="app_user",
            record_id=user.id if user else "",
            record_organisation_id=user.organisation_id if user else None,
        )
        raise NotAuthenticated("the e-mail address or password is not correct")
    assert user.password_hash is not None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def note_sign_in(db: Session, user: User) -> None:
    """Record when ``user`` signed in, without making it a new version of the account, and
    write the ``user.login`` audit entry.

    The account's version guards edits of its fields (an administrator changing roles, the
    user their time zone); a sign-in is not one. Two sign-ins at once (two tabs, a script
    and a browser) must neither conflict with each other nor with such an edit, so this is
    a plain UPDATE of the one column.
    """
    at = utcnow()
    table = cast(Table, User.__table__)  # the table, not the mapper: no version bump
    db.execute(update(table).where(table.c.id == user.id).values(last_login_at=at))
    set_committed_value(user, "last_login_at", at)
    audit.record(
        db,
        action="user.login",
        record_kind="app_user",
        record_id=user.id,
        record_organisation_id=user.organisation_id,
        actor=actor_for(user),
    )


@dataclass(frozen=True)
class NewSession:
    cookie_value: str
    session: LoginSession


def start_session(db: Session, *, user: User, address: str) -> NewSession:
    """Open a browser session; it still needs the second factor if the user has one."""
    settings = get_settings()
    raw = secrets.token_urlsafe(32)
    session = LoginSession(
        id=sha256(raw),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + timedelta(seconds=settings.session_max_age_seconds),
        second_factor_done=not user.totp_enabled,
        address=address[:64],
    )
    db.add(session)
    if session.second_factor_done:
        note_sign_in(db, user)
    db.flush()
    return NewSession(raw, session)


def session_from_cookie(db: Session, cookie_value: str | None) -> LoginSession | None:
    """The live session a cookie names, or ``None`` when it is unknown or expired."""
    if not cookie_value:
        return None
    session = db.get(LoginSession, sha256(cookie_value))
    if session is None or session.expires_at <= utcnow() or not session.user.is_active:
        return None
    return session


def end_session(db: Session, *, session: LoginSession) -> None:
    """Sign out: delete the session (a half-finished sign-in leaves no logout entry)."""
    if not session.second_factor_done:
        db.delete(session)
        db.flush()
        return
    audit.record(
        db,
        action="user.logout",
        record_kind="app_user",
        record_id=session.user_id,
        record_organisation_id=session.user.organisation_id,
        actor=actor_for(session.user),
    )
    db.delete(session)
    db.flush()


def end_all_sessions(db: Session, *, user_id: str) -> None:
    db.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


def change_password(db: Session, *, user: User, new_password: str) -> None:
    """Set a new password and sign the user out everywhere."""
    user.password_hash = hash_password(new_password)
    db.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    end_all_sessions(db, user_id=user.id)
    db.flush()


# --- second factor (TOTP) ------------------------------------------------------------------


def begin_totp_enrolment(db: Session, *, user: User) -> str:
    """Give the user a fresh TOTP secret to scan; it counts only once a code confirms it."""
    if user.totp_enabled:
        raise Invalid("a second factor is already enrolled; remove it first", "totp")
    user.totp_secret = pyotp.random_base32()
    db.flush()
    return provisioning_uri(user)


def provisioning_uri(user: User) -> str:
    assert user.totp_secret is not None
    return pyotp.TOTP(user.totp_secret).provisioning_uri(
        name=user.email, issuer_name=get_settings().node_name
    )


def _totp_ok(user: User, code: str) -> bool:
    """Accept a code from the previous, current or next 30-second step, once only."""
    if not user.totp_secret:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    given = code.strip().replace(" ", "")
    now = totp.timecode(utcnow())
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), given):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False  # a replayed (or older) code
            user.totp_last_step = step
            return True
    return False


def confirm_totp_enrolment(db: Session, *, user: User, code: str) -> list[str]:
    """Enable TOTP once a code proves the app has the secret; return one-time recovery codes."""
    if user.totp_enabled or not user.totp_secret:
        raise Invalid("start the enrolment first", "totp")
    if not _totp_ok(user, code):
        raise Invalid("the code does not match; check the time on your device", "code")
    user.totp_enabled = True
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODE_COUNT)]
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    for code_text in codes:
        db.add(RecoveryCode(user_id=user.id, code_hash=sha256(code_text)))
    db.flush()
    return codes


def disable_totp(db: Session, *, user: User) -> None:
    if user.organisation.require_totp:
        raise Invalid("your organisation requires a second factor", "totp")
    user.totp_enabled = False
    user.totp_secret = None
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.flush()


def complete_second_factor(db: Session, *, session: LoginSession, code: str, address: str) -> None:
    """Finish sign-in with a TOTP code or an unused recovery code."""
    user = session.user
    _check_throttle(db, email=user.email, address=address)
    recovery = db.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == sha256(code.strip().lower()),
            RecoveryCode.used_at.is_(None),
        )
    )
    if not _totp_ok(user, code) and recovery is None:
        db.add(LoginAttempt(email=user.email, address=address))
        db.flush()
        raise Invalid("the code is not correct", "code")
    if recovery is not None:
        recovery.used_at = utcnow()
    session.second_factor_done = True
    note_sign_in(db, user)
    db.flush()


def remaining_recovery_codes(db: Session, *, user: User) -> int:
    return (
        db.scalar(
            select(func.count()).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


# --- API tokens ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewToken:
    secret: str
    token: ApiToken


def create_token(
    db: Session, *, user: User, name: str, scope: TokenScope, expires_at: datetime | None
) -> NewToken:
    """Create an API token; its secret is returned once and only its digest is kept."""
    if expires_at is not None and expires_at <= utcnow():
        raise Invalid("must be in the future", "expires_at")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip(),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=sha256(secret),
        scope=scope,
        expires_at=expires_at,
    )
    db.add(token)
    db.flush()
    return NewToken(secret, token)


def token_from_secret(db: Session, secret: str) -> ApiToken | None:
    """The live token a bearer secret names (a read: its use is recorded apart)."""
    token = db.scalar(select(ApiToken).where(ApiToken.token_hash == sha256(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    return token


def record_token_use(db: Session, *, token_id: str, at: datetime) -> None:
    """Record that a token was used at ``at`` (never moving the time backwards)."""
    db.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < at),
        )
        .values(last_used_at=at)
    )


def list_tokens(db: Session, *, user: User) -> list[ApiToken]:
    return list(
        db.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        )
    )


def revoke_token(db: Session, *, user: User, token_id: str) -> ApiToken:
    token = db.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.flush()
    return token


# --- account: profile, own password, second-factor requirement -----------------------------


class EnrolmentRequired(Forbidden):
    """The organisation requires a second factor and the user has not enrolled one yet."""

    title = "Second factor required"


def must_enrol_totp(user: User) -> bool:
    """Whether the user must enrol TOTP before using anything else."""
    return user.organisation.require_totp and not user.totp_enabled


def pending_totp_uri(db: Session, *, user: User) -> str:
    """The provisioning URI of the enrolment in progress, starting one if there is none."""
    if user.totp_secret and not user.totp_enabled:
        return provisioning_uri(user)
    return begin_totp_enrolment(db, user=user)


def check_password(user: User, password: str, *, field_name: str = "current_password") -> None:
    """Refuse unless ``password`` is the user's current password."""
    if not _password_matches(user, password):
        raise Invalid("is not your current password", field_name)


def check_new_password(password: str, confirmation: str | None = None) -> None:
    """Refuse a new password that is too short or does not match its confirmation."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"must be at least {MIN_PASSWORD_LENGTH} characters long", "password")
    if confirmation is not None and confirmation != password:
        raise Invalid("does not match the new password", "password_confirm")


def change_own_password(
    db: Session, *, user: User, current_password: str, new_password: str
) -> None:
    """Change a password after checking the current one; signs the user out everywhere."""
    check_password(user, current_password)
    change_password(db, user=user, new_password=new_password)


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    """Every IANA time zone name this system knows, sorted."""
    return tuple(sorted(available_timezones()))


def update_profile(
    db: Session, *, user: User, version: int, display_name: str, time_zone: str
) -> User:
    """Change the user's own display name and time zone."""
    problems: list[FieldProblem] = []
    name = ""
    try:
        name = clean_display_name(display_name)
    except Invalid as error:
        problems += error.problems
    if time_zone not in time_zones():
        problems.append(FieldProblem("time_zone", "is not a known time zone"))
    if problems:
        raise Invalid(problems)
    check_version(user, version)
    user.display_name = name
    user.time_zone = time_zone
    db.flush()
    return user


def clean_display_name(display_name: str) -> str:
    """A display name stripped of surrounding space, refusing empty, long or control text."""
    name = display_name.strip()
    if not name or len(name) > 200:
        raise Invalid("must be 1 to 200 characters", "display_name")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise Invalid("must not contain control characters", "display_name")
    return name


def check_version(user: User, version: int) -> None:
    """Refuse a change made to an older version of the user than the stored one."""
    if user.version != version:
        raise Conflict(
            "someone else changed this user since you loaded it; reload and apply your change again"
        )


def user_of(db: Session, actor: Actor) -> User:
    """The signed-in user behind ``actor``."""
    user = db.get(User, actor.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("this account no longer exists or was deactivated")
    return user
