"""The initiatives registry, overlap detection and the ministers' report."""

from aseancyber.initiatives import api, import_runs, models, pages
from aseancyber.initiatives.norm_links import survey_programmes
from aseancyber.initiatives.overlaps import models as overlap_models
from aseancyber.initiatives.overlaps import notices as overlap_notices
from aseancyber.initiatives.reports import models as report_models
from aseancyber.plugins import DashboardPanel, Manifest, NavItem

MANIFEST = Manifest(
    name="initiatives",
    routers=[
        api.router,
        pages.router,
    ],
    models=[models, overlap_models, report_models],
    panels=[
        DashboardPanel(overlap_notices.overlaps_to_review, position=90),
    ],
    navigation=[
        NavItem("Initiatives", "/initiatives", position=40),
    ],
    survey_programmes=survey_programmes.capacity_building,
    handlers={import_runs.JOB_KIND: import_runs.import_runner()},
)
