"""The notifications sharing sends: "named on a TLP:AMBER / TLP:RED record" and "someone
sighted your indicator".

Each recipient is a candidate only; a notification is written for those who may see the
record it is about, asked of the policy through the same SQL filter pages use
(:func:`aseancyber.sharing.objects_service.visible_in`), so it never says more than the
recipient may read on the record's page.
"""

from datetime import datetime

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation
from aseancyber.access.policy import Actor, Tlp, audience_of
from aseancyber.access.shareable import members_of, readers_of
from aseancyber.notify.models import NotificationKind
from aseancyber.notify.service import notify
from aseancyber.sharing import objects_service
from aseancyber.sharing.models import StixObject

NAMED_LABELS = frozenset({Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED})


def tell_named_audience(db: Session, *, actor: Actor, record: StixObject) -> int:
    """Tell the people and organisations named on a TLP:AMBER / RED record; how many were told."""
    if record.tlp not in NAMED_LABELS:
        return 0
    audience = audience_of(db, record)
    candidates = set(audience.user_ids) | set(members_of(db, audience.organisation_ids))
    recipients = readers_of(
        db, record, candidates, visible=objects_service.visible_in, skip=actor.user_id
    )
    owner = db.get(Organisation, record.owner_organisation_id)
    owner_name = owner.name if owner is not None else "another organisation"
    notified = notify(
        db,
        user_ids=recipients,
        kind=NotificationKind.SHARED_WITH_YOU,
        title=f"{owner_name} shared a {record.tlp} {record.type} with you: {record.name}"[:300],
        body=(
            f"You or your organisation is named on this {record.tlp} record. "
            "Share it only as its label allows."
        ),
        link=f"/sharing/objects/{record.id}",
    )
    return len(notified)


def tell_sighted_owner(
    db: Session, *, actor: Actor, sighted: StixObject, sighting: StixObject, count: int
) -> int:
    """Tell the organisation that shared ``sighted`` (and its author) about a new sighting:
    who saw it, when and how often, to those of them who may see the sighting."""
    candidates = [*members_of(db, [sighted.owner_organisation_id]), sighted.created_by_id]
    recipients = readers_of(
        db, sighting, candidates, visible=objects_service.visible_in, skip=actor.user_id
    )
    sighter = db.get(Organisation, actor.organisation_id)
    who = sighter.name if sighter is not None else "an organisation"
    if sighter is not None and sighter.member_state is not None:
        who += f" ({sighter.member_state.name})"
    body = orjson.loads(sighting.body)
    seen = body.get("last_seen") or body.get("first_seen") or body.get("created")
    notified = notify(
        db,
        user_ids=recipients,
        kind=NotificationKind.SIGHTING,
        title=f"{who} sighted your indicator {sighted.name}"[:300],
        body=f"Seen {count} time{'s' if count != 1 else ''}, last at {seen}, by {who}.",
        link=f"/sharing/objects/{sighted.id}",
    )
    return len(notified)


SIGHTINGS_TOLD_PER_POST = 50
"""A post over TAXII or a file upload tells the owners about this many of its sightings at
most (a bulk import of thousands of sightings is not thousands of notifications)."""


def tell_about_posted(db: Session, *, actor: Actor, collection_id: str, since: datetime) -> int:
    """After ``actor`` posted objects to a collection over TAXII or by file: tell the
    owners of each object their sightings point at, as the sighting form does. Only objects
    the poster may see are looked up, so a sighting of a hidden id tells nobody anything.
    Returns how many notifications were written."""
    sightings = db.scalars(
        select(StixObject)
        .where(
            StixObject.collection_id == collection_id,
            StixObject.date_added >= since,
            StixObject.type == "sighting",
            StixObject.created_by_id == actor.user_id,
            StixObject.sighting_of_ref.is_not(None),
        )
        .order_by(StixObject.date_added, StixObject.id)
        .limit(SIGHTINGS_TOLD_PER_POST)
    ).all()
    told = 0
    for sighting in sightings:
        sighted = db.scalar(
            select(StixObject)
            .where(
                StixObject.stix_id == sighting.sighting_of_ref,
                objects_service.visible_in(actor),
            )
            .order_by(StixObject.version_at.desc(), StixObject.id)
            .limit(1)
        )
        if sighted is None or sighted.owner_organisation_id == actor.organisation_id:
            continue
        count = orjson.loads(sighting.body).get("count", 1)
        told += tell_sighted_owner(
            db,
            actor=actor,
            sighted=sighted,
            sighting=sighting,
            count=count if isinstance(count, int) and count >= 0 else 1,
        )
    return told
