"""House-keeping job: delete rows whose purpose has expired."""

from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from aseancyber.access.models import LoginAttempt, LoginSession
from aseancyber.db import utcnow
from aseancyber.jobs.models import Job, JobStatus
from aseancyber.notify.models import UsedLink

LOGIN_ATTEMPTS_KEPT = timedelta(days=1)
DONE_JOBS_KEPT = timedelta(days=7)


def clean_up_expired(db: Session, payload: dict[str, Any]) -> None:
    """Job handler: drop expired sign-in sessions, old login attempts, spent links, old jobs."""
    now = utcnow()
    statements = [
        delete(LoginSession).where(LoginSession.expires_at < now),
        delete(LoginAttempt).where(LoginAttempt.at < now - LOGIN_ATTEMPTS_KEPT),
        # An expired link is refused by its signature check alone, so its nonce can go.
        delete(UsedLink).where(UsedLink.expires_at < now),
        delete(Job).where(Job.status == JobStatus.DONE, Job.finished_at < now - DONE_JOBS_KEPT),
    ]
    for statement in statements:
        db.execute(statement, execution_options={"synchronize_session": False})
