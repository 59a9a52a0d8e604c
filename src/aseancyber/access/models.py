"""Sign-in sessions, API tokens, TOTP recovery codes and login attempts."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aseancyber.community.models import User
from aseancyber.db import Base, db_enum, id_column, utcnow


class TokenScope(StrEnum):
    READ = "read"
    READ_WRITE = "read_write"


class LoginSession(Base):
    """A browser session; the cookie holds a random secret whose SHA-256 is the key here."""

    __tablename__ = "login_session"
    __audited__ = False  # sign-in and sign-out are audited as events, not as row changes

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    second_factor_done: Mapped[bool] = mapped_column(default=False)
    address: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token for scripts: shown once, stored as a SHA-256 digest."""

    __tablename__ = "api_token"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[TokenScope] = mapped_column(db_enum(TokenScope, "token_scope"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class RecoveryCode(Base):
    __tablename__ = "recovery_code"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class LoginAttempt(Base):
    """Failed sign-ins, counted per account and per address to slow down guessing."""

    __tablename__ = "login_attempt"
    __audited__ = False
    __table_args__ = (
        Index("ix_login_attempt_email_at", "email", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
