"""Pages behind the e-mailed links: forgotten password, password reset, accepting an invitation."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from aseancyber.access import service
from aseancyber.access.dependencies import CsrfChecked, DbSession, client_address
from aseancyber.access.models import User
from aseancyber.access.pages import (
    LoginSessionDep,
    PasswordField,
    Token,
    TokenField,
    after_sign_in,
    set_session_cookie,
)
from aseancyber.access.schemas import PasswordResetRequest
from aseancyber.community import accounts
from aseancyber.errors import Invalid
from aseancyber.web import forms, templating
from aseancyber.web.security import SESSION_COOKIE

router = APIRouter(include_in_schema=False)


# --- password reset ------------------------------------------------------------------------


@router.get("/password/forgot")
def forgot_page(request: Request) -> HTMLResponse:
    return templating.render(request, "access/password_forgot.html", {"errors": {}})


@router.post("/password/forgot", dependencies=[CsrfChecked])
def forgot(
    request: Request, db: DbSession, email: Annotated[str, Form(max_length=320)] = ""
) -> HTMLResponse:
    parsed = forms.parse(PasswordResetRequest, {"email": email.strip()})
    if not isinstance(parsed, PasswordResetRequest):
        context = {"errors": parsed, "email": email}
        return templating.render(request, "access/password_forgot.html", context, 422)
    accounts.request_password_reset(db, email=parsed.email)
    return templating.render(
        request,
        "access/message.html",
        {"title": "Check your e-mail", "message": accounts.RESET_REQUESTED},
    )


def _link_refused(request: Request, error: Invalid) -> HTMLResponse:
    return templating.render(
        request, "access/link_refused.html", {"detail": error.problems[0].message}, 400
    )


def _password_form(
    request: Request,
    template: str,
    *,
    token: str,
    user: User,
    errors: forms.FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {"token": token, "user": user, "errors": errors or {}}
    return templating.render(request, template, context, status_code=status_code)


def _new_password_refused(
    request: Request,
    template: str,
    *,
    token: str,
    user: User,
    password: str,
    password_confirm: str,
) -> HTMLResponse | None:
    """The link's form again (422), the message by the field, when the new password is
    refused; ``None`` when it may be set."""
    try:
        service.check_new_password(password, password_confirm)
    except Invalid as error:
        errors = forms.invalid_errors(error)
        return _password_form(
            request, template, token=token, user=user, errors=errors, status_code=422
        )
    return None


@router.get("/password/reset")
def reset_page(request: Request, db: DbSession, token: Token = "") -> HTMLResponse:
    try:
        user = accounts.reset_link_user(db, token=token)
    except Invalid as error:
        return _link_refused(request, error)
    return _password_form(request, "access/password_reset.html", token=token, user=user)


@router.post("/password/reset", dependencies=[CsrfChecked])
def reset(
    request: Request,
    db: DbSession,
    token: TokenField = "",
    password: PasswordField = "",
    password_confirm: PasswordField = "",
) -> Response:
    try:
        user = accounts.reset_link_user(db, token=token)
    except Invalid as error:
        return _link_refused(request, error)
    refused = _new_password_refused(
        request,
        "access/password_reset.html",
        token=token,
        user=user,
        password=password,
        password_confirm=password_confirm,
    )
    if refused is not None:
        return refused
    try:
        accounts.reset_password(db, token=token, new_password=password)
    except Invalid as error:  # spent by a concurrent request a moment ago: nothing was written
        return _link_refused(request, error)
    response = templating.redirect(
        "/login", "Your password was changed and every session signed out. Sign in with it now."
    )
    response.delete_cookie(SESSION_COOKIE)
    return response


# --- invitations ---------------------------------------------------------------------------


@router.get("/invitation")
def invitation_page(request: Request, db: DbSession, token: Token = "") -> HTMLResponse:
    try:
        user = accounts.invitation_user(db, token=token)
    except Invalid as error:
        return _link_refused(request, error)
    return _password_form(request, "access/invitation.html", token=token, user=user)


@router.post("/invitation", dependencies=[CsrfChecked])
def accept_invitation(
    *,
    request: Request,
    db: DbSession,
    login_session: LoginSessionDep,
    token: TokenField = "",
    password: PasswordField = "",
    password_confirm: PasswordField = "",
) -> Response:
    try:
        user = accounts.invitation_user(db, token=token)
    except Invalid as error:
        return _link_refused(request, error)
    refused = _new_password_refused(
        request,
        "access/invitation.html",
        token=token,
        user=user,
        password=password,
        password_confirm=password_confirm,
    )
    if refused is not None:
        return refused
    try:
        new = accounts.accept_invitation(
            db, token=token, password=password, address=client_address(request)
        )
    except Invalid as error:
        return _link_refused(request, error)
    if login_session is not None:
        db.delete(login_session)
    response = templating.redirect(
        after_sign_in(user, "/"), f"Welcome to aseancyber, {user.display_name}."
    )
    return set_session_cookie(response, new.cookie_value)
