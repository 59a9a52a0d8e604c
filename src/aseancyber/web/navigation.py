"""The site navigation, by domain, in one list: a new domain adds one line to ``NAVIGATION``.

The list reaches every page through a templating context provider (:func:`shell_context`),
together with the signed-in reader's organisation and member state for the header.
"""

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aseancyber.access.permissions import Permission, has_permission
from aseancyber.access.policy import Actor
from aseancyber.community.models import Organisation


@dataclass(frozen=True)
class NavItem:
    """One navigation link; shown to anonymous readers only when ``public`` is true."""

    label: str
    href: str
    permission: Permission | None = None
    public: bool = False

    def shown_to(self, actor: Actor | None) -> bool:
        if actor is None:
            return self.public
        return self.permission is None or has_permission(actor, self.permission)


NAVIGATION: list[NavItem] = [
    NavItem("Dashboard", "/", public=True),
    NavItem("Directory", "/directory", public=True),
    NavItem("Documents", "/documents", public=True),
    NavItem("Norms", "/norms", public=True),
    NavItem("Initiatives", "/initiatives", public=True),
    NavItem("Positions", "/positions"),
    NavItem("Engagements", "/engagements"),
    NavItem("Contacts", "/contacts"),
    NavItem("Requests", "/requests"),
    NavItem("Cases", "/cases"),
    NavItem("Sharing", "/sharing/objects", public=True),
    NavItem("Routing", "/routing"),
    NavItem("Matching", "/matching"),
    NavItem("Federation", "/federation/peers", permission=Permission.ORGANISATION_EDIT),
    NavItem("Inbox", "/inbox"),
    NavItem("Users", "/admin/users", permission=Permission.USER_MANAGE),
    NavItem("Audit", "/audit", permission=Permission.AUDIT_READ_ORGANISATION),
]


@dataclass(frozen=True)
class NavLink:
    label: str
    href: str
    current: bool


def navigation_for(actor: Actor | None, path: str) -> list[NavLink]:
    """The links ``actor`` may follow, marking the one for the page at ``path``."""
    links = []
    for item in NAVIGATION:
        if not item.shown_to(actor):
            continue
        current = path == "/" if item.href == "/" else path.startswith(item.href)
        links.append(NavLink(item.label, item.href, current))
    return links


@dataclass(frozen=True)
class HeaderIdentity:
    organisation_name: str
    organisation_short_name: str
    member_state_name: str | None


def _header_identity(request: Request, actor: Actor) -> HeaderIdentity | None:
    db: Session | None = request.state._state.get("db")
    if db is None or not db.in_transaction():
        return None
    try:
        organisation = db.get(Organisation, actor.organisation_id)
    except SQLAlchemyError:  # an error page must render even when the database cannot answer
        return None
    if organisation is None:
        return None
    state = organisation.member_state
    return HeaderIdentity(
        organisation_name=organisation.name,
        organisation_short_name=organisation.short_name,
        member_state_name=state.name if state else None,
    )


def shell_context(request: Request) -> dict[str, Any]:
    """Context for the layout: navigation links and who the reader is."""
    actor: Actor | None = request.state._state.get("actor")
    return {
        "navigation": navigation_for(actor, request.url.path),
        "identity": _header_identity(request, actor) if actor is not None else None,
    }
