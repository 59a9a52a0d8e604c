"""The site navigation: the links every manifest declares, in their menu positions.

Who sees a link is not written here: it is read from the guard of the page's own route (the
GET route at the link's address). A route that depends on the signed-in actor is hidden from
anonymous readers; one that depends on ``require(permission)`` is shown only to readers whose
roles grant that permission. So the menu offers exactly the areas a reader may open, and it
cannot drift from the rules the pages enforce. A link without a route is never shown.

The list reaches every page through a templating context provider (:func:`shell_context`),
together with the signed-in reader's organisation and member state for the header.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from aseancyber.access.dependencies import PermissionCheck, get_current_actor
from aseancyber.access.models import Organisation
from aseancyber.access.permissions import Permission, has_permission
from aseancyber.access.policy import Actor
from aseancyber.manifests import MANIFESTS
from aseancyber.plugins import NavItem

NAVIGATION: list[NavItem] = sorted(
    [
        NavItem("Dashboard", "/", position=0),
        *(item for manifest in MANIFESTS for item in manifest.navigation),
    ],
    key=lambda item: item.position,
)


@dataclass(frozen=True)
class Guard:
    """What a page's route asks of its reader: to be signed in, and which permissions."""

    signed_in: bool
    permissions: frozenset[Permission]

    def admits(self, actor: Actor | None) -> bool:
        if actor is None:
            return not self.signed_in and not self.permissions
        return all(has_permission(actor, permission) for permission in self.permissions)


def _guard_of(dependant: Dependant) -> Guard:
    signed_in = False
    permissions: set[Permission] = set()
    pending = list(dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if dependency.call is get_current_actor:
            signed_in = True
        if isinstance(dependency.call, PermissionCheck):
            signed_in = True
            permissions.add(dependency.call.permission)
        pending.extend(dependency.dependencies)
    return Guard(signed_in, frozenset(permissions))


def guards_for(routes: Sequence[BaseRoute]) -> dict[str, Guard]:
    """The guard of each navigation link's page, read from the app's GET routes (with the
    dependencies of the routers they were included through)."""
    pages: dict[str, Dependant] = {}
    for route in iter_route_contexts(routes):
        if route.path and "GET" in (route.methods or ()) and route.path not in pages:
            dependant = getattr(route, "dependant", None)
            if isinstance(dependant, Dependant):
                pages[route.path] = dependant
    return {item.href: _guard_of(pages[item.href]) for item in NAVIGATION if item.href in pages}


@dataclass(frozen=True)
class NavLink:
    label: str
    href: str
    current: bool


def navigation_for(actor: Actor | None, path: str, guards: Mapping[str, Guard]) -> list[NavLink]:
    """The links ``actor`` may follow, marking the one for the page at ``path``."""
    links = []
    for item in NAVIGATION:
        guard = guards.get(item.href)
        if guard is None or not guard.admits(actor):
            continue
        current = path == "/" if item.href == "/" else path.startswith(item.href)
        links.append(NavLink(item.label, item.href, current))
    return links


def _guards(request: Request) -> Mapping[str, Guard]:
    state = request.app.state
    guards: Mapping[str, Guard] | None = getattr(state, "navigation_guards", None)
    if guards is None:
        guards = state.navigation_guards = guards_for(request.app.router.routes)
    return guards


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
        "navigation": navigation_for(actor, request.url.path, _guards(request)),
        "identity": _header_identity(request, actor) if actor is not None else None,
    }
