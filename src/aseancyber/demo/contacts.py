"""Demo points of contact for every member state, and one past communication check.

:func:`load_demo_contacts` is idempotent (a contact whose e-mail its organisation already
lists is left alone; the past check is made once). States are data: every member state in
the directory gets a diplomatic, technical, law-enforcement 24/7, defence and sectoral
contact, owned by the matching reference organisation. People are fictional; addresses
are example.org.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState
from aseancyber.access.policy import Tlp
from aseancyber.community import reference
from aseancyber.contacts.models import (
    CheckStatus,
    CheckTarget,
    Contact,
    ContactCheck,
    ContactKind,
)
from aseancyber.db import utcnow
from aseancyber.errors import NotFound

PAST_CHECK_TITLE = "Regional communication check, second quarter (demo)"


@dataclass(frozen=True)
class DemoContactSpec:
    kind: ContactKind
    organisation_key: str  # reference key prefix, completed with the state's code
    name: str
    role: str
    hours: str
    sector: str = ""
    focal_point: bool = False  # the state's national focal point (escalations reach it)


SPECS = (
    DemoContactSpec(
        ContactKind.DIPLOMATIC,
        "foreign-ministry",
        "Director, cyber policy desk",
        "Diplomatic point of contact (UN PoC directory)",
        "Mon-Fri 08:30-17:30",
    ),
    DemoContactSpec(
        ContactKind.TECHNICAL,
        "cert",
        "Incident duty officer",
        "Technical point of contact (national CERT)",
        "24/7",
        focal_point=True,
    ),
    DemoContactSpec(
        ContactKind.LAW_ENFORCEMENT,
        "police",
        "Cybercrime 24/7 desk",
        "24/7 network point of contact (Budapest Convention art. 35)",
        "24/7",
    ),
    DemoContactSpec(
        ContactKind.DEFENCE,
        "defence",
        "Cyber defence liaison officer",
        "Defence point of contact",
        "Mon-Fri 08:00-17:00",
    ),
    DemoContactSpec(
        ContactKind.SECTORAL,
        "agency",
        "Energy sector CII coordinator",
        "Sectoral point of contact, critical information infrastructure",
        "Mon-Fri 09:00-18:00",
        sector="Energy",
    ),
)

LANGUAGES = {
    "BN": "English, Malay",
    "KH": "English, Khmer",
    "ID": "English, Indonesian",
    "LA": "English, Lao",
    "MY": "English, Malay",
    "MM": "English, Burmese",
    "PH": "English, Filipino",
    "SG": "English, Malay, Mandarin, Tamil",
    "TH": "English, Thai",
    "VN": "English, Vietnamese",
    "TL": "English, Portuguese, Tetum",
}


def _number(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def demo_email(iso2: str, kind: ContactKind) -> str:
    return f"poc.{kind.value.split('_')[0]}.{iso2.lower()}@example.org"


def load_demo_contacts(db: Session) -> int:
    """Add the demo contacts and the past check; returns how many contacts were added."""
    now = utcnow()
    added = 0
    states = db.scalars(select(MemberState).order_by(MemberState.name)).all()
    for state in states:
        for index, spec in enumerate(SPECS):
            try:
                owner = reference.organisation_by_key(
                    db, f"{spec.organisation_key}:{state.iso2.lower()}"
                )
            except NotFound:
                continue
            email = demo_email(state.iso2, spec.kind)
            exists = db.scalar(
                select(Contact.id).where(
                    Contact.owner_organisation_id == owner.id, Contact.email == email
                )
            )
            if exists is not None:
                continue
            seed = _number(email)
            days_since_verified = (seed % 9) * 30  # some are past the 180-day limit
            contact = Contact(
                kind=spec.kind,
                name=spec.name,
                role=spec.role,
                sector=spec.sector,
                email=email,
                phone=f"+{seed % 90 + 10} {seed % 9000 + 1000} {seed % 8999 + 1000}",
                hours=spec.hours,
                time_zone=state.time_zone,
                languages=LANGUAGES.get(state.iso2, "English"),
                pgp_fingerprint=hashlib.sha1(email.encode(), usedforsecurity=False)
                .hexdigest()
                .upper()
                if index != 3
                else "",
                last_verified_on=(now - timedelta(days=days_since_verified)).date(),
                member_state_id=state.id,
                owner_organisation_id=owner.id,
                focal_point=spec.focal_point,
                tlp=Tlp.GREEN,
                green_includes_external=False,
            )
            db.add(contact)
            added += 1
    db.flush()
    _load_past_check(db)
    return added


def _load_past_check(db: Session) -> None:
    if db.scalar(select(ContactCheck.id).where(ContactCheck.title == PAST_CHECK_TITLE)):
        return
    coordinator_org = reference.organisation_by_key(db, "secretariat")
    launched = utcnow() - timedelta(days=30)
    check = ContactCheck(
        title=PAST_CHECK_TITLE,
        organisation_id=coordinator_org.id,
        launched_at=launched,
        remind_at=launched + timedelta(hours=24),
        escalate_at=launched + timedelta(hours=72),
        closes_at=launched + timedelta(days=7),
        closed_at=launched + timedelta(days=7),
        status=CheckStatus.CLOSED,
    )
    db.add(check)
    db.flush()
    for contact in db.scalars(select(Contact).order_by(Contact.email)):
        seed = _number(contact.email + PAST_CHECK_TITLE)
        answered = seed % 8 != 0  # about one in eight never answered
        # Technical and 24/7 desks answer in minutes; policy desks in hours.
        fast = contact.kind in {ContactKind.TECHNICAL, ContactKind.LAW_ENFORCEMENT}
        seconds = (seed % 3600 + 120) if fast else (seed % (30 * 3600) + 1800)
        db.add(
            CheckTarget(
                check_id=check.id,
                contact_id=contact.id,
                member_state_id=contact.member_state_id,
                kind=contact.kind,
                sent_at=launched,
                acknowledged_at=launched + timedelta(seconds=seconds) if answered else None,
                response_seconds=seconds if answered else None,
                # Demo history has no e-mail rows: its times count from the launch.
                response_from="launch" if answered else "",
                acknowledged_via=("link" if seed % 3 else "app") if answered else "",
                reminded_at=launched + timedelta(hours=24) if not answered else None,
                escalated_at=launched + timedelta(hours=72) if not answered else None,
            )
        )
    db.flush()
