"""House-keeping job: delete rows whose purpose has expired."""

from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.models import LoginAttempt, LoginSession
from aseancyber.db import utcnow
from aseancyber.jobs.models import Job, JobStatus
from aseancyber.notify.models import UsedLink

LOGIN_ATTEMPTS_KEPT = timedelta(days=1)
DONE_JOBS_KEPT = timedelta(days=7)


def clean_up_expired(db: Session, payload: dict[str, Any]) -> None:
    """Job handler: drop expired sign-in sessions, old login attempts, spent links, old jobs."""
    now = utcnow()
    statements = {
        "login_sessions": delete(LoginSession).where(LoginSession.expires_at < now),
        "login_attempts": delete(LoginAttempt).where(LoginAttempt.at < now - LOGIN_ATTEMPTS_KEPT),
        # An expired link is refused by its signature check alone, so its nonce can go.
        "used_links": delete(UsedLink).where(UsedLink.expires_at < now),
        "jobs": delete(Job).where(
            Job.status == JobStatus.DONE, Job.finished_at < now - DONE_JOBS_KEPT
        ),
    }
    counts = {
        name: int(
            getattr(
                db.execute(statement, execution_options={"synchronize_session": False}),
                "rowcount",
                0,
            )
        )
        for name, statement in statements.items()
    }
    if any(counts.values()):  # bulk deletes bypass the row-change entries: one entry, counted
        audit.record(
            db,
            action="jobs.clean_up_expired",
            record_kind="maintenance",
            record_id="expired",
            detail=counts,
        )
