"""Demo common positions and dialogue-partner engagements, using the demo accounts.

:func:`load_demo_positions` adds one diplomat account per member state (a coordinator in
its foreign ministry, who may answer for the state), then, unless they exist already (by
title): an adopted position endorsed by every member state, a position in progress with
mixed answers and an endorsement of an older version, and two engagements with follow-up
actions. It goes through the services, so every rule (and the audit log) applies. States
are data: every member state in the directory takes part.
"""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, Organisation, Role, User, UserRole
from aseancyber.access.policy import Actor, Tlp
from aseancyber.access.service import actor_for, hash_password
from aseancyber.community import reference
from aseancyber.db import utcnow
from aseancyber.demo.accounts import DEMO_PASSWORD
from aseancyber.positions import (
    adoption,
    comments_service,
    consensus,
    engagements_service,
    service,
    silence,
)
from aseancyber.positions.models import (
    Engagement,
    EngagementKind,
    Position,
    ProposalKind,
    ResponseKind,
)
from aseancyber.positions.schemas import (
    ActionCreate,
    EngagementCreate,
    ParticipantIn,
    PositionCreate,
    ProposalCreate,
    ResponseCreate,
    SilenceOpen,
    TextRevision,
)

ADOPTED_TITLE = "ASEAN common position on the applicability of international law to cyberspace"
ADOPTED_TEXT = [
    "ASEAN Member States reaffirm that international law, and in particular the Charter of the "
    "United Nations, is applicable and essential to maintaining peace and stability and "
    "promoting an open, secure, stable, accessible and peaceful ICT environment.",
    "ASEAN Member States subscribe in principle to the eleven voluntary, non-binding norms of "
    "responsible State behaviour recommended in the 2015 report of the UN Group of "
    "Governmental Experts, and will focus on regional capacity building in implementing them.",
    "ASEAN Member States call for capacity building that is demand-driven, sustainable and "
    "respectful of national sovereignty.",
]
SILENCE_TITLE = "ASEAN statement on protecting health-sector ICT from disruptive attacks"
SILENCE_TEXT = [
    "ASEAN Member States affirm that hospitals and health services must be able to rely on "
    "their ICT systems, in crisis and in peace.",
    "ASEAN Member States will not conduct or knowingly support ICT activity that damages the "
    "ICT of health services, consistent with the voluntary norms of responsible State "
    "behaviour.",
    "ASEAN Member States will share, through their national CERTs, information on threats "
    "to health-sector ICT in time for it to be acted upon.",
]
IN_PROGRESS_TITLE = "ASEAN joint statement for the UN Open-ended Working Group on ICT security"
IN_PROGRESS_TEXT = [
    "ASEAN welcomes the establishment of a single-track, action-oriented permanent mechanism "
    "on ICT security under the auspices of the United Nations.",
    "ASEAN underlines the importance of points of contact directories and of regular "
    "communication checks as practical confidence-building measures.",
    "ASEAN encourages dialogue partners to support the ASEAN Regional CERT and the ASEAN-"
    "Singapore Cybersecurity Centre of Excellence.",
]


def _diplomats(db: Session) -> dict[str, User]:
    """One coordinator per member state's foreign ministry (created once)."""
    diplomats: dict[str, User] = {}
    password_hash: str | None = None
    for state in db.scalars(select(MemberState).order_by(MemberState.iso2)):
        iso2 = state.iso2.lower()
        email = f"diplomat.{iso2}@example.org"
        user = db.scalar(select(User).where(User.email == email))
        if user is None:
            ministry = reference.organisation_by_key(db, f"foreign-ministry:{iso2}")
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            user = User(
                email=email,
                display_name=f"Demo Diplomat ({state.name})",
                organisation_id=ministry.id,
                password_hash=password_hash,
                time_zone=state.time_zone,
            )
            user.roles = [UserRole(role=Role.COORDINATOR)]
            db.add(user)
            db.flush()
        diplomats[state.iso2] = user
    return diplomats


def _user(db: Session, email: str) -> Actor:
    user = db.scalar(select(User).where(User.email == email))
    if user is None:
        raise LookupError(f"demo account {email} is missing: load the demo accounts first")
    return actor_for(user)


def _endorse(db: Session, position: Position, user: User) -> None:
    consensus.respond(
        db,
        actor=actor_for(user),
        position_id=position.id,
        data=ResponseCreate(version_number=position.current_version, kind=ResponseKind.ENDORSE),
    )


