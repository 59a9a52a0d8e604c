"""The notifications dashboard panel."""

from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor
from aseancyber.plugins import Panel


def unread_notifications(db: Session, actor: Actor) -> Panel:
    """The unread-notification count (the header's ``unread_count``) with a link to the inbox."""
    return Panel(
        "Unread notifications",
        "panels/unread.html",
        more_href="/inbox",
        more_label="Open the inbox",
    )
