"""MISP interoperability."""

from aseancyber.interop import api, pages
from aseancyber.plugins import Manifest

MANIFEST = Manifest(
    name="interop",
    routers=[
        api.router,
        pages.router,
    ],
)