def _adopted(db: Session, diplomats: dict[str, User]) -> None:
    coordinator = _user(db, "coordinator@example.org")
    position = service.create(
        db,
        actor=coordinator,
        data=PositionCreate(
            title=ADOPTED_TITLE,
            occasion="ASEAN Ministerial Conference on Cybersecurity",
            summary="The shared ASEAN view carried into UN discussions on ICT security.",
            paragraphs=ADOPTED_TEXT,
            tlp=Tlp.GREEN,
        ),
    )
    paragraph = service.current_text(db, position=position).paragraphs[2]
    proposal = comments_service.propose(
        db,
        actor=_user(db, "analyst.my@example.org"),
        position_id=position.id,
        data=ProposalCreate(
            kind=ProposalKind.REPLACE,
            paragraph_key=paragraph.key,
            proposed_text=paragraph.text.replace(
                "demand-driven,", "demand-driven, gender-sensitive,"
            ),
            rationale="Reflect the regional commitment to inclusive capacity building.",
        ),
    )
    comments_service.accept(db, actor=coordinator, position_id=position.id, proposal_id=proposal.id)
    for user in diplomats.values():
        _endorse(db, position, user)


def _in_progress(db: Session, diplomats: dict[str, User]) -> None:
    drafter = actor_for(diplomats["SG"])
    position = service.create(
        db,
        actor=drafter,
        data=PositionCreate(
            title=IN_PROGRESS_TITLE,
            occasion="UN Open-ended Working Group on ICT security, final substantive session",
            paragraphs=IN_PROGRESS_TEXT,
            tlp=Tlp.GREEN,
            deadline=utcnow() + timedelta(days=5),
        ),
    )
    states = sorted(diplomats)
    if "MY" in diplomats:
        _endorse(db, position, diplomats["MY"])  # on version 1: will no longer count
    service.revise(
        db,
        actor=drafter,
        position_id=position.id,
        data=TextRevision(
            based_on=1,
            paragraphs=[
                *IN_PROGRESS_TEXT,
                "ASEAN stands ready to share its experience of regional cyber norms "
                "implementation with other regions.",
            ],
            note="Added a closing paragraph",
        ),
    )
    answers = {"SG": ResponseKind.ENDORSE, "PH": ResponseKind.ENDORSE, "ID": ResponseKind.ENDORSE}
    answers |= {"TH": ResponseKind.RESERVATION, "VN": ResponseKind.OBJECTION}
    for iso2 in states:
        kind = answers.get(iso2)
        if kind is None:
            continue
        text = {
            ResponseKind.RESERVATION: "Paragraph 1 should not prejudge the mechanism's format.",
            ResponseKind.OBJECTION: "Paragraph 3 names specific centres; keep the text general.",
        }.get(kind, "")
        consensus.respond(
            db,
            actor=actor_for(diplomats[iso2]),
            position_id=position.id,
            data=ResponseCreate(version_number=2, kind=kind, text=text),
        )


def _adopted_by_silence(db: Session, diplomats: dict[str, User]) -> None:
    """A position in silence mode: two states answer (one with a reservation), the others
    stay silent, and the silence procedure passed three days ago."""
    coordinator = _user(db, "coordinator@example.org")
    position = service.create(
        db,
        actor=coordinator,
        data=PositionCreate(
            title=SILENCE_TITLE,
            occasion="ASEAN Digital Senior Officials' Meeting",
            paragraphs=SILENCE_TEXT,
            tlp=Tlp.GREEN,
        ),
    )
    answers = {"SG": ResponseKind.ENDORSE, "TH": ResponseKind.RESERVATION}
    for iso2, kind in answers.items():
        if iso2 in diplomats:
            consensus.respond(
                db,
                actor=actor_for(diplomats[iso2]),
                position_id=position.id,
                data=ResponseCreate(
                    version_number=1,
                    kind=kind,
                    text="Paragraph 3 should say 'as appropriate'."
                    if kind is ResponseKind.RESERVATION
                    else "",
                ),
            )
    procedure = silence.open_procedure(
        db,
        actor=coordinator,
        position_id=position.id,
        data=SilenceOpen(version_number=1, deadline=utcnow() + timedelta(minutes=5)),
    )
    # The demo's history: opened ten days ago, its deadline passed three days ago.
    procedure.opened_at = utcnow() - timedelta(days=10)
    procedure.deadline = utcnow() - timedelta(days=3)
    db.flush()
    adoption.settle_silence(db, position=position, now=utcnow())


