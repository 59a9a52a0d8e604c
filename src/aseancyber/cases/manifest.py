"""Multi-party vulnerability and incident coordination."""

from datetime import timedelta

from aseancyber.cases import api, models, pages, report, workflow
from aseancyber.cases.advisories import api as advisory_api
from aseancyber.cases.advisories import models as advisory_models
from aseancyber.cases.advisories import pages as advisory_pages
from aseancyber.cases.measures import panels
from aseancyber.cases.messages import api as message_api
from aseancyber.cases.messages import models as message_models
from aseancyber.cases.provider import api as publication_api
from aseancyber.cases.provider import models as provider_models
from aseancyber.cases.scoring import models as scoring_models
from aseancyber.jobs.service import Every, Periodic
from aseancyber.plugins import DashboardPanel, Manifest, NavItem
from aseancyber.reporting import ReportSource

EMBARGOES = "cases.embargo_ends_and_reminders"

MANIFEST = Manifest(
    name="cases",
    routers=[
        api.router,
        message_api.router,
        advisory_api.case_router,
        advisory_api.router,
        pages.router,
        advisory_pages.router,
        publication_api.router,
    ],
    models=[models, message_models, advisory_models, provider_models, scoring_models],
    handlers={
        EMBARGOES: workflow.expire_embargoes,
    },
    periodic=[
        Periodic(EMBARGOES, Every(timedelta(minutes=5)), has_work=workflow.has_embargo_work),
    ],
    panels=[
        DashboardPanel(panels.case_measures, position=50),
    ],
    navigation=[
        NavItem("Cases", "/cases", position=90),
    ],
    report_sections=[ReportSource("cases", report.report_section)],
)
