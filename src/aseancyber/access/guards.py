"""Small helpers for pages that need a signed-in reader or a permission."""

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse

from aseancyber.access.permissions import Permission, has_permission
from aseancyber.access.policy import Actor
from aseancyber.errors import Forbidden


def login_redirect(request: Request) -> RedirectResponse:
    """Send an anonymous visitor to the sign-in page, coming back here afterwards."""
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


def check_permission(actor: Actor, permission: Permission) -> Actor:
    """Refuse (403) a signed-in actor who lacks ``permission``."""
    if not has_permission(actor, permission):
        raise Forbidden(f"this needs the permission {permission.value}")
    return actor
