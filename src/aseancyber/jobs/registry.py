"""Every job kind the workers know, and the periodic jobs: declared here and nowhere else.

A domain adds background work by writing a handler ``function(db, payload)`` and adding
one line to :data:`HANDLERS` (and to :data:`PERIODIC` if it runs on a schedule).
"""

from datetime import timedelta

from aseancyber.jobs.maintenance import clean_up_expired
from aseancyber.jobs.service import DailyAt, Every, Handler, Periodic
from aseancyber.notify.delivery import (
    has_due_emails,
    send_daily_digests,
    send_due_emails,
)

SEND_EMAILS = "notify.send_due_emails"
DAILY_DIGEST = "notify.daily_digest"
CLEAN_UP = "jobs.clean_up_expired"

DIGEST_HOUR_UTC = 0  # 07:00-09:00 across the ASEAN time zones

HANDLERS: dict[str, Handler] = {
    SEND_EMAILS: send_due_emails,
    DAILY_DIGEST: send_daily_digests,
    CLEAN_UP: clean_up_expired,
}

PERIODIC: list[Periodic] = [
    Periodic(SEND_EMAILS, Every(timedelta(seconds=10)), has_work=has_due_emails),
    Periodic(DAILY_DIGEST, DailyAt(hour=DIGEST_HOUR_UTC)),
    Periodic(CLEAN_UP, Every(timedelta(hours=1))),
]
