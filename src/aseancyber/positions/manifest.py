"""Common positions and dialogue-partner engagements."""

from datetime import timedelta

from aseancyber.jobs.service import Every, Periodic
from aseancyber.plugins import Manifest, NavItem
from aseancyber.positions import (
    api,
    consensus,
    engagements_api,
    engagements_pages,
    engagements_service,
    models,
    pages,
    silence,
)

REMINDERS = "positions.send_reminders"
ENGAGEMENT_ACTION_REMINDERS = "positions.send_action_reminders"
DEADLINES = "positions.settle_silence_and_confirmation"

MANIFEST = Manifest(
    name="positions",
    routers=[
        api.router,
        engagements_api.router,
        pages.router,
        engagements_pages.router,
    ],
    models=[models],
    handlers={
        REMINDERS: consensus.send_reminders,
        ENGAGEMENT_ACTION_REMINDERS: engagements_service.send_action_reminders,
        DEADLINES: silence.settle_due,
    },
    periodic=[
        Periodic(REMINDERS, Every(timedelta(hours=1)), has_work=consensus.has_due_reminders),
        Periodic(DEADLINES, Every(timedelta(minutes=1)), has_work=silence.has_due),
        Periodic(
            ENGAGEMENT_ACTION_REMINDERS,
            Every(timedelta(hours=1)),
            has_work=engagements_service.has_due_action_reminders,
        ),
    ],
    navigation=[
        NavItem("Positions", "/positions", position=50),
        NavItem("Engagements", "/engagements", position=60),
    ],
)
