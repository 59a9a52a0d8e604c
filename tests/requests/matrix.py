"""Cross-border requests in the permission matrix (merged into ``tests.matrix.MATRIX``)."""

from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.requests import service, workflow
from aseancyber.requests.models import RequestKind, RequestStatus
from aseancyber.requests.schemas import RequestCreate, Transition
from tests.factories import actor
from tests.matrix import Shareable
from tests.readers import World


def make_request(db: Session, world: World, tlp: Tlp, external: bool, marker: str) -> str:
    """A request sent by the author to the recipient organisation, naming ``named_user``."""
    data = RequestCreate(
        kind=RequestKind.INFORMATION,
        subject=f"Matrix request {marker}",
        body="Which hosts talked to the listed addresses?",
        receiving_organisation_id=world.recipient_org.id,
        tlp=tlp,
        audience_user_emails=[world.named_user.email],
    )
    author = actor(world.author)
    request = service.create(db, actor=author, data=data)
    request.green_includes_external = external
    workflow.transition(
        db, actor=author, request_id=request.id, data=Transition(status=RequestStatus.SENT)
    )
    return request.id


ENTRIES: dict[str, Shareable] = {
    "request": Shareable(
        make=make_request,
        rest_list="/api/v1/requests",
        rest_detail="/api/v1/requests/{id}",
        rest_export="/api/v1/requests/export",
        page_list="/requests",
        page_detail="/requests/{id}",
        page_export="/requests/export",
    ),
}
