"""User administration pages: list and search, invite, edit roles and status, require TOTP."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from aseancyber.access.dependencies import CsrfChecked, DbSession, require
from aseancyber.access.models import Role, User
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor
from aseancyber.access.schemas import UserInvite
from aseancyber.community import users
from aseancyber.errors import Conflict, Invalid
from aseancyber.web import forms, templating
from aseancyber.web.paging import page_links

router = APIRouter(include_in_schema=False)
UserManager = Annotated[Actor, Depends(require(Permission.USER_MANAGE))]
RolesField = Annotated[list[str], Form(max_length=len(Role))]
ROLE_LABELS = {
    Role.VIEWER: "Viewer",
    Role.CONTRIBUTOR: "Contributor",
    Role.COORDINATOR: "Coordinator",
    Role.ORGANISATION_ADMIN: "Organisation admin",
    Role.REGIONAL_COORDINATOR: "Regional coordinator (Secretariat)",
    Role.PLATFORM_ADMIN: "Platform admin",
}


def _roles(values: list[str]) -> list[Role]:
    try:
        return [Role(value) for value in values]
    except ValueError as error:
        raise Invalid("contains a role that does not exist", "roles") from error


@router.get("/admin/users")
def users_page(
    *,
    request: Request,
    db: DbSession,
    actor: UserManager,
    q: Annotated[str, Query(max_length=200)] = "",
    organisation: Annotated[str, Query(max_length=64)] = "",
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> HTMLResponse:
    page = users.list_users(
        db, actor=actor, organisation_id=organisation or None, query=q, cursor=cursor
    )
    organisations = users.list_organisations(db, actor=actor)
    chosen = organisation or (actor.organisation_id if not users.is_platform_wide(actor) else "")
    context = {
        "users": page.items,
        "links": page_links(request, page.next_cursor),
        "q": q,
        "organisation": organisation,
        "organisations": organisations,
        "platform_wide": users.is_platform_wide(actor),
        "security_organisation": next((o for o in organisations if o.id == chosen), None),
        "role_labels": ROLE_LABELS,
    }
    return templating.render(request, "access/users.html", context)


@router.post("/admin/users/require-totp", dependencies=[CsrfChecked])
def require_totp(
    db: DbSession,
    actor: UserManager,
    organisation_id: Annotated[str, Form(max_length=64)],
    required: Annotated[bool, Form()] = False,
) -> Response:
    organisation = users.set_require_totp(
        db, actor=actor, organisation_id=organisation_id, required=required
    )
    message = (
        f"Everyone in {organisation.name} must now use a second factor."
        if required
        else f"A second factor is now optional in {organisation.name}."
    )
    target = "/admin/users" + (
        f"?organisation={organisation.id}" if users.is_platform_wide(actor) else ""
    )
    return templating.redirect(target, message)


def _invite_form(
    request: Request,
    db: Session,
    actor: Actor,
    *,
    values: dict[str, Any] | None = None,
    errors: forms.FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "values": values or {"roles": [Role.CONTRIBUTOR.value]},
        "errors": errors or {},
        "organisations": users.list_organisations(db, actor=actor),
        "platform_wide": users.is_platform_wide(actor),
        "roles": [(r.value, ROLE_LABELS[r]) for r in users.grantable_roles(actor)],
    }
    return templating.render(request, "access/user_new.html", context, status_code=status_code)


@router.get("/admin/users/new")
def invite_page(request: Request, db: DbSession, actor: UserManager) -> HTMLResponse:
    return _invite_form(request, db, actor)


@router.post("/admin/users/new", dependencies=[CsrfChecked])
def invite(
    *,
    request: Request,
    db: DbSession,
    actor: UserManager,
    email: Annotated[str, Form(max_length=320)] = "",
    display_name: Annotated[str, Form(max_length=1000)] = "",
    roles: RolesField = [],  # noqa: B006 - FastAPI copies defaults per request
    organisation_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    values = {
        "email": email,
        "display_name": display_name,
        "roles": roles,
        "organisation_id": organisation_id,
    }
    data = {**values, "organisation_id": organisation_id or None}
    parsed = forms.parse(UserInvite, data)
    if not isinstance(parsed, UserInvite):
        return _invite_form(request, db, actor, values=values, errors=parsed, status_code=422)
    try:
        with db.begin_nested():
            user = users.invite_user(
                db,
                actor=actor,
                email=parsed.email,
                display_name=parsed.display_name,
                roles=parsed.roles,
                organisation_id=parsed.organisation_id,
            )
    except Invalid as error:
        errors = forms.invalid_errors(error)
        return _invite_form(request, db, actor, values=values, errors=errors, status_code=422)
    except Conflict as error:
        errors = {"email": error.detail}
        return _invite_form(request, db, actor, values=values, errors=errors, status_code=409)
    return templating.redirect(
        f"/admin/users/{user.id}", f"An invitation was e-mailed to {user.email}."
    )


def _edit_form(
    request: Request,
    actor: Actor,
    user: User,
    *,
    values: dict[str, Any] | None = None,
    errors: forms.FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    grantable = set(users.grantable_roles(actor))
    context = {
        "user": user,
        "values": values
        or {
            "display_name": user.display_name,
            "roles": [r.value for r in user.role_set],
            "is_active": user.is_active,
            "version": user.version,
        },
        "errors": errors or {},
        "roles": [(r.value, ROLE_LABELS[r], r in grantable) for r in Role],
        "is_self": user.id == actor.user_id,
    }
    return templating.render(request, "access/user_edit.html", context, status_code=status_code)


@router.get("/admin/users/{user_id}")
def edit_page(request: Request, db: DbSession, actor: UserManager, user_id: str) -> HTMLResponse:
    return _edit_form(request, actor, users.get_user(db, actor=actor, user_id=user_id))


@router.post("/admin/users/{user_id}", dependencies=[CsrfChecked])
def edit(
    *,
    request: Request,
    db: DbSession,
    actor: UserManager,
    user_id: str,
    display_name: Annotated[str, Form(max_length=1000)] = "",
    version: Annotated[int, Form()],
    roles: RolesField = [],  # noqa: B006 - FastAPI copies defaults per request
    is_active: Annotated[bool, Form()] = False,
) -> Response:
    user = users.get_user(db, actor=actor, user_id=user_id)
    values = {
        "display_name": display_name,
        "roles": roles,
        "is_active": is_active,
        "version": version,
    }
    try:
        with db.begin_nested():
            users.update_user(
                db,
                actor=actor,
                user_id=user_id,
                version=version,
                display_name=display_name,
                roles=_roles(roles),
                is_active=is_active,
            )
    except Invalid as error:
        errors = forms.invalid_errors(error)
        return _edit_form(request, actor, user, values=values, errors=errors, status_code=422)
    return templating.redirect(f"/admin/users/{user_id}", "The user was saved.")


@router.post("/admin/users/{user_id}/invitation", dependencies=[CsrfChecked])
def resend_invitation(db: DbSession, actor: UserManager, user_id: str) -> Response:
    user = users.resend_invitation(db, actor=actor, user_id=user_id)
    return templating.redirect(
        f"/admin/users/{user_id}", f"A new invitation was e-mailed to {user.email}."
    )
