"""Federation between national nodes."""

from datetime import timedelta

from aseancyber.federation import api, models, pages, sync
from aseancyber.jobs.service import Every, InUnits, Periodic
from aseancyber.plugins import Manifest, NavItem

SYNC = "federation.sync_due"

MANIFEST = Manifest(
    name="federation",
    routers=[
        api.router,
        pages.router,
    ],
    models=[models],
    handlers={
        SYNC: InUnits(sync.run_due),
    },
    periodic=[
        Periodic(SYNC, Every(timedelta(minutes=1)), has_work=sync.has_due_work),
    ],
    navigation=[
        NavItem("Federation", "/federation/peers", position=130),
    ],
)
