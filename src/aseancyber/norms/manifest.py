"""Norms, self-assessments and evidence."""

from aseancyber.norms import api, models, pages, panels, report
from aseancyber.plugins import DashboardPanel, Manifest, NavItem
from aseancyber.reporting import ReportSource

MANIFEST = Manifest(
    name="norms",
    routers=[
        api.router,
        pages.router,
    ],
    models=[models],
    panels=[
        DashboardPanel(panels.norms_implementation, position=40),
    ],
    navigation=[
        NavItem("Norms", "/norms", position=30),
    ],
    report_sections=[ReportSource("norms", report.report_section)],
)
