"""The "shared with you" dashboard panel (declared in the domain's manifest):
the latest records other organisations shared naming the reader or the reader's
organisation, as far as the reader may see them."""

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor, RecordAudience
from aseancyber.plugins import Panel
from aseancyber.sharing import objects_service
from aseancyber.sharing.models import StixObject

SHOWN = 5


def shared_with_you(db: Session, actor: Actor) -> Panel | None:
    """Objects from other organisations naming the reader or their organisation, newest
    first (no panel when there are none)."""
    named = select(RecordAudience.record_id).where(
        RecordAudience.record_kind == StixObject.__shareable_kind__,
        or_(
            RecordAudience.organisation_id == actor.organisation_id,
            RecordAudience.user_id == actor.user_id,
        ),
    )
    condition = (
        StixObject.id.in_(named),
        StixObject.owner_organisation_id != actor.organisation_id,
        StixObject.type != "sighting",
        objects_service.visible_in(actor),
        objects_service.latest_version(actor),
    )
    total = db.scalar(select(func.count()).select_from(StixObject).where(*condition))
    if not total:
        return None
    shown = db.scalars(
        select(StixObject)
        .where(*condition)
        .order_by(StixObject.date_added.desc(), StixObject.id)
        .limit(SHOWN)
    ).all()
    return Panel(
        "Shared with you",
        "sharing/panels/shared_with_you.html",
        {"objects": shown, "total": int(total)},
        more_href="/sharing/objects",
        more_label="All shared information",
    )
