"""Who acts: member states, organisations, users and their roles; sign-in sessions, API
tokens, TOTP recovery codes and login attempts."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aseancyber.db import Base, db_enum, id_column, utcnow


class OrganisationKind(StrEnum):
    NATIONAL_CYBER_AGENCY = "national_cyber_agency"
    NATIONAL_CERT = "national_cert"
    LAW_ENFORCEMENT = "law_enforcement_24_7"
    DEFENCE = "defence"
    FOREIGN_MINISTRY = "foreign_ministry"
    SECTOR_REGULATOR = "sector_regulator"
    CI_OPERATOR = "ci_operator"
    VENDOR = "vendor"
    RESEARCHER = "researcher"
    SECRETARIAT = "asean_secretariat"
    DIALOGUE_PARTNER_AGENCY = "dialogue_partner_agency"


# Government bodies of a member state and the Secretariat form the TLP:GREEN community;
# vendors, operators, researchers and dialogue partners are external parties.
GOVERNMENT_KINDS = frozenset(
    {
        OrganisationKind.NATIONAL_CYBER_AGENCY,
        OrganisationKind.NATIONAL_CERT,
        OrganisationKind.LAW_ENFORCEMENT,
        OrganisationKind.DEFENCE,
        OrganisationKind.FOREIGN_MINISTRY,
        OrganisationKind.SECTOR_REGULATOR,
    }
)


class Role(StrEnum):
    VIEWER = "viewer"
    CONTRIBUTOR = "contributor"
    COORDINATOR = "coordinator"
    ORGANISATION_ADMIN = "organisation_admin"
    REGIONAL_COORDINATOR = "regional_coordinator"
    PLATFORM_ADMIN = "platform_admin"


class MemberState(Base):
    __tablename__ = "member_state"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(100), unique=True)
    iso2: Mapped[str] = mapped_column(String(2), unique=True)
    iso3: Mapped[str] = mapped_column(String(3), unique=True)
    accession_date: Mapped[date]
    time_zone: Mapped[str] = mapped_column(String(64))


class DialoguePartner(Base):
    __tablename__ = "dialogue_partner"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(100), unique=True)
    code: Mapped[str] = mapped_column(String(3), unique=True)


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[OrganisationKind] = mapped_column(db_enum(OrganisationKind, "organisation_kind"))
    member_state_id: Mapped[str | None] = mapped_column(ForeignKey("member_state.id"), index=True)
    dialogue_partner_id: Mapped[str | None] = mapped_column(ForeignKey("dialogue_partner.id"))
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    require_totp: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    member_state: Mapped[MemberState | None] = relationship(lazy="joined")
    dialogue_partner: Mapped[DialoguePartner | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_community(self) -> bool:
        """Whether the organisation is in the TLP:GREEN community (state bodies, Secretariat)."""
        if self.kind is OrganisationKind.SECRETARIAT:
            return True
        return self.kind in GOVERNMENT_KINDS and self.member_state_id is not None


class User(Base):
    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("email"),)

    id: Mapped[str] = id_column()
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    # The last 30-second TOTP step accepted: a code is good once, never replayed.
    totp_last_step: Mapped[int | None]
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    roles: Mapped[list["UserRole"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.roles)


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(db_enum(Role, "role"), primary_key=True)


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
