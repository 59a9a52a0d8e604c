"""The initiative's entry in the permission matrix (merged into tests/matrix.py)."""

from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.initiatives import service
from aseancyber.initiatives.schemas import InitiativeCreate
from tests.factories import actor
from tests.matrix import Shareable
from tests.readers import World


def _make_initiative(db: Session, world: World, tlp: Tlp, external: bool, marker: str) -> str:
    data = InitiativeCreate(
        title=f"Matrix initiative {marker}",
        tlp=tlp,
        summary=f"Incident response training {marker}",
        green_includes_external=external,
        audience_organisation_ids=[world.recipient_org.id],
        audience_user_ids=[world.named_user.id],
    )
    return service.create(db, actor=actor(world.author), data=data).id


ENTRIES: dict[str, Shareable] = {
    "initiative": Shareable(
        make=_make_initiative,
        rest_list="/api/v1/initiatives",
        rest_detail="/api/v1/initiatives/{id}",
        rest_export="/api/v1/initiatives/export?format=json",
        page_list="/initiatives",
        page_detail="/initiatives/{id}",
        page_export="/initiatives/export?format=json",
    ),
}
