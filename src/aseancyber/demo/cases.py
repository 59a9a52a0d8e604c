"""Demo coordination cases: a flagship SCADA vulnerability coordinated by SingCERT and
MyCERT with a vendor and a Malaysian grid operator under an active embargo, a closed case
with a published TLP:CLEAR advisory, and one cross-border incident led by each member
state's CERT with a neighbour (states are data, so Timor-Leste takes part too).

:func:`load_demo_cases` is idempotent (a case title already present is left alone) and
does nothing until the demo accounts exist.
"""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, User
from aseancyber.access.policy import Tlp
from aseancyber.access.service import actor_for
from aseancyber.cases import catalogue, participants, service, workflow
from aseancyber.cases.advisories import service as advisories
from aseancyber.cases.advisories.schemas import AdvisoryCreate
from aseancyber.cases.messages import service as messages
from aseancyber.cases.messages.models import MessageAudience
from aseancyber.cases.models import (
    Case,
    CaseKind,
    EmbargoResponse,
    Involvement,
    ParticipantRole,
    ProductStatus,
    ReportState,
    Sector,
)
from aseancyber.cases.provider import publication
from aseancyber.cases.schemas import (
    CaseCreate,
    EmbargoAction,
    EmbargoAnswer,
    MessageCreate,
    ParticipantAdd,
    ProductCreate,
    SsvcInput,
    StatusSet,
    VulnerabilityCreate,
)
from aseancyber.db import utcnow

FLAGSHIP = "Remote code execution in Example Industrial GridGate RTU firmware"
CLOSED = "Authentication bypass in Example Industrial HMI web console"
INCIDENT_SECTORS = list(Sector)


def _user(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == email))


def _exists(db: Session, title: str) -> bool:
    return db.scalar(select(Case.id).where(Case.title == title)) is not None


def load_demo_cases(db: Session) -> int:
    """Create the demo cases that are missing; returns how many were created."""
    sg, my = _user(db, "analyst.sg@example.org"), _user(db, "analyst.my@example.org")
    vendor, operator = _user(db, "vendor@example.org"), _user(db, "operator.my@example.org")
    researcher = _user(db, "researcher@example.org")
    if sg is None or my is None or vendor is None or operator is None or researcher is None:
        return 0
    created = 0
    if not _exists(db, FLAGSHIP):
        _flagship(db, sg=sg, my=my, vendor=vendor, operator=operator, researcher=researcher)
        created += 1
    if not _exists(db, CLOSED):
        _closed(db, sg, vendor)
        created += 1
    created += _incidents(db)
    db.flush()
    return created


def _flagship(
    db: Session, *, sg: User, my: User, vendor: User, operator: User, researcher: User
) -> None:
    coordinator = actor_for(sg)
    case = service.create(
        db,
        actor=coordinator,
        data=CaseCreate(
            title=FLAGSHIP,
            kind=CaseKind.VULNERABILITY,
            tlp=Tlp.AMBER,
            summary=(
                "A stack overflow in the Modbus/TCP parser of GridGate remote terminal units "
                "lets an unauthenticated attacker on the substation network run code. "
                "GridGate is deployed by transmission operators in several member states."
            ),
            sectors=[Sector.ENERGY, Sector.WATER],
        ),
    )

    def invite(organisation_id: str, role: ParticipantRole) -> str:
        return participants.add(
            db,
            actor=coordinator,
            case_id=case.id,
            data=ParticipantAdd(role=role, organisation_id=organisation_id),
        ).id

    invite(my.organisation_id, ParticipantRole.COORDINATOR)
    vendor_seat = invite(vendor.organisation_id, ParticipantRole.VENDOR)
    invite(operator.organisation_id, ParticipantRole.DEPLOYER)
    participants.add(
        db,
        actor=coordinator,
        case_id=case.id,
        data=ParticipantAdd(role=ParticipantRole.REPORTER, email=researcher.email, individual=True),
    )
    workflow.embargo(
        db,
        actor=actor_for(my),
        case_id=case.id,
        data=EmbargoAction(action="propose", ends_at=utcnow() + timedelta(days=45)),
    )
    # Every participant accepts for itself; the last acceptance makes the embargo active.
    people = {user.organisation_id: user for user in (sg, vendor, operator)}
    for seat in service.participants_of(db, case_id=case.id):
        if seat.embargo_response is EmbargoResponse.ACCEPTED:
            continue
        person = researcher if seat.user_id == researcher.id else people[seat.organisation_id]
        workflow.answer_embargo(
            db,
            actor=actor_for(person),
            case_id=case.id,
            participant_id=seat.id,
            data=EmbargoAnswer(response="accepted"),
        )
    workflow.record_vendor_event(
        db, actor=actor_for(vendor), case_id=case.id, participant_id=vendor_seat, event="V"
    )
    product = catalogue.add_product(
        db,
        actor=coordinator,
        case_id=case.id,
        data=ProductCreate(
            vendor_name="Example Industrial Systems",
            product_name="GridGate RTU firmware",
            version_range="vers:generic/>=3.0|<3.4.2",
            cpe="cpe:2.3:o:example_industrial:gridgate_firmware:*:*:*:*:*:*:*:*",
            vendor_participant_id=vendor_seat,
        ),
    )
    vulnerability = catalogue.add_vulnerability(
        db,
        actor=coordinator,
        case_id=case.id,
        data=VulnerabilityCreate(
            title="Stack-based buffer overflow in the Modbus/TCP parser",
            cve="CVE-2026-40123",
            cwe="CWE-121",
            cwe_name="Stack-based Buffer Overflow",
            description="A crafted Modbus/TCP frame with an oversized length field "
            "overflows a stack buffer in the frame parser.",
            remediation="Update the firmware to 3.4.2 or later.",
            cvss_vector="CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
            ssvc=SsvcInput(
                table="deployer",
                inputs={
                    "exploitation": "poc",
                    "exposure": "open",
                    "automatable": "yes",
                    "human_impact": "very high",
                },
            ),
            epss_score=0.04,
        ),
    )
    catalogue.set_status(
        db,
        actor=actor_for(vendor),
        case_id=case.id,
        vulnerability_id=vulnerability.id,
        data=StatusSet(product_id=product.id, status=ProductStatus.KNOWN_AFFECTED),
    )
    messages.post(
        db,
        actor=coordinator,
        case_id=case.id,
        data=MessageCreate(
            body="Welcome all. The embargo runs 45 days; the vendor expects a fix in four "
            "weeks. Please confirm which GridGate versions you run."
        ),
    )
    messages.post(
        db,
        actor=actor_for(my),
        case_id=case.id,
        data=MessageCreate(
            body="Coordinators only: TNB-like operators in MY run 3.2; we will brief them "
            "once the fix is ready.",
            audience=MessageAudience.COORDINATORS,
        ),
    )
    advisories.draft(
        db,
        actor=coordinator,
        case_id=case.id,
        data=AdvisoryCreate(summary="Update GridGate firmware to 3.4.2.", publish_tlp=Tlp.CLEAR),
    )


