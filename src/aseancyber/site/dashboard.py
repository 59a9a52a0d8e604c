"""The dashboard's panels: one list of providers that later domains append one line to.

A provider takes the database session and the signed-in actor and returns a
:class:`Panel` (a title, a template fragment and its context), or ``None`` to show
nothing. Each provider must count and list only what the actor may see.
"""

from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor
from aseancyber.cases import panels as cases_panels
from aseancyber.community import panels as community_panels
from aseancyber.contacts import panels as contacts_panels
from aseancyber.initiatives import overlap_notices as initiatives_panels
from aseancyber.norms import panels as norms_panels
from aseancyber.plugins import Panel, PanelProvider
from aseancyber.requests import panels as requests_panels
from aseancyber.sharing import panels as sharing_panels

__all__ = ["PANELS", "Panel", "PanelProvider", "panels_for"]


def unread_notifications(db: Session, actor: Actor) -> Panel:
    """The unread-notification count (the header's ``unread_count``) with a link to the inbox."""
    return Panel(
        "Unread notifications",
        "panels/unread.html",
        more_href="/inbox",
        more_label="Open the inbox",
    )


PANELS: list[PanelProvider] = [
    community_panels.your_organisation,
    community_panels.recent_documents,
    community_panels.community_at_a_glance,
    norms_panels.norms_implementation,
    cases_panels.case_measures,
    contacts_panels.contact_tasks,
    requests_panels.requests_awaiting,
    sharing_panels.shared_with_you,
    initiatives_panels.overlaps_to_review,
    unread_notifications,
]


def panels_for(db: Session, actor: Actor) -> list[Panel]:
    """The panels to show ``actor``, in order."""
    return [panel for provider in PANELS if (panel := provider(db, actor)) is not None]