def _org(db: Session, name: str) -> Organisation:
    organisation = db.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is None:
        raise LookupError(f"demo organisation {name} is missing")
    return organisation


def _engagements(db: Session) -> None:
    coordinator = _user(db, "coordinator@example.org")
    partner = _user(db, "partner.jp@example.org")
    ministries = [
        reference.organisation_by_key(db, f"foreign-ministry:{state.iso2.lower()}")
        for state in db.scalars(select(MemberState).order_by(MemberState.iso2))
    ]
    arf = engagements_service.create(
        db,
        actor=coordinator,
        data=EngagementCreate(
            title="ARF Inter-Sessional Meeting on ICT Security: confidence-building measures",
            kind=EngagementKind.ARF_ISM,
            starts_on=date(2026, 4, 14),
            ends_on=date(2026, 4, 15),
            location="Kuala Lumpur",
            summary="ARF participants reviewed the ARF points of contact directory and the "
            "proposed communication-check exercise.",
            outcomes="1. Participants agreed to update their ARF points of contact by June.\n"
            "2. Japan offered to co-host a table-top exercise on critical-infrastructure "
            "incidents.",
            tlp=Tlp.AMBER,
            participants=[
                ParticipantIn(organisation_id=coordinator.organisation_id, role="secretariat"),
                ParticipantIn(organisation_id=partner.organisation_id, role="co-chair"),
                *(ParticipantIn(organisation_id=m.id) for m in ministries),
            ],
        ),
    )
    for description, owner, due in (
        ("Circulate the updated ARF points of contact list", coordinator.organisation_id, 30),
        ("Propose dates and a scenario for the table-top exercise", partner.organisation_id, 45),
    ):
        engagements_service.add_action(
            db,
            actor=coordinator,
            engagement_id=arf.id,
            data=ActionCreate(
                description=description,
                owner_organisation_id=owner,
                due_on=utcnow().date() + timedelta(days=due),
            ),
        )
    analyst = _user(db, "analyst.sg@example.org")
    certs = [
        reference.organisation_by_key(db, f"cert:{state.iso2.lower()}")
        for state in db.scalars(select(MemberState).order_by(MemberState.iso2))
    ]
    acid = engagements_service.create(
        db,
        actor=analyst,
        data=EngagementCreate(
            title="ASEAN CERT Incident Drill (ACID) 2026: ransomware against a regional port",
            kind=EngagementKind.ACID,
            starts_on=date(2026, 9, 3),
            location="Online, coordinated from Singapore",
            summary="The yearly drill tested incident handling between national CERTs and "
            "re-confirmed their points of contact.",
            outcomes="All national CERTs answered within the drill's service levels; two "
            "escalation contacts were out of date.",
            tlp=Tlp.AMBER,
            participants=[ParticipantIn(organisation_id=c.id) for c in certs],
        ),
    )
    engagements_service.add_action(
        db,
        actor=analyst,
        engagement_id=acid.id,
        data=ActionCreate(
            description="Update the two out-of-date escalation contacts",
            owner_organisation_id=certs[-1].id,
            due_on=utcnow().date() - timedelta(days=2),
        ),
    )


def _exists(db: Session, model: type[Position] | type[Engagement], title: str) -> bool:
    return db.scalar(select(model.id).where(model.title == title)) is not None


def load_demo_positions(db: Session) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """Load the demo diplomats, positions and engagements; returns the diplomats' accounts."""
    diplomats = _diplomats(db)
    if not _exists(db, Position, ADOPTED_TITLE):
        _adopted(db, diplomats)
    if not _exists(db, Position, IN_PROGRESS_TITLE):
        _in_progress(db, diplomats)
    if not _exists(db, Position, SILENCE_TITLE):
        _adopted_by_silence(db, diplomats)
    if not db.scalar(select(Engagement.id).where(Engagement.kind == EngagementKind.ARF_ISM)):
        _engagements(db)
    db.flush()
    return [
        (
            user.email,
            user.display_name,
            user.organisation.short_name or user.organisation.name,
            (Role.COORDINATOR.value,),
        )
        for user in diplomats.values()
    ]
