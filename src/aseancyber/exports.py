"""Downloads of a list of records as JSON or CSV: one shape for every domain's export.

JSON is ``{"items": [...], "count": n}``; CSV has a header row and one row a record, each
cell made safe for spreadsheet programs.
"""

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.orm import Session
from starlette.responses import Response

from aseancyber import audit
from aseancyber.access.policy import Reader
from aseancyber.errors import Invalid

FORMATS = ("json", "csv")
JSON_MEDIA_TYPE = "application/json"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Export:
    content: bytes
    media_type: str
    filename: str
    count: int = 0


def check_format(format: str) -> None:
    """Refuse a download format other than JSON or CSV."""
    if format not in FORMATS:
        raise Invalid("must be json or csv", "format")


def spreadsheet_safe(value: Any, list_separator: str = ", ") -> str:
    """A cell's text, with a quote before a leading = + - @ (or tab, CR) so no spreadsheet
    program evaluates it as a formula; a list is joined with ``list_separator``."""
    if isinstance(value, list):
        value = list_separator.join(str(item) for item in value)
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def json_export(items: list[dict[str, Any]], name: str) -> Export:
    """``items`` as an indented JSON download named ``name.json``."""
    content = orjson.dumps({"items": items, "count": len(items)}, option=orjson.OPT_INDENT_2)
    return Export(content, JSON_MEDIA_TYPE, f"{name}.json", len(items))


def csv_export(header: Sequence[str], rows: Iterable[Sequence[str]], name: str) -> Export:
    """A CSV download named ``name.csv`` (cells already made safe)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return Export(buffer.getvalue().encode(), CSV_MEDIA_TYPE, f"{name}.csv", count)


def table_export(
    items: list[dict[str, Any]],
    *,
    columns: Sequence[str],
    format: str,
    name: str,
    list_separator: str = ", ",
) -> Export:
    """``items`` (JSON-ready dicts) as JSON, or as CSV with ``columns``."""
    check_format(format)
    if format == "json":
        return json_export(items, name)
    rows = ([spreadsheet_safe(item[c], list_separator) for c in columns] for item in items)
    return csv_export(columns, rows, name)


def audit_export(
    db: Session,
    *,
    reader: Reader,
    action: str,
    record_kind: str,
    ids: list[str],
    format: str,
    **after: Any,
) -> None:
    """Record in the audit log who downloaded which records, in which format."""
    audit.record(
        db,
        action=action,
        record_kind=record_kind,
        record_id="*",
        record_organisation_id=reader.organisation_id if reader else None,
        changed_fields=[f"count={len(ids)}", f"format={format}"],
        after={"ids": ids, **after},
        actor=reader,
    )


def download(
    exported: Export, *, inline: bool = False, headers: Mapping[str, str] | None = None
) -> Response:
    """``exported`` under its own file name: an attachment, or ``inline`` for a document the
    browser shows (with ``headers`` such as its content security policy)."""
    disposition = "inline" if inline else "attachment"
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{exported.filename}"',
            **(headers or {}),
        },
    )
