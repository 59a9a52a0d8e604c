"""Points of contact and communication checks."""

from datetime import timedelta

from aseancyber.contacts import (
    api,
    checks_pages,
    checks_service,
    models,
    pages,
    panels,
    report,
    service,
)
from aseancyber.jobs.service import DailyAt, Every, Periodic
from aseancyber.plugins import DashboardPanel, Manifest, NavItem
from aseancyber.reporting import ReportSource

STALE_CONTACTS = "contacts.remind_stale"
CHECK_DEADLINES = "contacts.check_deadlines"

MANIFEST = Manifest(
    name="contacts",
    routers=[
        api.router,
        checks_pages.router,  # before pages: /contacts/checks is not an id
        pages.router,
    ],
    models=[models],
    handlers={
        STALE_CONTACTS: service.remind_stale_contacts,
        CHECK_DEADLINES: checks_service.run_deadlines,
    },
    periodic=[
        Periodic(STALE_CONTACTS, DailyAt(hour=1), has_work=service.has_stale_to_remind),
        Periodic(
            CHECK_DEADLINES, Every(timedelta(minutes=5)), has_work=checks_service.has_deadlines
        ),
    ],
    panels=[
        DashboardPanel(panels.contact_tasks, position=60),
    ],
    navigation=[
        NavItem("Contacts", "/contacts", position=70),
    ],
    report_sections=[ReportSource("contacts", report.report_section)],
)
