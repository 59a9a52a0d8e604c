"""Permission-matrix entries for cases and their advisories.

Each case is opened by ``world.author`` (its organisation coordinates) with the recipient
organisation and the named user (individually) as participants: the case's audience.
"""

from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.policy import Tlp
from aseancyber.cases import participants, service
from aseancyber.cases.advisories import service as advisories
from aseancyber.cases.advisories.schemas import AdvisoryCreate
from aseancyber.cases.messages import service as messages
from aseancyber.cases.models import CaseKind, ParticipantRole
from aseancyber.cases.schemas import CaseCreate, MessageCreate, ParticipantAdd
from tests.factories import actor
from tests.matrix import Derived, Made, Probe, Shareable
from tests.readers import World


def make_case(db: Session, world: World, tlp: Tlp, external: bool, marker: str) -> str:
    author = actor(world.author)
    case = service.create(
        db,
        actor=author,
        data=CaseCreate(
            title=f"Matrix case {marker}",
            kind=CaseKind.VULNERABILITY,
            tlp=tlp,
            summary=f"summary {marker}",
            green_includes_external=external,
        ),
    )
    participants.add(
        db,
        actor=author,
        case_id=case.id,
        data=ParticipantAdd(
            role=ParticipantRole.OTHER_CERT, organisation_id=world.recipient_org.id
        ),
    )
    participants.add(
        db,
        actor=author,
        case_id=case.id,
        data=ParticipantAdd(
            role=ParticipantRole.REPORTER, email=world.named_user.email, individual=True
        ),
    )
    return case.id


def _make_advisory(db: Session, world: World, tlp: Tlp, external: bool, marker: str) -> str:
    case_id = make_case(db, world, tlp, external, f"case-of-{marker}")
    advisory = advisories.draft(
        db,
        actor=actor(world.author),
        case_id=case_id,
        data=AdvisoryCreate(title=f"Matrix advisory {marker}", summary=f"summary {marker}"),
    )
    return advisory.id


ENTRIES: dict[str, Shareable] = {
    "case": Shareable(
        make=make_case,
        rest_list="/api/v1/cases",
        rest_detail="/api/v1/cases/{id}",
        rest_export="/api/v1/cases/export?format=json",
        page_list="/cases",
        page_detail="/cases/{id}",
        page_export="/cases/export?format=json",
    ),
    "advisory": Shareable(
        make=_make_advisory,
        rest_list="/api/v1/advisories",
        rest_detail="/api/v1/advisories/{id}",
        rest_export="/api/v1/advisories/export",
        page_list="/advisories",
        page_detail="/advisories/{id}",
        page_export="/advisories/export",
    ),
}


def _make_message(db: Session, world: World, parent_id: str, by: User, marker: str) -> Made:
    """A message to all the case's participants, by a participant named in the case."""
    message = messages.post(
        db, actor=actor(by), case_id=parent_id, data=MessageCreate(body=f"message {marker}")
    )
    return Made(
        probes=(
            Probe("rest list", f"/api/v1/cases/{parent_id}/messages", message.id),
            Probe("rest search", f"/api/v1/cases/{parent_id}/messages?q={marker}", message.id),
            Probe("page thread", f"/cases/{parent_id}/threads/{message.thread_id}", marker),
            Probe("page case", f"/cases/{parent_id}", marker),
        )
    )


DERIVED: dict[str, Derived] = {
    "case message": Derived(parent="case", make=_make_message),
}
