"""The initiatives registry, overlap detection and the ministers' report."""

from aseancyber.initiatives import (
    api,
    import_runs,
    models,
    overlap_notices,
    pages,
    survey_programmes,
)
from aseancyber.plugins import DashboardPanel, Manifest, NavItem

MANIFEST = Manifest(
    name="initiatives",
    routers=[
        api.router,
        pages.router,
    ],
    models=[models],
    panels=[
        DashboardPanel(overlap_notices.overlaps_to_review, position=90),
    ],
    navigation=[
        NavItem("Initiatives", "/initiatives", position=40),
    ],
    survey_programmes=survey_programmes.capacity_building,
    handlers={import_runs.JOB_KIND: import_runs.import_runner()},
)
