"""Points of contact in the permission matrix (merged into ``tests.matrix.MATRIX``)."""

from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.contacts import service
from aseancyber.contacts.models import Contact, ContactKind
from aseancyber.contacts.schemas import ContactCreate
from tests.factories import actor
from tests.matrix import Shareable
from tests.readers import World


def make_contact(db: Session, world: World, tlp: Tlp, external: bool, marker: str) -> str:
    """A contact added by the owner organisation's admin, attributed to the matrix author.

    Only admins add contacts; the matrix's expectations are for records written by
    ``world.author``, so the record names the author as its writer.
    """
    data = ContactCreate(
        kind=ContactKind.TECHNICAL,
        name=f"Matrix duty officer {marker}",
        email=f"duty-{marker}@example.org",
        tlp=tlp,
        green_includes_external=external,
        audience_organisation_ids=[world.recipient_org.id],
        audience_user_ids=[world.named_user.id],
    )
    contact: Contact = service.create(db, actor=actor(world.org_admin), data=data)
    contact.created_by_id = world.author.id
    db.flush()
    return contact.id


ENTRIES: dict[str, Shareable] = {
    "contact": Shareable(
        make=make_contact,
        rest_list="/api/v1/contacts",
        rest_detail="/api/v1/contacts/{id}",
        rest_export="/api/v1/contacts/export",
        page_list="/contacts",
        page_detail="/contacts/{id}",
        page_export="/contacts/export",
    ),
}
