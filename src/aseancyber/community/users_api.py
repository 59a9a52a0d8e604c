"""User administration and password-reset REST routes (same prefix and tag as identity)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from aseancyber.access.dependencies import DbSession, require
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor
from aseancyber.access.schemas import (
    Accepted,
    PasswordResetRequest,
    UserInvite,
    UserPage,
    UserRead,
    UserUpdate,
)
from aseancyber.community import accounts, users
from aseancyber.web.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/api/v1", tags=["identity"])
UserManager = Annotated[Actor, Depends(require(Permission.USER_MANAGE))]


@router.get("/users")
def list_users(
    *,
    db: DbSession,
    actor: UserManager,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    organisation_id: str | None = None,
    q: Annotated[str, Query(max_length=200)] = "",
) -> UserPage:
    """Users you administer (your organisation; every one for platform administrators)."""
    page = users.list_users(
        db, actor=actor, organisation_id=organisation_id, query=q, cursor=cursor, limit=limit
    )
    return UserPage(items=[UserRead.of(u) for u in page.items], next_cursor=page.next_cursor)


@router.post("/users", status_code=201)
def invite_user(body: UserInvite, db: DbSession, actor: UserManager) -> UserRead:
    """Invite a user by e-mail: they get a seven-day link to choose their password."""
    user = users.invite_user(
        db,
        actor=actor,
        email=body.email,
        display_name=body.display_name,
        roles=body.roles,
        organisation_id=body.organisation_id,
    )
    return UserRead.of(user)


@router.get("/users/{user_id}")
def read_user(user_id: str, db: DbSession, actor: UserManager) -> UserRead:
    """One user you administer."""
    return UserRead.of(users.get_user(db, actor=actor, user_id=user_id))


@router.patch("/users/{user_id}")
def update_user(user_id: str, body: UserUpdate, db: DbSession, actor: UserManager) -> UserRead:
    """Change a user's name, roles or active flag; send the version you loaded."""
    user = users.update_user(
        db,
        actor=actor,
        user_id=user_id,
        version=body.version,
        display_name=body.display_name,
        roles=body.roles,
        is_active=body.is_active,
    )
    return UserRead.of(user)


@router.post("/auth/password-reset", status_code=202)
def request_password_reset(body: PasswordResetRequest, db: DbSession) -> Accepted:
    """E-mail a password-reset link if the account exists; the answer is the same either way."""
    accounts.request_password_reset(db, email=body.email)
    return Accepted(detail=accounts.RESET_REQUESTED)
