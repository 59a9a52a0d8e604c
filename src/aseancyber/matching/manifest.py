"""Indicator matching."""

from datetime import timedelta

from aseancyber.jobs.service import Every, InUnits, Periodic
from aseancyber.matching import api, indexer, models, pages
from aseancyber.plugins import Manifest, NavItem

SWEEP = "matching.sweep"
CATCH_UP = "matching.catch_up"

MANIFEST = Manifest(
    name="matching",
    routers=[
        api.router,
        pages.router,
    ],
    models=[models],
    handlers={
        SWEEP: InUnits(indexer.sweep),
        CATCH_UP: InUnits(indexer.catch_up_job),
    },
    periodic=[
        Periodic(SWEEP, Every(timedelta(minutes=10))),
        # Requests compile what the index does not cover yet: keep that tail short.
        Periodic(CATCH_UP, Every(timedelta(seconds=10)), has_work=indexer.has_recent_unindexed),
    ],
    navigation=[
        NavItem("Matching", "/matching", position=120),
    ],
)
