"""Identity REST routes: the signed-in user and their API tokens.

User administration and password resets are in :mod:`aseancyber.community.users_api`."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from aseancyber.access import service
from aseancyber.access.dependencies import CurrentActor, DbSession, require
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor
from aseancyber.access.schemas import (
    MeRead,
    ProfileUpdate,
    TokenCreate,
    TokenCreated,
    TokenRead,
)

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
