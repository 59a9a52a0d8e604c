"""Notifications and e-mail: queued in the caller's transaction, delivered by jobs."""

from sqlalchemy.orm import Session

from aseancyber.notify.models import OutboundEmail


def queue_email(db: Session, *, to: str, subject: str, body: str) -> OutboundEmail:
    """Queue one plain-text e-mail; it is sent after the transaction commits, with retries."""
    email = OutboundEmail(to_address=to, subject=subject[:300], body=body)
    db.add(email)
    db.flush()
    return email
