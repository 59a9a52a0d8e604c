"""STIX 2.1 sharing and the TAXII 2.1 server."""

from datetime import timedelta

from aseancyber.jobs.service import Every, Periodic
from aseancyber.plugins import DashboardPanel, Manifest, NavItem
from aseancyber.reporting import ReportSource
from aseancyber.sharing import api, ingest, models, pages, panels, report, share_pages, taxii

TAXII_STATUS_PURGE = "sharing.purge_expired_statuses"

MANIFEST = Manifest(
    name="sharing",
    routers=[
        api.router,
        pages.router,
        share_pages.router,
        taxii.router,
    ],
    models=[models],
    handlers={
        TAXII_STATUS_PURGE: ingest.purge_expired_statuses,
    },
    periodic=[
        Periodic(TAXII_STATUS_PURGE, Every(timedelta(hours=1))),
    ],
    panels=[
        DashboardPanel(panels.shared_with_you, position=80),
    ],
    navigation=[
        NavItem("Sharing", "/sharing/objects", position=100),
    ],
    report_sections=[ReportSource("sharing", report.report_section)],
)
