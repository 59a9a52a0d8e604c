"""TAXII 2.1 (OASIS standard, June 2021) at /taxii2/: one API root, ``/taxii2/api/``.

The resources live in :mod:`~aseancyber.sharing.taxii_server` (discovery, API root,
status, collections) and :mod:`~aseancyber.sharing.taxii_objects` (manifest, objects,
versions); the shared plumbing (errors, media types, sign-in) in
:mod:`~aseancyber.sharing.taxii_common`. This module joins them into one router and
keeps the names other modules import from here.
"""

from fastapi import APIRouter
from fastapi.responses import Response

from aseancyber.errors import NotFound
from aseancyber.sharing import taxii_objects, taxii_server
from aseancyber.sharing.taxii_common import (
    API_ROOT,
    DEFAULT_LIMIT,
    STIX_MEDIA_TYPE,
    TAXII_MEDIA_TYPE,
    TaxiiActor,
    TaxiiRoute,
    max_content_length,
    taxii_actor,
    taxii_error,
    taxii_response,
)

__all__ = [
    "API_ROOT",
    "DEFAULT_LIMIT",
    "STIX_MEDIA_TYPE",
    "TAXII_MEDIA_TYPE",
    "TaxiiActor",
    "TaxiiRoute",
    "max_content_length",
    "router",
    "taxii_actor",
    "taxii_error",
    "taxii_response",
]

# The resource routers carry the /taxii2 prefix; this one joins them and adds the
# catch-all, last, so it only answers what none of them does.
router = APIRouter(route_class=TaxiiRoute, include_in_schema=False)
router.include_router(taxii_server.router)
router.include_router(taxii_objects.router)


@router.api_route("/taxii2/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str) -> Response:
    """Anything else under /taxii2/ is a TAXII 404 (section 3.6)."""
    raise NotFound("TAXII resource")
