"""Permission-matrix entries for common positions and dialogue-partner engagements (merged
into ``tests/matrix.py``)."""

from datetime import date

from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.positions import engagements_service, service
from aseancyber.positions.models import EngagementKind
from aseancyber.positions.schemas import EngagementCreate, ParticipantIn, PositionCreate
from tests.factories import actor
from tests.matrix import LABELS, Shareable
from tests.readers import World


def _make_position(db: Session, world: World, tlp: Tlp, external: bool, marker: str) -> str:
    data = PositionCreate(
        title=f"Matrix position {marker}",
        summary=f"summary {marker}",
        paragraphs=[f"The first paragraph of {marker}.", "A second paragraph."],
        tlp=tlp,
        green_includes_external=external,
        audience_organisation_ids=[world.recipient_org.id],
        audience_user_ids=[world.named_user.id],
    )
    return service.create(db, actor=actor(world.author), data=data).id


def _make_engagement(db: Session, world: World, tlp: Tlp, external: bool, marker: str) -> str:
    # The audience is the participants: the named user's organisation takes part.
    data = EngagementCreate(
        title=f"Matrix engagement {marker}",
        kind=EngagementKind.BILATERAL,
        starts_on=date(2026, 3, 1),
        summary=f"summary {marker}",
        tlp=tlp,
        green_includes_external=external,
        participants=[
            ParticipantIn(organisation_id=world.recipient_org.id),
            ParticipantIn(organisation_id=world.recipient_user_org.id),
        ],
    )
    return engagements_service.create(db, actor=actor(world.author), data=data).id


ENTRIES: dict[str, Shareable] = {
    "position": Shareable(
        make=_make_position,
        rest_list="/api/v1/positions",
        rest_detail="/api/v1/positions/{id}",
        rest_export="/api/v1/positions/export",
        page_list="/positions",
        page_detail="/positions/{id}",
        page_export="/positions/export",
    ),
    "engagement": Shareable(
        make=_make_engagement,
        rest_list="/api/v1/engagements",
        rest_detail="/api/v1/engagements/{id}",
        rest_export="/api/v1/engagements/export",
        page_list="/engagements",
        page_detail="/engagements/{id}",
        page_export="/engagements/export",
        # The named user's organisation takes part as a whole (see _make_engagement).
        expected_overrides=(("named_users_colleague", frozenset(LABELS)),),
    ),
}
