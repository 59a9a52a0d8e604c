"""The dashboard's panels: every manifest's panel providers, in their positions.

A provider takes the database session and the signed-in actor and returns a
:class:`Panel` (a title, a template fragment and its context), or ``None`` to show
nothing. Each provider must count and list only what the actor may see.
"""

from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor
from aseancyber.manifests import MANIFESTS
from aseancyber.plugins import Panel, PanelProvider

__all__ = ["PANELS", "Panel", "PanelProvider", "panels_for"]

PANELS: list[PanelProvider] = [
    slot.provider
    for slot in sorted(
        (slot for manifest in MANIFESTS for slot in manifest.panels),
        key=lambda slot: slot.position,
    )
]


def panels_for(db: Session, actor: Actor) -> list[Panel]:
    """The panels to show ``actor``, in order."""
    return [panel for provider in PANELS if (panel := provider(db, actor)) is not None]
