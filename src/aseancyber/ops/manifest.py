"""Operations: health and metrics endpoints, and the house-keeping job."""

from datetime import timedelta

from aseancyber.jobs.service import Every, Periodic
from aseancyber.ops import health, maintenance, metrics
from aseancyber.plugins import Manifest

CLEAN_UP = "jobs.clean_up_expired"

MANIFEST = Manifest(
    name="ops",
    routers=[
        health.router,
        metrics.router,
    ],
    handlers={
        CLEAN_UP: maintenance.clean_up_expired,
    },
    periodic=[
        Periodic(CLEAN_UP, Every(timedelta(hours=1))),
    ],
)
