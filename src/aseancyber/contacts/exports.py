"""Exports of the points-of-contact directory: JSON and CSV of the contacts the reader may
see, with the directory's filters. Each export is itself written to the audit log, and CSV
cells that a spreadsheet would run as a formula are neutralised as in the project's other
CSV exports."""

import csv
import io
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.policy import Reader
from aseancyber.contacts import service
from aseancyber.errors import Invalid

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


@dataclass(frozen=True)
class Export:
    content: bytes
    media_type: str
    filename: str
    count: int


def spreadsheet_safe(value: Any) -> str:
    """A cell's text, with a quote before a leading = + - @ (or tab, CR) so no spreadsheet
    program evaluates it as a formula."""
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def export(db: Session, *, reader: Reader, filters: service.ContactFilters, format: str) -> Export:
    """The visible contacts matching ``filters`` as JSON or CSV; the export is audited."""
    if format not in {"json", "csv"}:
        raise Invalid("must be json or csv", "format")
    items = [
        service.read(c).model_dump(mode="json")
        for c in service.all_visible(db, reader=reader, filters=filters)
    ]
    if format == "json":
        content = orjson.dumps({"items": items, "count": len(items)}, option=orjson.OPT_INDENT_2)
        media_type = "application/json"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for item in items:
            writer.writerow([spreadsheet_safe(item[column]) for column in CSV_COLUMNS])
        content = buffer.getvalue().encode()
        media_type = "text/csv; charset=utf-8"
    ids = [str(item["id"]) for item in items]
    audit.record(
        db,
        action="contact.export",
        record_kind="contact",
        record_id="*",
        record_organisation_id=reader.organisation_id if reader else None,
        changed_fields=[f"count={len(ids)}", f"format={format}"],
        after={"ids": ids},
        actor=reader,
    )
    return Export(content, media_type, f"contacts.{format}", len(ids))
