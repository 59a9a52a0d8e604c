"""The permission-matrix entry for national documents."""

from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.community import documents_service
from aseancyber.community.documents import DocumentKind
from aseancyber.community.documents_schemas import DocumentCreate
from tests.factories import actor
from tests.matrix import Shareable
from tests.readers import World


def _make_document(db: Session, world: World, tlp: Tlp, external: bool, marker: str) -> str:
    data = DocumentCreate(
        title=f"Matrix document {marker}",
        kind=DocumentKind.THREAT_ASSESSMENT,
        tlp=tlp,
        summary=f"summary {marker}",
        green_includes_external=external,
        audience_organisation_ids=[world.recipient_org.id],
        audience_user_ids=[world.named_user.id],
    )
    return documents_service.create(db, actor=actor(world.author), data=data).id


ENTRIES = {
    "document": Shareable(
        make=_make_document,
        rest_list="/api/v1/documents",
        rest_detail="/api/v1/documents/{id}",
        rest_export="/api/v1/documents/export?format=json",
        page_list="/documents",
        page_detail="/documents/{id}",
        page_export="/documents/export?format=json",
    ),
}
