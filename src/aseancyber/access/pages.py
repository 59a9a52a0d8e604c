"""Sign-in pages: e-mail and password, the second factor, sign-out.

The e-mailed links (password reset, invitations) are in
:mod:`aseancyber.community.account_link_pages`.

Failed sign-ins are answered with a rendered page rather than an exception on purpose:
the failure is counted (LoginAttempt) and that count must be committed for throttling to
work, whereas an exception would roll the request's transaction back.
"""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from aseancyber.access import service
from aseancyber.access.dependencies import (
    CsrfChecked,
    DbSession,
    SignOutCsrfChecked,
    client_address,
    get_login_session,
)
from aseancyber.access.models import LoginSession, User
from aseancyber.errors import Invalid, NotAuthenticated, TooManyAttempts
from aseancyber.settings import get_settings
from aseancyber.web import forms, templating
from aseancyber.web.security import SESSION_COOKIE

router = APIRouter(include_in_schema=False)
LoginSessionDep = Annotated[LoginSession | None, Depends(get_login_session)]
NextUrl = Annotated[str, Query(alias="next", max_length=2000)]
NextField = Annotated[str, Form(alias="next", max_length=2000)]
Token = Annotated[str, Query(max_length=4000)]
TokenField = Annotated[str, Form(max_length=4000)]
PasswordField = Annotated[str, Form(max_length=1024)]


def safe_next(url: str) -> str:
    """Only same-site paths are followed after sign-in (no open redirects)."""
    if url.startswith("/") and not url.startswith(("//", "/\\")):
        return url
    return "/"


def set_session_cookie(response: Response, cookie_value: str) -> Response:
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        cookie_value,
        max_age=settings.session_max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.cookies_secure,
    )
    return response


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def after_sign_in(user: User, next_url: str) -> str:
    if service.must_enrol_totp(user):
        return "/account/totp"
    return safe_next(next_url)


# --- sign-in and sign-out ------------------------------------------------------------------


def _login_form(
    request: Request,
    *,
    email: str = "",
    next_url: str = "/",
    errors: forms.FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {"email": email, "next": safe_next(next_url), "errors": errors or {}}
    return templating.render(request, "access/login.html", context, status_code=status_code)


@router.get("/login")
def login_page(
    request: Request, login_session: LoginSessionDep, next_url: NextUrl = "/"
) -> Response:
    if login_session is not None and login_session.second_factor_done:
        return templating.redirect(safe_next(next_url))
    return _login_form(request, next_url=next_url)


@router.post("/login", dependencies=[CsrfChecked])
def login(
    *,
    request: Request,
    db: DbSession,
    login_session: LoginSessionDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: PasswordField = "",
    next_url: NextField = "/",
) -> Response:
    missing = {
        name: f"Enter your {label}"
        for name, label, value in (
            ("email", "e-mail address", email),
            ("password", "password", password),
        )
        if not value.strip()
    }
    if missing:
        return _login_form(request, email=email, next_url=next_url, errors=missing, status_code=422)
    address = client_address(request)
    try:
        user = service.authenticate(db, email=email, password=password, address=address)
    except TooManyAttempts as error:
        return _login_form(
            request,
            email=email,
            next_url=next_url,
            errors={"form": _sentence(error.detail)},
            status_code=429,
        )
    except NotAuthenticated as error:
        return _login_form(
            request,
            email=email,
            next_url=next_url,
            errors={"form": _sentence(error.detail)},
            status_code=401,
        )
    if login_session is not None:  # a fresh session for a fresh sign-in (no fixation)
        db.delete(login_session)
    new = service.start_session(db, user=user, address=address)
    if new.session.second_factor_done:
        target = after_sign_in(user, next_url)
    else:
        target = "/login/second-factor?" + urlencode({"next": safe_next(next_url)})
    return set_session_cookie(templating.redirect(target), new.cookie_value)


def _second_factor_form(
    request: Request, next_url: str, errors: forms.FieldErrors | None = None, status_code: int = 200
) -> HTMLResponse:
    context = {"next": safe_next(next_url), "errors": errors or {}}
    return templating.render(request, "access/second_factor.html", context, status_code=status_code)


@router.get("/login/second-factor")
def second_factor_page(
    request: Request, login_session: LoginSessionDep, next_url: NextUrl = "/"
) -> Response:
    if login_session is None:
        return templating.redirect("/login")
    if login_session.second_factor_done:
        return templating.redirect(safe_next(next_url))
    return _second_factor_form(request, next_url)


@router.post("/login/second-factor", dependencies=[CsrfChecked])
def second_factor(
    request: Request,
    db: DbSession,
    login_session: LoginSessionDep,
    code: Annotated[str, Form(max_length=64)] = "",
    next_url: NextField = "/",
) -> Response:
    if login_session is None:
        return templating.redirect("/login", "Your sign-in expired; please start again.", "error")
    if login_session.second_factor_done:
        return templating.redirect(safe_next(next_url))
    try:
        service.complete_second_factor(
            db, session=login_session, code=code, address=client_address(request)
        )
    except TooManyAttempts as error:
        return _second_factor_form(request, next_url, {"form": _sentence(error.detail)}, 429)
    except Invalid as error:
        return _second_factor_form(request, next_url, forms.invalid_errors(error), 422)
    return templating.redirect(after_sign_in(login_session.user, next_url))


@router.post("/logout", dependencies=[SignOutCsrfChecked])
def logout(db: DbSession, login_session: LoginSessionDep) -> Response:
    if login_session is not None:
        service.end_session(db, session=login_session)
    response = templating.redirect("/login", "You have signed out.")
    response.delete_cookie(SESSION_COOKIE)
    return response
