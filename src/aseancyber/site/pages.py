"""The shell's own pages: the dashboard (a public landing for anonymous visitors) and the
TLP legend. Importing this module also wires the layout's navigation and page-link
helpers into the template environment."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from aseancyber.access.dependencies import DbSession, OptionalActor
from aseancyber.community import documents_service
from aseancyber.community import service as community_service
from aseancyber.site import dashboard, navigation
from aseancyber.web import templating
from aseancyber.web.paging import page_links

router = APIRouter(tags=["pages"], include_in_schema=False)

if navigation.shell_context not in templating.context_providers:
    templating.context_providers.append(navigation.shell_context)
templating.templates.env.globals["page_links"] = page_links

PUBLIC_DOCUMENTS_SHOWN = 10


@router.get("/")
def home(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """The dashboard's panels for a signed-in user; a public landing page for anyone else."""
    if actor is None:
        return templating.render(
            request,
            "landing.html",
            {
                "documents": documents_service.recent(
                    db, reader=None, limit=PUBLIC_DOCUMENTS_SHOWN
                ),
                "counts": community_service.counts(db),
            },
        )
    return templating.render(request, "dashboard.html", {"panels": dashboard.panels_for(db, actor)})


@router.get("/tlp")
def tlp_legend(request: Request, _actor: OptionalActor) -> Response:
    """What each TLP 2.0 label means on this platform."""
    return templating.render(request, "tlp.html")
