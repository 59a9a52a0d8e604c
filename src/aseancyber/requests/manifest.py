"""Cross-border requests for assistance."""

from datetime import timedelta

from aseancyber.jobs.service import Every, Periodic
from aseancyber.plugins import DashboardPanel, Manifest, NavItem
from aseancyber.reporting import ReportSource
from aseancyber.requests import api, models, pages, panels, report, workflow

DEADLINES = "requests.deadlines"

MANIFEST = Manifest(
    name="requests",
    routers=[
        api.router,
        pages.router,
    ],
    models=[models],
    handlers={
        DEADLINES: workflow.run_deadlines,
    },
    periodic=[
        Periodic(DEADLINES, Every(timedelta(minutes=5)), has_work=workflow.has_deadlines),
    ],
    panels=[
        DashboardPanel(panels.requests_awaiting, position=70),
    ],
    navigation=[
        NavItem("Requests", "/requests", position=80),
    ],
    report_sections=[ReportSource("requests", report.report_section)],
)
