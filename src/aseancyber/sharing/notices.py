"""The notifications sharing sends: "named on a TLP:AMBER / TLP:RED record" and "someone
sighted your indicator".

Each recipient is a candidate only; a notification is written for those who may see the
record it is about, asked of the policy through the same SQL filter pages use
(:func:`aseancyber.sharing.objects_service.visible_in`), so it never says more than the
recipient may read on the record's page.
"""

from collections.abc import Iterable

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor, Tlp, audience_of
from aseancyber.access.service import actor_for
from aseancyber.community.models import Organisation, User
from aseancyber.notify.models import NotificationKind
from aseancyber.notify.service import notify
from aseancyber.sharing import objects_service
from aseancyber.sharing.models import StixObject

NAMED_LABELS = frozenset({Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED})


def _readers(db: Session, record: StixObject, candidates: Iterable[str]) -> list[str]:
    """Those of ``candidates`` (user ids) who may see ``record``, by the one SQL filter."""
    users = db.scalars(
        select(User).where(User.id.in_(sorted(set(candidates))), User.is_active.is_(True))
    ).all()
    return [
        user.id
        for user in users
        if db.scalar(
            select(StixObject.id).where(
                StixObject.id == record.id, objects_service.visible_in(actor_for(user))
            )
        )
        is not None
    ]


def _members(db: Session, organisation_ids: Iterable[str]) -> list[str]:
    return list(
        db.scalars(
            select(User.id).where(
                User.organisation_id.in_(sorted(set(organisation_ids))), User.is_active.is_(True)
            )
        )
    )


def tell_named_audience(db: Session, *, actor: Actor, record: StixObject) -> int:
    """Tell the people and organisations named on a TLP:AMBER / RED record; how many were told."""
    if record.tlp not in NAMED_LABELS:
        return 0
    audience = audience_of(db, record)
    candidates = set(audience.user_ids) | set(_members(db, audience.organisation_ids))
    candidates.discard(actor.user_id)
    recipients = _readers(db, record, candidates)
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
    candidates = set(_members(db, [sighted.owner_organisation_id]))
    if sighted.created_by_id is not None:
        candidates.add(sighted.created_by_id)
    candidates.discard(actor.user_id)
    recipients = _readers(db, sighting, candidates)
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
