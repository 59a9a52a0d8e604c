"""The permission-matrix entry for stored STIX objects (every version is a shareable record)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.sharing.models import Collection
from aseancyber.sharing.schemas import IndicatorShare
from aseancyber.sharing.share_service import share_indicator
from tests.factories import actor
from tests.matrix import Shareable
from tests.readers import World
from tests.sharing.conftest import make_collection


def _make_indicator(db: Session, world: World, tlp: Tlp, external: bool, marker: str) -> str:
    collection = db.scalar(
        select(Collection).where(Collection.owner_organisation_id == world.owner_org.id)
    ) or make_collection(db, world, public_read=True)
    data = IndicatorShare(
        collection_id=collection.id,
        observable_type="domain-name",
        value=f"{marker}.example.net",
        name=f"Matrix indicator {marker}",
        description=f"description {marker}",
        tlp=tlp,
        green_includes_external=external,
        audience_organisation_ids=[world.recipient_org.id],
        audience_user_ids=[world.named_user.id],
    )
    return share_indicator(db, actor=actor(world.author), data=data).id


ENTRIES: dict[str, Shareable] = {
    "stix_object": Shareable(
        make=_make_indicator,
        rest_list="/api/v1/sharing/objects",
        rest_detail="/api/v1/sharing/objects/{id}",
        rest_export="/api/v1/sharing/objects/export?format=json",
        page_list="/sharing/objects",
        page_detail="/sharing/objects/{id}",
        page_export="/sharing/objects/export?format=json",
    ),
}
