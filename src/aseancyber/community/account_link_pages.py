"""Pages behind the e-mailed links: forgotten password, password reset, accepting an invitation."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

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
RESET_FORM = "access/password_reset.html"
INVITATION_FORM = "access/invitation.html"


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


def _link_form(
    request: Request, db: Session, template: str, link_user: Callable[..., User], *, token: str
) -> HTMLResponse:
    """The form a link opens, for the user it is for; or why the link is refused (400)."""
    try:
        user = link_user(db, token=token)
    except Invalid as error:
        return _link_refused(request, error)
    return _password_form(request, template, token=token, user=user)


@dataclass(frozen=True)
class PostedPassword:
    """What a link's password form posts: the link's token and the new password, twice."""

    token: TokenField = ""
    password: PasswordField = ""
    password_confirm: PasswordField = ""


Posted = Annotated[PostedPassword, Depends()]


def _link_user_with_password(
    request: Request,
    db: Session,
    template: str,
    link_user: Callable[..., User],
    posted: PostedPassword,
) -> User | HTMLResponse:
    """The user the link is for (``link_user`` refuses a forged, expired or spent one) once
    the new password may be set; otherwise the page that says why not: the link refused
    (400), or the link's form again with the message by the field (422)."""
    try:
        user = link_user(db, token=posted.token)
    except Invalid as error:
        return _link_refused(request, error)
    try:
        service.check_new_password(posted.password, posted.password_confirm)
    except Invalid as error:
        errors = forms.invalid_errors(error)
        return _password_form(
            request, template, token=posted.token, user=user, errors=errors, status_code=422
        )
    return user


@router.get("/password/reset")
def reset_page(request: Request, db: DbSession, token: Token = "") -> HTMLResponse:
    return _link_form(request, db, RESET_FORM, accounts.reset_link_user, token=token)


@router.post("/password/reset", dependencies=[CsrfChecked])
def reset(request: Request, db: DbSession, posted: Posted) -> Response:
    user = _link_user_with_password(request, db, RESET_FORM, accounts.reset_link_user, posted)
    if isinstance(user, HTMLResponse):
        return user
    try:
        accounts.reset_password(db, token=posted.token, new_password=posted.password)
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
    return _link_form(request, db, INVITATION_FORM, accounts.invitation_user, token=token)


@router.post("/invitation", dependencies=[CsrfChecked])
def accept_invitation(
    *,
    request: Request,
    db: DbSession,
    login_session: LoginSessionDep,
    posted: Posted,
) -> Response:
    user = _link_user_with_password(request, db, INVITATION_FORM, accounts.invitation_user, posted)
    if isinstance(user, HTMLResponse):
        return user
    try:
        new = accounts.accept_invitation(
            db, token=posted.token, password=posted.password, address=client_address(request)
        )
    except Invalid as error:
        return _link_refused(request, error)
    if login_session is not None:
        db.delete(login_session)
    response = templating.redirect(
        after_sign_in(user, "/"), f"Welcome to aseancyber, {user.display_name}."
    )
    return set_session_cookie(response, new.cookie_value)
