"""Builders shared by the contacts tests."""

from datetime import date

from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.policy import Tlp
from aseancyber.contacts import service
from aseancyber.contacts.models import Contact, ContactKind
from aseancyber.contacts.schemas import ContactCreate
from tests.factories import actor


def add_contact(
    db: Session,
    admin: User,
    name: str,
    *,
    kind: ContactKind = ContactKind.TECHNICAL,
    tlp: Tlp = Tlp.GREEN,
    verified: date | None = None,
    audience_organisation_ids: list[str] | None = None,
) -> Contact:
    data = ContactCreate(
        kind=kind,
        name=name,
        email=f"{name.lower().replace(' ', '.')}@example.org",
        tlp=tlp,
        last_verified_on=verified,
        audience_organisation_ids=audience_organisation_ids or [],
    )
    return service.create(db, actor=actor(admin), data=data)
