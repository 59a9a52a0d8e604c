"""Exports of the points-of-contact directory: JSON and CSV of the contacts the reader may
see, with the directory's filters. Each export is itself written to the audit log, and CSV
cells that a spreadsheet would run as a formula are neutralised as in the project's other
CSV exports."""

from sqlalchemy.orm import Session

from aseancyber.access.policy import Reader
from aseancyber.contacts import service
from aseancyber.exports import Export, audit_export, check_format, table_export

CSV_COLUMNS = (
    "id",
    "member_state_iso2",
    "kind",
    "name",
    "role",
    "sector",
    "email",
    "phone",
    "hours",
    "time_zone",
    "languages",
    "pgp_fingerprint",
    "owner_organisation_name",
    "tlp",
    "last_verified_on",
    "needs_verification",
    "updated_at",
)


def export(db: Session, *, reader: Reader, filters: service.ContactFilters, format: str) -> Export:
    """The visible contacts matching ``filters`` as JSON or CSV; the export is audited."""
    check_format(format)
    items = [
        service.read(c).model_dump(mode="json")
        for c in service.all_visible(db, reader=reader, filters=filters)
    ]
    exported = table_export(items, columns=CSV_COLUMNS, format=format, name="contacts")
    ids = [str(item["id"]) for item in items]
    audit_export(
        db, reader=reader, action="contact.export", record_kind="contact", ids=ids, format=format
    )
    return exported