def _closed(db: Session, sg: User, vendor: User) -> None:
    coordinator = actor_for(sg)
    case = service.create(
        db,
        actor=coordinator,
        data=CaseCreate(
            title=CLOSED,
            kind=CaseKind.VULNERABILITY,
            tlp=Tlp.AMBER,
            summary="A crafted cookie skipped the login of the HMI web console.",
            sectors=[Sector.MANUFACTURING, Sector.ENERGY],
        ),
    )
    seat = participants.add(
        db,
        actor=coordinator,
        case_id=case.id,
        data=ParticipantAdd(role=ParticipantRole.VENDOR, organisation_id=vendor.organisation_id),
    )
    as_vendor = actor_for(vendor)
    for event in ("V", "F", "D"):
        workflow.record_vendor_event(
            db, actor=as_vendor, case_id=case.id, participant_id=seat.id, event=event
        )
    seat.involvement = Involvement.COMPLETED
    seat.report_state = ReportState.VALID
    product = catalogue.add_product(
        db,
        actor=coordinator,
        case_id=case.id,
        data=ProductCreate(
            vendor_name="Example Industrial Systems",
            product_name="HMI Web Console",
            version_range="5.1",
            vendor_participant_id=seat.id,
        ),
    )
    vulnerability = catalogue.add_vulnerability(
        db,
        actor=coordinator,
        case_id=case.id,
        data=VulnerabilityCreate(
            title="Authentication bypass through a crafted session cookie",
            cve="CVE-2026-31337",
            cwe="CWE-287",
            cwe_name="Improper Authentication",
            remediation="Update to 5.1.4.",
            cvss_vector="CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N",
        ),
    )
    catalogue.set_status(
        db,
        actor=coordinator,
        case_id=case.id,
        vulnerability_id=vulnerability.id,
        data=StatusSet(product_id=product.id, status=ProductStatus.FIXED),
    )
    workflow.record_world_event(db, actor=coordinator, case_id=case.id, event="P")
    advisory = advisories.draft(
        db,
        actor=coordinator,
        case_id=case.id,
        data=AdvisoryCreate(summary="Fixed in HMI Web Console 5.1.4.", publish_tlp=Tlp.CLEAR),
    )
    publication.approve(db, actor=coordinator, case_id=case.id, advisory_id=advisory.id)
    publication.publish(db, actor=coordinator, case_id=case.id, advisory_id=advisory.id)
    workflow.close(db, actor=coordinator, case_id=case.id)


def _incidents(db: Session) -> int:
    states = list(db.scalars(select(MemberState).order_by(MemberState.iso2)))
    created = 0
    for index, state in enumerate(states):
        lead = _user(db, f"cert.{state.iso2.lower()}@example.org")
        neighbour_state = states[(index + 1) % len(states)]
        neighbour = _user(db, f"cert.{neighbour_state.iso2.lower()}@example.org")
        if lead is None or neighbour is None or lead.organisation_id == neighbour.organisation_id:
            continue
        sector = INCIDENT_SECTORS[index % len(INCIDENT_SECTORS)]
        title = (
            f"Cross-border phishing wave against {sector.label.lower()} operators ({state.name})"
        )
        if _exists(db, title):
            continue
        coordinator = actor_for(lead)
        case = service.create(
            db,
            actor=coordinator,
            data=CaseCreate(
                title=title,
                kind=CaseKind.INCIDENT,
                tlp=Tlp.AMBER,
                summary=f"Credential phishing from infrastructure hosted in "
                f"{neighbour_state.name}, aimed at {sector.label.lower()} operators.",
                sectors=[sector],
            ),
        )
        participants.add(
            db,
            actor=coordinator,
            case_id=case.id,
            data=ParticipantAdd(
                role=ParticipantRole.OTHER_CERT, organisation_id=neighbour.organisation_id
            ),
        )
        if index % 3 == 0:
            workflow.record_world_event(db, actor=coordinator, case_id=case.id, event="A")
        created += 1
    return created
