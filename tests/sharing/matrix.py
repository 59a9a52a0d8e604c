"""The permission-matrix entries for stored STIX objects (every version is a shareable
record), and for sightings of them made by their named recipients."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.policy import Tlp
from aseancyber.sharing.models import Collection, CollectionGrant, StixObject
from aseancyber.sharing.schemas import IndicatorShare, SightingCreate
from aseancyber.sharing.share_service import add_sighting, share_indicator
from tests.factories import actor
from tests.matrix import Derived, Made, Probe, Shareable
from tests.readers import World
from tests.sharing.conftest import make_collection


def _make_indicator(db: Session, world: World, tlp: Tlp, external: bool, marker: str) -> str:
    collection = db.scalar(
        select(Collection).where(Collection.owner_organisation_id == world.owner_org.id)
    ) or make_collection(db, world, public_read=True)
    data = IndicatorShare(
        collection_id=collection.id,
        observable_type="domain-name",
        share_anyway=True,  # documentation domains: on a warninglist
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


TAXII_ACCEPT = (("Accept", "application/taxii+json;version=2.1"),)


def _make_sighting(db: Session, world: World, parent_id: str, by: User, marker: str) -> Made:
    parent = db.get(StixObject, parent_id)
    assert parent is not None
    granted = db.scalar(
        select(CollectionGrant.id).where(
            CollectionGrant.collection_id == parent.collection_id,
            CollectionGrant.organisation_id == by.organisation_id,
        )
    )
    if granted is None:  # the recipient may add to the author's feed
        db.add(
            CollectionGrant(
                collection_id=parent.collection_id,
                organisation_id=by.organisation_id,
                can_write=True,
            )
        )
        db.flush()
    sighting = add_sighting(
        db, actor=actor(by), ref=parent_id, data=SightingCreate(description=f"seen {marker}")
    )
    objects = f"/taxii2/api/collections/{parent.collection_id}/objects/"
    return Made(
        probes=(
            Probe("rest detail", f"/api/v1/sharing/objects/{sighting.id}", sighting.id),
            Probe("rest search", f"/api/v1/sharing/objects?q={marker}", sighting.id),
            Probe(
                "rest export",
                "/api/v1/sharing/objects/export?format=json&type=sighting",
                sighting.id,
            ),
            Probe("page detail", f"/sharing/objects/{sighting.id}", marker),
            Probe("page of the parent", f"/sharing/objects/{parent_id}", sighting.id),
            Probe(
                "page export (STIX)",
                "/sharing/objects/export?format=stix&type=sighting",
                sighting.stix_id,
            ),
            Probe(
                "taxii objects",
                f"{objects}?match[type]=sighting",
                sighting.stix_id,
                TAXII_ACCEPT,
                members_only=True,
            ),
            Probe(
                "taxii object",
                f"{objects}{sighting.stix_id}/",
                marker,
                TAXII_ACCEPT,
                members_only=True,
            ),
        )
    )


DERIVED: dict[str, Derived] = {
    "sighting": Derived(parent="stix_object", make=_make_sighting),
}
