"""A coordination scenario: two member states' CERTs, three vendors and a CI operator."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber import storage
from aseancyber.access.models import Organisation, OrganisationKind, Role, User
from aseancyber.access.policy import Tlp
from aseancyber.cases import participants, service, workflow
from aseancyber.cases.models import (
    Case,
    CaseKind,
    EmbargoResponse,
    Participant,
    ParticipantRole,
    Sector,
)
from aseancyber.cases.provider import publication
from aseancyber.cases.schemas import CaseCreate, EmbargoAnswer, ParticipantAdd
from tests.factories import actor, make_org, make_state
from tests.readers import TokenFor, make_user


@pytest.fixture(autouse=True)
def _attachments(tmp_path: Path) -> Iterator[Path]:
    storage.use_file_store(storage.LocalStore(tmp_path / "attachments"))
    yield tmp_path / "attachments"
    storage.use_file_store(None)


@dataclass
class Scenario:
    sg_cert: Organisation
    my_cert: Organisation
    vendors: list[Organisation]
    operator: Organisation
    outsider_vendor: Organisation
    sg: User  # SingCERT coordinator, opens the case
    my: User  # MyCERT co-coordinator
    vendor_users: list[User]
    operator_user: User
    outsider: User  # a vendor invited to another case only
    case: Case
    vendor_seats: list[Participant]
    operator_seat: Participant
    my_seat: Participant
    other_case: Case

    def rest(self, client: TestClient, token_for: TokenFor, user: User) -> TestClient:
        rest = TestClient(client.app, raise_server_exceptions=False)
        rest.headers.update(token_for(user))
        return rest


def _invite(
    db: Session, by: User, case: Case, org: Organisation, role: ParticipantRole
) -> Participant:
    return participants.add(
        db,
        actor=actor(by),
        case_id=case.id,
        data=ParticipantAdd(role=role, organisation_id=org.id),
    )


@pytest.fixture
def scenario(db: Session) -> Scenario:
    sg_state, my_state = make_state(db, "SG"), make_state(db, "MY")
    sg_cert = make_org(db, state=sg_state, name="Case SingCERT")
    my_cert = make_org(db, state=my_state, name="Case MyCERT")
    vendors = [
        make_org(db, kind=OrganisationKind.VENDOR, name=f"Case Vendor {n}") for n in range(3)
    ]
    operator = make_org(db, kind=OrganisationKind.CI_OPERATOR, name="Case Grid Operator")
    outsider_vendor = make_org(db, kind=OrganisationKind.VENDOR, name="Case Other Vendor")
    sg = make_user(db, sg_cert, Role.COORDINATOR)
    my = make_user(db, my_cert, Role.COORDINATOR)
    vendor_users = [make_user(db, org, Role.CONTRIBUTOR) for org in vendors]
    operator_user = make_user(db, operator, Role.CONTRIBUTOR)
    outsider = make_user(db, outsider_vendor, Role.CONTRIBUTOR)
    my.time_zone = "Asia/Kuala_Lumpur"
    case = service.create(
        db,
        actor=actor(sg),
        data=CaseCreate(
            title="Buffer overflow in SCADA gateway firmware",
            kind=CaseKind.VULNERABILITY,
            tlp=Tlp.AMBER,
            summary="Remote code execution in a gateway used by power utilities.",
            sectors=[Sector.ENERGY, Sector.WATER],
        ),
    )
    my_seat = _invite(db, sg, case, my_cert, ParticipantRole.COORDINATOR)
    vendor_seats = [_invite(db, sg, case, org, ParticipantRole.VENDOR) for org in vendors]
    operator_seat = _invite(db, sg, case, operator, ParticipantRole.DEPLOYER)
    other_case = service.create(
        db,
        actor=actor(my),
        data=CaseCreate(title="Other case", kind=CaseKind.INCIDENT, tlp=Tlp.AMBER),
    )
    _invite(db, my, other_case, outsider_vendor, ParticipantRole.VENDOR)
    db.commit()
    return Scenario(
        sg_cert=sg_cert,
        my_cert=my_cert,
        vendors=vendors,
        operator=operator,
        outsider_vendor=outsider_vendor,
        sg=sg,
        my=my,
        vendor_users=vendor_users,
        operator_user=operator_user,
        outsider=outsider,
        case=case,
        vendor_seats=vendor_seats,
        operator_seat=operator_seat,
        my_seat=my_seat,
        other_case=other_case,
    )


def approve_by_both(db: Session, scenario: Scenario, advisory_id: str) -> None:
    """Both coordinating CERTs approve the advisory's pending revision."""
    for user in (scenario.sg, scenario.my):
        publication.approve(
            db, actor=actor(user), case_id=scenario.case.id, advisory_id=advisory_id
        )


def accept_embargo_everywhere(db: Session, scenario: Scenario) -> None:
    """Every participant that has not accepted the proposed embargo accepts it."""
    users = {
        scenario.sg_cert.id: scenario.sg,
        scenario.my_cert.id: scenario.my,
        scenario.operator.id: scenario.operator_user,
        **{org.id: user for org, user in zip(scenario.vendors, scenario.vendor_users, strict=True)},
    }
    for participant in service.participants_of(db, case_id=scenario.case.id):
        if (
            participant.embargo_response is EmbargoResponse.ACCEPTED
            or participant.organisation_id not in users  # no user: it cannot answer
        ):
            continue
        workflow.answer_embargo(
            db,
            actor=actor(users[participant.organisation_id]),
            case_id=scenario.case.id,
            participant_id=participant.id,
            data=EmbargoAnswer(response="accepted"),
        )
