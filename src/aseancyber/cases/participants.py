"""Participants of a case: invitations (by directory organisation or by e-mail), report
state, involvement status, hand-over between coordinators, mute.

Adding or removing a participant changes the case's audience (:func:`service.sync_audience`):
the invited organisation sees the case from then on, and nothing of any other case.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, Role, User
from aseancyber.access.policy import Actor
from aseancyber.cases import service, state
from aseancyber.cases.models import Case, Involvement, Participant, ParticipantRole
from aseancyber.cases.schemas import ParticipantAdd, ParticipantUpdate
from aseancyber.community import accounts
from aseancyber.errors import Conflict, Forbidden, Invalid, NotFound
from aseancyber.notify import links
from aseancyber.notify.models import NotificationKind
from aseancyber.notify.service import absolute_url, queue_email

INVITATION_PURPOSE = "case-invitation"
INVITATION_MAX_AGE_SECONDS = 14 * 24 * 3600


def _existing(
    db: Session, case: Case, organisation_id: str, user_id: str | None
) -> Participant | None:
    statement = select(Participant).where(
        Participant.case_id == case.id, Participant.organisation_id == organisation_id
    )
    statement = statement.where(
        Participant.user_id.is_(None) if user_id is None else Participant.user_id == user_id
    )
    return db.scalar(statement)


def add(db: Session, *, actor: Actor, case_id: str, data: ParticipantAdd) -> Participant:
    """Invite a participant (coordinators only) and e-mail them a link to the case."""
    case = service.get_or_404(db, reader=actor, case_id=case_id)
    service.require_coordinator(service.seat_of(db, reader=actor, case=case), "invite participants")
    if data.organisation_id is None and data.email is None:
        raise Invalid("name an organisation from the directory or an e-mail address", "email")
    user: User | None = None
    if data.email is not None:
        address = str(data.email).strip().lower()
        user = db.scalar(select(User).where(User.email == address))
        if user is None:
            user = _new_account(db, actor=actor, data=data, address=address)
        elif data.organisation_id is not None and data.organisation_id != user.organisation_id:
            raise Invalid(
                f"{address} belongs to another organisation than the one named", "organisation_id"
            )
        organisation_id = user.organisation_id
    else:
        assert data.organisation_id is not None
        if db.get(Organisation, data.organisation_id) is None:
            raise Invalid("is not an organisation in the directory", "organisation_id")
        organisation_id = data.organisation_id
    user_id = user.id if (user is not None and data.individual) else None
    if _existing(db, case, organisation_id, user_id) is not None:
        raise Conflict("this organisation (or person) already takes part in the case")
    participant = Participant(
        case_id=case.id,
        organisation_id=organisation_id,
        user_id=user_id,
        role=data.role,
        involvement=Involvement.CONTACT_ATTEMPTED,
        invited_email=str(data.email or ""),
    )
    db.add(participant)
    db.flush()
    db.refresh(participant)
    service.sync_audience(db, case)
    _send_invitation(db, case=case, participant=participant, invited_by=actor, user=user)
    return participant


def _new_account(db: Session, *, actor: Actor, data: ParticipantAdd, address: str) -> User:
    if data.organisation_id is None:
        raise Invalid(
            f"no account has the e-mail {address}: name the organisation they belong to, "
            "and they get an invitation to choose a password",
            "organisation_id",
        )
    organisation = db.get(Organisation, data.organisation_id)
    if organisation is None:
        raise Invalid("is not an organisation in the directory", "organisation_id")
    name = data.display_name or address.split("@", maxsplit=1)[0]
    return accounts.invite(
        db,
        organisation=organisation,
        email=address,
        display_name=name,
        roles=[Role.CONTRIBUTOR],
        invited_by=actor.display_name or "A case coordinator",
    )


def _send_invitation(
    db: Session, *, case: Case, participant: Participant, invited_by: Actor, user: User | None
) -> None:
    token = links.make_token(
        INVITATION_PURPOSE, participant.id, max_age_seconds=INVITATION_MAX_AGE_SECONDS
    )
    link = absolute_url(f"/cases/invitations/{token}")
    recipients = [user.email] if user is not None else []
    if not recipients:
        recipients = list(
            db.scalars(
                select(User.email).where(
                    User.organisation_id == participant.organisation_id, User.is_active.is_(True)
                )
            )
        )
    for email in sorted(set(recipients)):
        queue_email(
            db,
            to=email,
            subject=f"[{case.reference}] You are invited to a coordination case",
            body=(
                f"{invited_by.display_name or 'A coordinator'} invited "
                f"{participant.name} to a coordination case as "
                f"{participant.role.label.lower()}.\n\n"
                f"Open this link (within 14 days, once) to acknowledge and open the case:\n"
                f"{link}\n\nThe case is confidential ({case.tlp.value}): do not forward this "
                "e-mail.\n"
            ),
        )
    service.tell(
        db,
        case=case,
        participants=[participant],
        kind=NotificationKind.CASE_INVITATION,
        title="You are invited to a coordination case",
    )


def accept_invitation(db: Session, *, actor: Actor, token: str) -> Case:
    """Spend an invitation link: the participant acknowledges and the case opens for them."""
    claim = links.read_token(token, INVITATION_PURPOSE)
    participant = db.get(Participant, claim.subject)
    if participant is None:
        raise NotFound("invitation")
    case = service.get_or_404(db, reader=actor, case_id=participant.case_id)
    if not service.seat_of(db, reader=actor, case=case).owns(participant):
        raise NotFound("invitation")
    links.consume_token(db, token, INVITATION_PURPOSE)
    if participant.involvement in {Involvement.NOT_CONTACTED, Involvement.CONTACT_ATTEMPTED}:
        participant.involvement = Involvement.OPEN
    db.flush()
    return case


def update(
    db: Session, *, actor: Actor, case_id: str, participant_id: str, data: ParticipantUpdate
) -> Participant:
    """Change a participant's report state, involvement or mute (itself or a coordinator);
    its role (coordinators only: hand-over is giving another participant the coordinator role)."""
    case = service.get_or_404(db, reader=actor, case_id=case_id)
    seat = service.seat_of(db, reader=actor, case=case)
    participant = service.get_participant_or_404(db, case=case, participant_id=participant_id)
    service.require_participant(seat, "change participants")
    if not seat.coordinator and not seat.owns(participant):
        raise Forbidden(
            f"a participant changes only its own status; {participant.name}'s is changed by "
            "itself or by the coordinators"
        )
    if data.version != participant.version:
        raise Conflict(
            f"someone else changed this participant since you loaded it (version "
            f"{data.version}, now {participant.version}); reload and try again"
        )
    if data.report_state is not None:
        state.change_report_state(participant, data.report_state)
    if data.involvement is not None:
        participant.involvement = data.involvement
    if data.muted is not None:
        participant.muted = data.muted
    if data.role is not None and data.role is not participant.role:
        service.require_coordinator(seat, "change a participant's role")
        _check_role_change(db, case=case, participant=participant, new=data.role)
        participant.role = data.role
    db.flush()
    return participant


def _check_role_change(
    db: Session, *, case: Case, participant: Participant, new: ParticipantRole
) -> None:
    if participant.role is ParticipantRole.COORDINATOR:
        others = [
            p
            for p in service.coordinators(service.participants_of(db, case_id=case.id))
            if p.id != participant.id
        ]
        if not others:
            raise Invalid(
                "a case needs at least one coordinator: hand over by making another "
                "participant coordinator first",
                "role",
            )
    if participant.role is ParticipantRole.VENDOR and any(participant.vendor_events().values()):
        raise Invalid("this vendor already has V/F/D recorded; its role cannot change", "role")
    if new is ParticipantRole.VENDOR and participant.user_id is not None:
        raise Invalid("a vendor takes part as an organisation, not as one person", "role")


def remove(db: Session, *, actor: Actor, case_id: str, participant_id: str) -> None:
    """Remove a participant who has recorded nothing (coordinators only)."""
    case = service.get_or_404(db, reader=actor, case_id=case_id)
    service.require_coordinator(service.seat_of(db, reader=actor, case=case), "remove participants")
    participant = service.get_participant_or_404(db, case=case, participant_id=participant_id)
    if participant.role is ParticipantRole.COORDINATOR:
        _check_role_change(db, case=case, participant=participant, new=ParticipantRole.OTHER_CERT)
    if any(participant.vendor_events().values()):
        raise Invalid("a vendor with recorded V/F/D stays in the case's history", "participant")
    db.delete(participant)
    db.flush()
    service.sync_audience(db, case)
