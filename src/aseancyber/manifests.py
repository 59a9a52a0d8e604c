"""Every package that plugs into the site, in order: the ONLY place a new domain is added.

The order is the order the routers are included in (an earlier route wins a path both
match), after the site's own pages; panels and navigation links carry their own position.
Each domain declares its ``MANIFEST`` in its own ``manifest.py``; the foundation packages
that serve pages or run jobs (access, audit, notify, jobs) are declared here, because a
manifest imports :mod:`aseancyber.plugins`, which itself builds on access and jobs.
"""

from collections.abc import Mapping, Sequence
from datetime import timedelta

from aseancyber.access import account_pages as access_account_pages
from aseancyber.access import api as access_api
from aseancyber.access import audit_api, audit_pages
from aseancyber.access import models as access_models
from aseancyber.access import pages as access_pages
from aseancyber.access import policy as access_policy
from aseancyber.audit import models as audit_models
from aseancyber.cases.manifest import MANIFEST as CASES
from aseancyber.community.manifest import MANIFEST as COMMUNITY
from aseancyber.contacts.manifest import MANIFEST as CONTACTS
from aseancyber.federation.manifest import MANIFEST as FEDERATION
from aseancyber.initiatives.manifest import MANIFEST as INITIATIVES
from aseancyber.initiatives.reports import runs as report_runs
from aseancyber.interop.manifest import MANIFEST as INTEROP
from aseancyber.jobs import models as jobs_models
from aseancyber.jobs.service import DailyAt, Every, Handler, Periodic
from aseancyber.matching.manifest import MANIFEST as MATCHING
from aseancyber.norms.manifest import MANIFEST as NORMS
from aseancyber.notify import api as notify_api
from aseancyber.notify import delivery as notify_delivery
from aseancyber.notify import models as notify_models
from aseancyber.notify import pages as notify_pages
from aseancyber.notify import panels as notify_panels
from aseancyber.ops.manifest import MANIFEST as OPS
from aseancyber.plugins import DashboardPanel, Manifest, NavItem
from aseancyber.positions.manifest import MANIFEST as POSITIONS
from aseancyber.reporting import ProgrammeProvider, ReportSource
from aseancyber.requests.manifest import MANIFEST as REQUESTS
from aseancyber.routing.manifest import MANIFEST as ROUTING
from aseancyber.sharing.manifest import MANIFEST as SHARING

ACCESS = Manifest(
    name="access",
    routers=[access_api.router, access_pages.router, access_account_pages.router],
    models=[access_models, access_policy],
)
AUDIT = Manifest(
    name="audit",
    routers=[audit_api.router, audit_pages.router],
    models=[audit_models],
    navigation=[NavItem("Audit", "/audit", position=160)],
)
SEND_EMAILS = "notify.send_due_emails"
DAILY_DIGEST = "notify.daily_digest"
DIGEST_HOUR_UTC = 0  # 07:00-09:00 across the ASEAN time zones
NOTIFY = Manifest(
    name="notify",
    routers=[notify_api.router, notify_pages.router],
    models=[notify_models],
    handlers={
        SEND_EMAILS: notify_delivery.send_due_emails,
        DAILY_DIGEST: notify_delivery.send_daily_digests,
    },
    periodic=[
        Periodic(
            SEND_EMAILS, Every(timedelta(seconds=10)), has_work=notify_delivery.has_due_emails
        ),
        Periodic(DAILY_DIGEST, DailyAt(hour=DIGEST_HOUR_UTC)),
    ],
    panels=[DashboardPanel(notify_panels.unread_notifications, position=100)],
    navigation=[NavItem("Inbox", "/inbox", position=140)],
)
JOBS = Manifest(name="jobs", models=[jobs_models])

MANIFESTS: Sequence[Manifest] = (
    OPS,
    ACCESS,
    COMMUNITY,
    AUDIT,
    NOTIFY,
    JOBS,
    INITIATIVES,
    POSITIONS,
    NORMS,
    SHARING,
    INTEROP,
    FEDERATION,
    MATCHING,
    ROUTING,
    CONTACTS,
    REQUESTS,
    CASES,
)


REPORT_SOURCES: Sequence[ReportSource] = tuple(
    source for manifest in MANIFESTS for source in manifest.report_sections
)

SURVEY_PROGRAMMES: ProgrammeProvider | None = next(
    (m.survey_programmes for m in MANIFESTS if m.survey_programmes is not None), None
)


def job_handlers() -> Mapping[str, Handler]:
    """Every job kind the workers know, from every manifest (a kind declared twice fails),
    and the ministers' report job bound to every manifest's report sections."""
    handlers: dict[str, Handler] = {
        report_runs.JOB_KIND: report_runs.report_builder(REPORT_SOURCES)
    }
    for manifest in MANIFESTS:
        for kind, handler in manifest.handlers.items():
            if kind in handlers:
                raise ValueError(f"job kind {kind!r} is declared twice ({manifest.name})")
            handlers[kind] = handler
    return handlers


def periodic_jobs() -> list[Periodic]:
    """Every periodic job, from every manifest."""
    return [item for manifest in MANIFESTS for item in manifest.periodic]


JOB_HANDLERS: Mapping[str, Handler] = job_handlers()
PERIODIC_JOBS: Sequence[Periodic] = periodic_jobs()
