"""Rendering pages: one Jinja environment over every domain's templates, plus page helpers."""

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape
from markupsafe import Markup, escape

from aseancyber.settings import get_settings

PACKAGE = Path(__file__).resolve().parent.parent
FLASH_COOKIE = "aseancyber_flash"


def _environment() -> Environment:
    loader = ChoiceLoader(
        [
            FileSystemLoader(PACKAGE / "web" / "templates"),
            PrefixLoader(
                # Each domain's templates/ folder, addressed as "<domain>/<name>.html"; a
                # sub-resource's (<domain>/<sub>/templates/) is found under the same prefix.
                {
                    folder.parent.name: FileSystemLoader(
                        [folder, *sorted(folder.parent.glob("*/templates"))]
                    )
                    for folder in sorted(PACKAGE.glob("*/templates"))
                    if folder.parent.name != "web"
                }
            ),
        ]
    )
    env = Environment(loader=loader, autoescape=select_autoescape(default=True), auto_reload=False)
    env.filters["localtime"] = localtime
    env.filters["tlp_badge"] = tlp_badge
    return env


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def localtime(value: datetime | None, time_zone: str = "UTC", *, with_zone: bool = True) -> Markup:
    """A ``<time>`` element in the reader's zone, hour visible, with UTC on hover."""
    if value is None:
        return Markup("&mdash;")
    utc = value.astimezone(UTC)
    local = utc.astimezone(zone(time_zone))
    shown = local.strftime("%d %b %Y %H:%M") + (f" {local.tzname()}" if with_zone else "")
    return Markup('<time datetime="{}" title="{} UTC">{}</time>').format(
        utc.isoformat(), utc.strftime("%Y-%m-%d %H:%M"), shown
    )


def tlp_badge(label: Any) -> Markup:
    text = str(getattr(label, "value", label))
    css = text.removeprefix("TLP:").replace("+", "-").lower()
    return Markup('<span class="tlp tlp-{}">{}</span>').format(css, text)


templates = Jinja2Templates(env=_environment())

# Each domain may add context (for example the unread-notification count) to every page.
context_providers: list[Any] = []


def _sign(payload: bytes) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()[:32]


def flash(response: Response, message: str, kind: str = "info") -> Response:
    """Show ``message`` once, on the next page the browser renders."""
    payload = base64.urlsafe_b64encode(orjson.dumps({"m": message, "k": kind}))
    response.set_cookie(
        FLASH_COOKIE,
        f"{payload.decode()}.{_sign(payload)}",
        httponly=True,
        samesite="lax",
        secure=get_settings().cookies_secure,
        max_age=60,
    )
    return response


def _read_flash(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or "." not in raw:
        return None
    payload, _, signature = raw.rpartition(".")
    if not hmac.compare_digest(signature, _sign(payload.encode())):
        return None
    try:
        data = orjson.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, orjson.JSONDecodeError):
        return None
    return {"message": str(data.get("m", "")), "kind": str(data.get("k", "info"))}


def redirect(url: str, message: str | None = None, kind: str = "info") -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if message:
        flash(response, message, kind)
    return response


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a page with the shell's context: actor, CSRF token, flash, time zone."""
    state = request.state._state
    actor = state.get("actor")
    login_session = state.get("login_session")
    new_anonymous_csrf = None
    if login_session is None and not anonymous_csrf(request):
        new_anonymous_csrf = request.state.anon_csrf = secrets.token_urlsafe(32)
    full: dict[str, Any] = {
        "actor": actor,
        "time_zone": actor.time_zone if actor else "UTC",
        "csrf_token": state.get("session_csrf") or anonymous_csrf(request),
        "flash": _read_flash(request),
        "settings": get_settings(),
    }
    for provider in context_providers:
        full.update(provider(request))
    full.update(context or {})
    response = templates.TemplateResponse(request, template, full, status_code=status_code)
    if full["flash"] is not None:
        response.delete_cookie(FLASH_COOKIE)
    if new_anonymous_csrf is not None:  # the double-submit cookie for forms before sign-in
        response.set_cookie(
            ANON_CSRF_COOKIE,
            new_anonymous_csrf,
            httponly=True,
            samesite="lax",
            secure=get_settings().cookies_secure,
        )
    return response


ANON_CSRF_COOKIE = "aseancyber_csrf"


def anonymous_csrf(request: Request) -> str:
    """CSRF token for forms shown before sign-in (double-submit cookie, set by :func:`render`)."""
    return str(request.state._state.get("anon_csrf") or request.cookies.get(ANON_CSRF_COOKIE, ""))


def error_page(
    request: Request,
    *,
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
) -> HTMLResponse:
    try:
        return render(
            request,
            "error.html",
            {"status": status, "title": title, "detail": detail, "errors": errors or []},
            status_code=status,
        )
    except Exception:  # the error page must never fail: fall back to plain, escaped HTML
        body = f"<h1>{escape(title)}</h1><p>{escape(detail)}</p>"
        return HTMLResponse(body, status_code=status)
