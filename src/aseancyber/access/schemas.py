"""REST request and response shapes for identity: users, the signed-in user, API tokens.

Responses never carry password hashes, TOTP secrets or token digests; a token's secret
appears only in the response that creates it.
"""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)

from aseancyber.access.models import ApiToken, Role, TokenScope, User
from aseancyber.access.permissions import permissions_of
from aseancyber.shaping import shaped

NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"
DisplayName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS
    ),
]
TokenName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=NO_CONTROL_CHARACTERS
    ),
]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserRead(BaseModel):
    id: str
    email: str
    display_name: str
    organisation_id: str
    organisation_name: str
    roles: list[Role]
    is_active: bool
    invitation_pending: bool = Field(description="invited, no password chosen yet")
    totp_enabled: bool
    time_zone: str
    created_at: datetime
    last_login_at: datetime | None
    version: int

    @classmethod
    def of(cls, user: User) -> "UserRead":
        return shaped(
            cls,
            user,
            organisation_name=user.organisation.name,
            roles=sorted(user.role_set),
            invitation_pending=user.password_hash is None,
        )


class MeRead(UserRead):
    member_state_id: str | None
    permissions: list[str]
    organisation_requires_totp: bool

    @classmethod
    def of(cls, user: User) -> "MeRead":
        return cls(
            **UserRead.of(user).model_dump(),
            member_state_id=user.organisation.member_state_id,
            permissions=sorted(p.value for p in permissions_of(user.role_set)),
            organisation_requires_totp=user.organisation.require_totp,
        )


class UserPage(BaseModel):
    items: list[UserRead]
    next_cursor: str | None


class UserInvite(Request):
    email: EmailStr
    display_name: DisplayName
    roles: list[Role] = Field(min_length=1)
    organisation_id: str | None = Field(
        default=None, description="platform administrators only; defaults to your organisation"
    )


class UserUpdate(Request):
    version: int = Field(description="the version you loaded; a newer stored version is a 409")
    display_name: DisplayName | None = None
    roles: list[Role] | None = Field(default=None, min_length=1)
    is_active: bool | None = None


class ProfileUpdate(Request):
    version: int
    display_name: DisplayName
    time_zone: str = Field(max_length=64, description="an IANA time zone, e.g. Asia/Jakarta")


class TokenCreate(Request):
    name: TokenName
    scope: TokenScope = TokenScope.READ
    expires_at: AwareDatetime | None = None

    @field_validator("expires_at")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        try:
            utc = value.astimezone(UTC)
        except OverflowError as error:
            raise ValueError("is out of range") from error
        if utc.year >= 9000:
            raise ValueError("is too far in the future")
        return utc


class TokenRead(BaseModel):
    id: str
    name: str
    prefix: str
    scope: TokenScope
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> "TokenRead":
        return shaped(
            cls,
            token,
        )


class TokenCreated(TokenRead):
    secret: str = Field(description="shown in this response only; store it now")


class PasswordResetRequest(Request):
    email: EmailStr


class Accepted(BaseModel):
    detail: str
