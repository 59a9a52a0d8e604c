"""Routing findings to the responsible state."""

from aseancyber.plugins import Manifest, NavItem
from aseancyber.routing import api, models, pages

MANIFEST = Manifest(
    name="routing",
    routers=[
        api.router,
        pages.router,
    ],
    models=[models],
    navigation=[
        NavItem("Routing", "/routing", position=110),
    ],
)
