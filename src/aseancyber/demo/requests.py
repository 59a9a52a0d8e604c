"""Demo cross-border requests in several states of their life, including a 24/7
preservation request answered within hours, and two 24/7 desk accounts to see them.

:func:`load_demo_requests` is idempotent (a subject already present is left alone).
Returns the demo accounts it made, as rows for the sign-in table.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, Role, User, UserRole
from aseancyber.access.policy import Tlp, set_audience
from aseancyber.access.service import hash_password
from aseancyber.community import reference
from aseancyber.db import utcnow
from aseancyber.demo.accounts import DEMO_PASSWORD
from aseancyber.requests.models import (
    CrossBorderRequest,
    PreservationOutcome,
    RequestKind,
    RequestMessage,
    RequestStatus,
)
from aseancyber.requests.service import TEMPLATES
from aseancyber.requests.workflow import ack_deadline

DESK_ACCOUNTS = (
    ("police.sg@example.org", "Demo 24/7 Desk Officer (Singapore)", "police:sg"),
    ("police.my@example.org", "Demo 24/7 Desk Officer (Malaysia)", "police:my"),
)


@dataclass(frozen=True)
class DemoRequest:
    subject: str
    kind: RequestKind
    sender: str  # reference key
    receiver: str
    status: RequestStatus
    days_ago: int
    hours_to_ack: float | None = None
    hours_to_answer: float | None = None
    emergency: bool = False
    fields: dict[str, Any] = field(default_factory=dict)
    answer: str = ""
    refusal_grounds: str = ""
    outcome: PreservationOutcome | None = None


PRESERVATION_FIELDS: dict[str, Any] = {
    "requesting_contact": "Singapore Police Force Cyber 24/7 desk, +65 6000 0000",
    "case_reference": "SPF-CCD-2026-0412",
    "offence": "Cheating by business e-mail compromise (Penal Code, section 420)",
    "facts_summary": (
        "A Singapore logistics company paid three invoices to a mule account after its "
        "supplier's mailbox was taken over. The attacker used a webmail account hosted in "
        "Malaysia to send the altered invoices."
    ),
    "data_to_preserve": "Subscriber data, login records with IP addresses, and stored e-mail",
    "identifiers": (
        "invoices.billing@mail.example.net; logins from 203.0.113.7 on "
        "2026-05-30 03:14 UTC and 198.51.100.23 on 2026-05-31 11:02 UTC"
    ),
    "custodian": "Example Mail Services Sdn Bhd",
    "custodian_location": "Cyberjaya, Malaysia",
    "urgency_reason": "The provider keeps login records for 30 days only.",
    "mla_will_follow": True,
    "preservation_days": 90,
    "confidentiality": "Please do not notify the account holder.",
}

REQUESTS = (
    DemoRequest(
        "Preserve webmail account used in business e-mail compromise",
        RequestKind.PRESERVATION,
        "police:sg",
        "police:my",
        RequestStatus.ANSWERED,
        days_ago=12,
        hours_to_ack=0.5,
        hours_to_answer=6,
        emergency=True,
        fields={**PRESERVATION_FIELDS, "mla_reference": "AGC-MLA-2026-031"},
        answer="The provider has preserved the account data for 90 days from 1 June 2026.",
        outcome=PreservationOutcome.PRESERVED,
    ),
    DemoRequest(
        "Assistance with ransomware affecting a hospital network",
        RequestKind.ASSISTANCE,
        "cert:ph",
        "cert:id",
        RequestStatus.SENT,
        days_ago=0,
        emergency=True,
        fields={"requesting_contact": "CERT-PH duty officer, +63 2 0000 0000"},
    ),
    DemoRequest(
        "Information on scanning from a hosting range",
        RequestKind.INFORMATION,
        "cert:my",
        "cert:sg",
        RequestStatus.IN_PROGRESS,
        days_ago=3,
        hours_to_ack=5,
    ),
    DemoRequest(
        "Consultation on a suspected state-sponsored intrusion set",
        RequestKind.CONSULTATION,
        "foreign-ministry:th",
        "foreign-ministry:vn",
        RequestStatus.ACKNOWLEDGED,
        days_ago=6,
        hours_to_ack=30,
    ),
    DemoRequest(
        "Preserve social-media accounts used in an investment scam",
        RequestKind.PRESERVATION,
        "police:id",
        "police:tl",
        RequestStatus.REFUSED,
        days_ago=20,
        hours_to_ack=20,
        hours_to_answer=40,
        fields={
            **PRESERVATION_FIELDS,
            "requesting_contact": "Indonesian National Police Cyber 24/7 desk",
            "case_reference": "POLRI-SIBER-2026-118",
            "offence": "Investment fraud",
            "custodian": "Example Social Network",
            "custodian_location": "Dili, Timor-Leste",
            "mla_reference": "",
        },
        refusal_grounds="The provider holds no data in Timor-Leste; please address its "
        "regional office instead.",
        outcome=PreservationOutcome.REFUSED,
    ),
    DemoRequest(
        "Information on phishing domains impersonating a central bank",
        RequestKind.INFORMATION,
        "cert:kh",
        "cert:sg",
        RequestStatus.DRAFT,
        days_ago=1,
    ),
)


def _desk_accounts(db: Session) -> list[tuple[str, str, str, tuple[str, ...]]]:
    rows: list[tuple[str, str, str, tuple[str, ...]]] = []
    password_hash: str | None = None
    for email, name, key in DESK_ACCOUNTS:
        organisation = reference.organisation_by_key(db, key)
        if db.scalar(select(User.id).where(User.email == email)) is None:
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            user = User(
                email=email,
                display_name=name,
                organisation_id=organisation.id,
                password_hash=password_hash,
                time_zone=organisation.member_state.time_zone
                if organisation.member_state
                else "UTC",
            )
            user.roles = [UserRole(role=Role.CONTRIBUTOR)]
            db.add(user)
        rows.append((email, name, organisation.short_name, (Role.CONTRIBUTOR.value,)))
    db.flush()
    return rows


def _event(
    db: Session,
    record: CrossBorderRequest,
    *,
    org: Organisation,
    position: int,
    event: str,
    at: Any,
    body: str = "",
) -> None:
    db.add(
        RequestMessage(
            request_id=record.id,
            position=position,
            organisation_id=org.id,
            event=event,
            body=body,
            created_at=at,
        )
    )


def load_demo_requests(db: Session) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """Add the demo requests (once) and the 24/7 desk accounts; returns the accounts."""
    accounts = _desk_accounts(db)
    now = utcnow()
    for spec in REQUESTS:
        if db.scalar(
            select(CrossBorderRequest.id).where(CrossBorderRequest.subject == spec.subject)
        ):
            continue
        sender = reference.organisation_by_key(db, spec.sender)
        receiver = reference.organisation_by_key(db, spec.receiver)
        author = db.scalar(
            select(User).where(User.organisation_id == sender.id).order_by(User.email)
        )
        created = now - timedelta(days=spec.days_ago, hours=2)
        sent = None if spec.status is RequestStatus.DRAFT else created + timedelta(minutes=30)
        record = CrossBorderRequest(
            kind=spec.kind,
            status=spec.status,
            subject=spec.subject,
            body=TEMPLATES[spec.kind],
            emergency=spec.emergency,
            receiving_organisation_id=receiver.id,
            requesting_state_id=sender.member_state_id,
            receiving_state_id=receiver.member_state_id,
            owner_organisation_id=sender.id,
            created_by_id=author.id if author else None,
            tlp=Tlp.AMBER_STRICT,
            created_at=created,
            sent_at=sent,
            answer=spec.answer,
            refusal_grounds=spec.refusal_grounds,
            outcome=spec.outcome,
            **spec.fields,
        )
        if sent is not None:
            record.ack_due_at = ack_deadline(spec.kind, emergency=spec.emergency, sent_at=sent)
            if spec.hours_to_ack is not None:
                record.acknowledged_at = sent + timedelta(hours=spec.hours_to_ack)
            if spec.hours_to_answer is not None:
                record.answered_at = sent + timedelta(hours=spec.hours_to_answer)
        db.add(record)
        db.flush()
        position = 0
        if sent is not None:
            set_audience(db, record, organisation_ids=[receiver.id])
            position += 1
            _event(db, record, org=sender, position=position, event="sent", at=sent)
        if record.acknowledged_at is not None:
            position += 1
            _event(
                db,
                record,
                org=receiver,
                position=position,
                event="acknowledged",
                at=record.acknowledged_at,
            )
        if spec.status is RequestStatus.IN_PROGRESS:
            position += 1
            _event(
                db,
                record,
                org=receiver,
                position=position,
                event="in_progress",
                at=now - timedelta(days=1),
                body="We are checking the flow records for the listed range.",
            )
        if record.answered_at is not None:
            position += 1
            _event(
                db,
                record,
                org=receiver,
                position=position,
                event=spec.status.value,
                at=record.answered_at,
                body=spec.answer or spec.refusal_grounds,
            )
    db.flush()
    return accounts
