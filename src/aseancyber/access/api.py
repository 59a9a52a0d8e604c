"""Identity REST routes: the signed-in user, their API tokens, user administration, resets."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from aseancyber.access import accounts, service, users
from aseancyber.access.dependencies import CurrentActor, DbSession, require
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor
from aseancyber.access.schemas import (
    Accepted,
    MeRead,
    PasswordResetRequest,
    ProfileUpdate,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserInvite,
    UserPage,
    UserRead,
    UserUpdate,
)
from aseancyber.web.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/api/v1", tags=["identity"])
UserManager = Annotated[Actor, Depends(require(Permission.USER_MANAGE))]


@router.get("/me")
def read_me(db: DbSession, actor: CurrentActor) -> MeRead:
    """The signed-in user (or the owner of the API token), with their permissions."""
    return MeRead.of(service.user_of(db, actor))


@router.patch("/me")
def update_me(body: ProfileUpdate, db: DbSession, actor: CurrentActor) -> MeRead:
    """Change your display name and time zone (send the version you loaded)."""
    user = service.update_profile(
        db,
        user=service.user_of(db, actor),
        version=body.version,
        display_name=body.display_name,
        time_zone=body.time_zone,
    )
    return MeRead.of(user)


@router.get("/me/tokens")
def list_my_tokens(db: DbSession, actor: CurrentActor) -> list[TokenRead]:
    """Your API tokens, newest first, revoked ones included; never their secrets."""
    return [TokenRead.of(t) for t in service.list_tokens(db, user=service.user_of(db, actor))]


@router.post("/me/tokens", status_code=201)
def create_my_token(body: TokenCreate, db: DbSession, actor: CurrentActor) -> TokenCreated:
    """Create an API token; the secret is in this response only, store it now."""
    new = service.create_token(
        db,
        user=service.user_of(db, actor),
        name=body.name,
        scope=body.scope,
        expires_at=body.expires_at,
    )
    return TokenCreated(**TokenRead.of(new.token).model_dump(), secret=new.secret)


@router.delete("/me/tokens/{token_id}", status_code=204)
def revoke_my_token(token_id: str, db: DbSession, actor: CurrentActor) -> Response:
    """Revoke one of your API tokens; it stops working at once."""
    service.revoke_token(db, user=service.user_of(db, actor), token_id=token_id)
    return Response(status_code=204)


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
