"""The signed-in user's own pages: profile, password, second factor, API tokens."""

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy.orm import Session

from aseancyber.access import service
from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession
from aseancyber.access.models import TokenScope, User
from aseancyber.access.permissions import Permission, permissions_of
from aseancyber.access.schemas import TokenCreate
from aseancyber.db import utcnow
from aseancyber.errors import Invalid
from aseancyber.web import forms, templating
from aseancyber.web.security import SESSION_COOKIE

router = APIRouter(include_in_schema=False)
PasswordField = Annotated[str, Form(max_length=1024)]


# --- profile and password ------------------------------------------------------------------


def _account_page(
    request: Request,
    db: Session,
    user: User,
    *,
    errors: forms.FieldErrors | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "user": user,
        "time_zones": service.time_zones(),
        "recovery_codes_left": service.remaining_recovery_codes(db, user=user),
        "manages_users": Permission.USER_MANAGE in permissions_of(user.role_set),
        "errors": errors or {},
        "values": values or {},
    }
    return templating.render(request, "access/account.html", context, status_code=status_code)


@router.get("/account")
def account_page(request: Request, db: DbSession, actor: CurrentActor) -> HTMLResponse:
    return _account_page(request, db, service.user_of(db, actor))


@router.post("/account", dependencies=[CsrfChecked])
def update_profile(
    *,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    display_name: Annotated[str, Form(max_length=1000)] = "",
    time_zone: Annotated[str, Form(max_length=200)] = "",
    version: Annotated[int, Form()],
) -> Response:
    user = service.user_of(db, actor)
    try:
        with db.begin_nested():
            service.update_profile(
                db, user=user, version=version, display_name=display_name, time_zone=time_zone
            )
    except Invalid as error:
        values = {"display_name": display_name, "time_zone": time_zone}
        return _account_page(
            request, db, user, errors=forms.invalid_errors(error), values=values, status_code=422
        )
    return templating.redirect("/account", "Your profile was saved.")


@router.post("/account/password", dependencies=[CsrfChecked])
def change_password(
    *,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    current_password: PasswordField = "",
    password: PasswordField = "",
    password_confirm: PasswordField = "",
) -> Response:
    user = service.user_of(db, actor)
    try:
        service.check_new_password(password, password_confirm)
        service.change_own_password(
            db, user=user, current_password=current_password, new_password=password
        )
    except Invalid as error:  # raised before anything is written
        return _account_page(request, db, user, errors=forms.invalid_errors(error), status_code=422)
    response = templating.redirect(
        "/login", "Your password was changed and every session signed out. Sign in with it now."
    )
    response.delete_cookie(SESSION_COOKIE)
    return response


# --- second factor -------------------------------------------------------------------------


def _totp_page(
    request: Request,
    db: Session,
    user: User,
    *,
    errors: forms.FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {"user": user, "errors": errors or {}}
    if user.totp_enabled:
        context["recovery_codes_left"] = service.remaining_recovery_codes(db, user=user)
    else:
        uri = service.pending_totp_uri(db, user=user)
        context["qr_svg"] = Markup(segno.make(uri, error="m").svg_inline(scale=4))  # noqa: S704 - segno's own SVG
        context["secret"] = user.totp_secret
        context["uri"] = uri
    return templating.render(request, "access/totp.html", context, status_code=status_code)


@router.get("/account/totp")
def totp_page(request: Request, db: DbSession, actor: CurrentActor) -> HTMLResponse:
    return _totp_page(request, db, service.user_of(db, actor))


@router.post("/account/totp", dependencies=[CsrfChecked])
def enable_totp(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    code: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    user = service.user_of(db, actor)
    try:
        codes = service.confirm_totp_enrolment(db, user=user, code=code)
    except Invalid as error:  # raised before anything is written
        return _totp_page(request, db, user, errors=forms.invalid_errors(error), status_code=422)
    return templating.render(request, "access/recovery_codes.html", {"codes": codes})


@router.post("/account/totp/disable", dependencies=[CsrfChecked])
def disable_totp(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    current_password: PasswordField = "",
) -> Response:
    user = service.user_of(db, actor)
    try:
        service.check_password(user, current_password)
        service.disable_totp(db, user=user)
    except Invalid as error:  # raised before anything is written
        return _totp_page(request, db, user, errors=forms.invalid_errors(error), status_code=422)
    return templating.redirect("/account", "The second factor was removed from your account.")


# --- API tokens ----------------------------------------------------------------------------


def _tokens_page(
    request: Request,
    db: Session,
    user: User,
    *,
    new_secret: str | None = None,
    errors: forms.FieldErrors | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "tokens": service.list_tokens(db, user=user),
        "scopes": list(TokenScope),
        "new_secret": new_secret,
        "errors": errors or {},
        "values": values or {},
        "now": utcnow(),
    }
    return templating.render(request, "access/tokens.html", context, status_code=status_code)


@router.get("/account/tokens")
def tokens_page(request: Request, db: DbSession, actor: CurrentActor) -> HTMLResponse:
    return _tokens_page(request, db, service.user_of(db, actor))


def _end_of_day(day: str, time_zone: str) -> datetime | None:
    """A token "valid until" a date lasts to the end of that day in the user's time zone."""
    if not day.strip():
        return None
    try:
        parsed = date.fromisoformat(day.strip())
    except ValueError as error:
        raise Invalid("must be a date such as 2027-01-31", "expires_on") from error
    if parsed.year >= 9999:
        raise Invalid("is too far in the future", "expires_on")
    return datetime.combine(parsed + timedelta(days=1), time(0), tzinfo=templating.zone(time_zone))


@router.post("/account/tokens", dependencies=[CsrfChecked])
def create_token(
    *,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    name: Annotated[str, Form(max_length=1000)] = "",
    scope: Annotated[str, Form(max_length=40)] = TokenScope.READ.value,
    expires_on: Annotated[str, Form(max_length=40)] = "",
) -> HTMLResponse:
    user = service.user_of(db, actor)
    values = {"name": name, "scope": scope, "expires_on": expires_on}
    try:
        body = TokenCreate.model_validate(
            {"name": name, "scope": scope, "expires_at": _end_of_day(expires_on, user.time_zone)}
        )
        new = service.create_token(
            db, user=user, name=body.name, scope=body.scope, expires_at=body.expires_at
        )
    except ValidationError as error:
        errors = forms.validation_errors(error, TokenCreate)
        return _tokens_page(request, db, user, errors=errors, values=values, status_code=422)
    except Invalid as error:  # raised before anything is written
        errors = {
            "expires_on" if k == "expires_at" else k: v
            for k, v in forms.invalid_errors(error).items()
        }
        return _tokens_page(request, db, user, errors=errors, values=values, status_code=422)
    return _tokens_page(request, db, user, new_secret=new.secret, status_code=201)


@router.post("/account/tokens/{token_id}/revoke", dependencies=[CsrfChecked])
def revoke_token(token_id: str, db: DbSession, actor: CurrentActor) -> Response:
    token = service.revoke_token(db, user=service.user_of(db, actor), token_id=token_id)
    return templating.redirect("/account/tokens", f"The token {token.name!r} was revoked.")
