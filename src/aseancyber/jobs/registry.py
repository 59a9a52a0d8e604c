"""Every job kind the workers know, and the periodic jobs: declared here and nowhere else.

A domain adds background work by writing a handler ``function(db, payload)`` and adding
one line to :data:`HANDLERS` (and to :data:`PERIODIC` if it runs on a schedule).
"""

from datetime import timedelta

from aseancyber.cases import workflow as cases_workflow
from aseancyber.contacts import checks_service as contact_checks
from aseancyber.contacts import service as contacts_service
from aseancyber.federation import sync as federation_sync
from aseancyber.initiatives import report_runs as initiatives_report_runs
from aseancyber.jobs.maintenance import clean_up_expired
from aseancyber.jobs.service import DailyAt, Every, Handler, InUnits, Periodic
from aseancyber.matching import indexer as matching_indexer
from aseancyber.notify.delivery import (
    has_due_emails,
    send_daily_digests,
    send_due_emails,
)
from aseancyber.positions import silence as positions_silence
from aseancyber.positions.consensus import has_due_reminders, send_reminders
from aseancyber.positions.engagements_service import (
    has_due_action_reminders,
    send_action_reminders,
)
from aseancyber.requests import workflow as requests_workflow
from aseancyber.sharing.ingest import purge_expired_statuses

SEND_EMAILS = "notify.send_due_emails"
DAILY_DIGEST = "notify.daily_digest"
CLEAN_UP = "jobs.clean_up_expired"
CASE_EMBARGOES = "cases.embargo_ends_and_reminders"
POSITION_REMINDERS = "positions.send_reminders"
ENGAGEMENT_ACTION_REMINDERS = "positions.send_action_reminders"
POSITION_DEADLINES = "positions.settle_silence_and_confirmation"
STALE_CONTACTS = "contacts.remind_stale"
CHECK_DEADLINES = "contacts.check_deadlines"
REQUEST_DEADLINES = "requests.deadlines"
TAXII_STATUS_PURGE = "sharing.purge_expired_statuses"
FEDERATION_SYNC = "federation.sync_due"
MATCHING_SWEEP = "matching.sweep"
MATCHING_CATCH_UP = "matching.catch_up"

DIGEST_HOUR_UTC = 0  # 07:00-09:00 across the ASEAN time zones

HANDLERS: dict[str, Handler] = {
    SEND_EMAILS: send_due_emails,
    DAILY_DIGEST: send_daily_digests,
    CLEAN_UP: clean_up_expired,
    POSITION_REMINDERS: send_reminders,
    ENGAGEMENT_ACTION_REMINDERS: send_action_reminders,
    POSITION_DEADLINES: positions_silence.settle_due,
    STALE_CONTACTS: contacts_service.remind_stale_contacts,
    CHECK_DEADLINES: contact_checks.run_deadlines,
    REQUEST_DEADLINES: requests_workflow.run_deadlines,
    CASE_EMBARGOES: cases_workflow.expire_embargoes,
    TAXII_STATUS_PURGE: purge_expired_statuses,
    initiatives_report_runs.JOB_KIND: initiatives_report_runs.build_report,
    FEDERATION_SYNC: InUnits(federation_sync.run_due),
    MATCHING_SWEEP: InUnits(matching_indexer.sweep),
    MATCHING_CATCH_UP: InUnits(matching_indexer.catch_up_job),
}

PERIODIC: list[Periodic] = [
    Periodic(SEND_EMAILS, Every(timedelta(seconds=10)), has_work=has_due_emails),
    Periodic(DAILY_DIGEST, DailyAt(hour=DIGEST_HOUR_UTC)),
    Periodic(CLEAN_UP, Every(timedelta(hours=1))),
    Periodic(POSITION_REMINDERS, Every(timedelta(hours=1)), has_work=has_due_reminders),
    Periodic(POSITION_DEADLINES, Every(timedelta(minutes=1)), has_work=positions_silence.has_due),
    Periodic(
        ENGAGEMENT_ACTION_REMINDERS, Every(timedelta(hours=1)), has_work=has_due_action_reminders
    ),
    Periodic(STALE_CONTACTS, DailyAt(hour=1), has_work=contacts_service.has_stale_to_remind),
    Periodic(CHECK_DEADLINES, Every(timedelta(minutes=5)), has_work=contact_checks.has_deadlines),
    Periodic(
        REQUEST_DEADLINES, Every(timedelta(minutes=5)), has_work=requests_workflow.has_deadlines
    ),
    Periodic(CASE_EMBARGOES, Every(timedelta(minutes=5)), has_work=cases_workflow.has_embargo_work),
    Periodic(TAXII_STATUS_PURGE, Every(timedelta(hours=1))),
    Periodic(FEDERATION_SYNC, Every(timedelta(minutes=1)), has_work=federation_sync.has_due_work),
    Periodic(MATCHING_SWEEP, Every(timedelta(minutes=10))),
    # Requests compile what the index does not cover yet: keep that tail short.
    Periodic(
        MATCHING_CATCH_UP,
        Every(timedelta(seconds=10)),
        has_work=matching_indexer.has_recent_unindexed,
    ),
]
