"""MISP interoperability."""

from aseancyber.interop import api, models, pages
from aseancyber.plugins import Manifest

MANIFEST = Manifest(
    name="interop",
    routers=[
        api.router,
        pages.router,
    ],
    models=[models],
)
