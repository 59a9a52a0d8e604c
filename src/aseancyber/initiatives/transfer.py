"""Import and export of initiatives as CSV and JSON, with Cybil-compatible columns.

Column mapping (header names are matched without regard to case, spaces, ``-`` or ``_``;
multi-valued cells are separated by ``;``). The first name is what export writes; the
others are accepted on import. Cybil (the GFCE portal) describes a project with a title,
description, objectives, status, dates, funders, implementers, partners, beneficiary
countries and one or more of the GFCE's five themes, which are this platform's themes:

| column (export name; accepted aliases) | field | notes |
| --- | --- | --- |
| Title | title | required |
| Description; Summary | summary | |
| Objectives; Aims | aims | |
| Activities | activities | |
| Status | status | Planned, Ongoing (also Active), Completed, Cancelled |
| Start date; Start | start_on | YYYY-MM-DD, YYYY-MM (first day) or YYYY |
| End date; End | end_on | YYYY-MM-DD, YYYY-MM (last day) or YYYY |
| Funders; Funder; Donors | funders | names |
| Implementers; Implementer | implementers | names |
| Partners | partners | names |
| Beneficiaries; Beneficiary countries; Beneficiary states | beneficiary_states | see below |
| Other beneficiaries; Beneficiaries outside ASEAN | other_beneficiaries | names |
| Themes; Topics | themes | GFCE theme names ("Cybercrime", "Culture & Skills", ...) or codes |
| Audience; Target audience | target_audience | Diplomatic, Policy, Technical, ... |
| Pillar | pillar | APSC, AEC, ASCC |
| Sectoral body; Body | sectoral_body | code, name, former name (TELMIN is ADGMIN) |
| Programme; Program | programme | ACCP, ASCCE, AJCCBC, ... |
| Norms | norms | norm letters a-k ("(k)" accepted) or action codes such as g.3 |
| Statement clauses; Clauses | statement_clauses | clause codes |
| Budget; Budget amount | budget_amount | number |
| Currency; Budget currency | budget_currency | ISO 4217 code |
| Link; Source; Website; Source link | source_link | https:// address |
| TLP | tlp | optional; the import's default label otherwise |

Beneficiaries are read as registries write them (:mod:`aseancyber.initiatives.registry_names`):
member states by name, short name, alias or ISO code ("Lao People's Democratic Republic",
"Laos", "LAO"), "All ASEAN Member States" / "ASEAN" / "AMS" as every member on the start
date, and countries or regions outside ASEAN ("Japan", "Pacific Islands"), which are kept
as other beneficiaries. A value that matches nothing is a problem naming the row, the
column and the value, with a suggestion when one is close; nothing is guessed.

JSON import takes a list of objects (or ``{"items": [...]}``) keyed by these column names
or by the REST field names; JSON export writes the REST shape. CSV is read as a stream,
in UTF-8 (with or without a byte-order mark) or UTF-16 with its byte-order mark.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.policy import Reader
from aseancyber.errors import Invalid
from aseancyber.initiatives import service
from aseancyber.initiatives.models import AUDIENCE_LABELS, THEME_LABELS, Initiative
from aseancyber.initiatives.registry_names import RegistryNames, name_key

MAX_EXPORT = 20_000
SHOWN_VALUE = 80  # characters of a bad value repeated in a problem
EXTRA_CELLS = "\x00extra"  # key of the cells a CSV row has beyond its header

COLUMNS: list[tuple[str, str, tuple[str, ...]]] = [
    ("Title", "title", ()),
    ("Description", "summary", ("summary",)),
    ("Objectives", "aims", ("aims",)),
    ("Activities", "activities", ()),
    ("Status", "status", ()),
    ("Start date", "start_on", ("start", "starton")),
    ("End date", "end_on", ("end", "endon")),
    ("Funders", "funders", ("funder", "donors")),
    ("Implementers", "implementers", ("implementer",)),
    ("Partners", "partners", ()),
    ("Beneficiaries", "beneficiary_states", ("beneficiarycountries", "beneficiarystates")),
    (
        "Other beneficiaries",
        "other_beneficiaries",
        ("beneficiariesoutsideasean", "externalbeneficiaries"),
    ),
    ("Themes", "themes", ("topics",)),
    ("Audience", "target_audience", ("targetaudience",)),
    ("Pillar", "pillar", ()),
    ("Sectoral body", "sectoral_body", ("body",)),
    ("Programme", "programme", ("program",)),
    ("Norms", "norms", ()),
    ("Statement clauses", "statement_clauses", ("clauses",)),
    ("Budget", "budget_amount", ("budgetamount",)),
    ("Currency", "budget_currency", ("budgetcurrency",)),
    ("Link", "source_link", ("source", "website", "sourcelink")),
    ("TLP", "tlp", ()),
]
LIST_FIELDS = frozenset(service.TAG_FIELDS) | {"norms"}
# Columns an export writes that an import recomputes (the id, the owner, the REST shape's
# read-only fields).
IGNORED_COLUMNS = frozenset(
    {
        "id",
        "owner",
        "ownerorganisationid",
        "ownerorganisationname",
        "createdat",
        "updatedat",
        "version",
        "createdbyid",
        "audienceorganisationids",
        "audienceuserids",
        "greenincludesexternal",
    }
)


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


ALIASES: dict[str, str] = {}
for _header, _field, _aliases in COLUMNS:
    for _name in (_header, _field, *_aliases):
        ALIASES[_key(_name)] = _field

_THEMES = {_key(label): theme.value for theme, label in THEME_LABELS.items()} | {
    _key("Policy & Strategy"): "policy_strategy",
    _key("Incident Management & Critical Infrastructure Protection"): "incident_ci",
    _key("Incident management"): "incident_ci",
    _key("Culture & Skills"): "culture_skills",
}
_AUDIENCE = {_key(label): kind.value for kind, label in AUDIENCE_LABELS.items()} | {
    _key("CI operator"): "ci_operator",
    _key("Law-enforcement"): "law_enforcement",
}
_STATUS = {
    "active": "ongoing",
    "inprogress": "ongoing",
    "closed": "completed",
    "finished": "completed",
}


@dataclass(frozen=True)
class Problem:
    """What is wrong with one cell (or one row) of an imported file."""

    row: int
    field: str
    problem: str
    column: str = ""
    value: str = ""

    def __str__(self) -> str:
        where = f"row {self.row}, column {self.column or self.field}"
        said = f"{self.value!r} " if self.value else ""
        return f"{where}: {said}{self.problem}"


def shown(value: Any) -> str:
    """A bad value as a problem repeats it: text, shortened when long."""
    text = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
    return text if len(text) <= SHOWN_VALUE else text[: SHOWN_VALUE - 1] + "…"


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    return [part.strip() for part in str(value).split(";") if part.strip()]


def _date(value: str, *, end: bool) -> str | None:
    text = value.strip()
    if not text:
        return None
    if re.fullmatch(r"\d{4}", text):
        return f"{text}-12-31" if end else f"{text}-01-01"
    if re.fullmatch(r"\d{4}-\d{2}", text):
        year, month = int(text[:4]), int(text[5:])
        if end and 1 <= month <= 12:
            following = date(year + month // 12, month % 12 + 1, 1)
            return date.fromordinal(following.toordinal() - 1).isoformat()
        return f"{text}-01"
    return text


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None  # the date's own problem is reported when the row is validated


@dataclass
class Row:
    """One row read from a file, mapped to InitiativeCreate fields, with its problems."""

    number: int
    data: dict[str, Any]
    columns: dict[str, str]  # field -> the column that gave it, as the file names it
    problems: list[Problem]

    def problem(self, field: str, message: str, value: Any = "") -> None:
        self.problems.append(
            Problem(self.number, field, message, self.columns.get(field, field), shown(value))
        )


def normalise(
    number: int, raw: dict[str, Any], names: RegistryNames, pillars: dict[str, str]
) -> Row:
    """Map one row's columns to InitiativeCreate fields, reading real registry wording;
    unknown columns and names that match nothing are problems of the row."""
    row = Row(number, {}, {}, [])
    data = row.data
    for column, value in raw.items():
        if column == EXTRA_CELLS:
            row.problems.append(
                Problem(number, "row", "has more cells than the header (a missing quote?)")
            )
            continue
        name = ALIASES.get(_key(str(column)))
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if name is None:
            # Data in a column this platform does not know would be lost silently.
            if _key(str(column)) not in IGNORED_COLUMNS:
                row.problems.append(
                    Problem(number, str(column), "is not a known column", str(column))
                )
            continue
        row.columns.setdefault(name, str(column))
        if name in LIST_FIELDS:
            items = _split(value)
            if name == "themes":
                items = [_THEMES.get(_key(item), item) for item in items]
            elif name == "target_audience":
                items = [_AUDIENCE.get(_key(item), item) for item in items]
            data[name] = data.get(name, []) + items
        elif name in {"start_on", "end_on"}:
            data[name] = _date(str(value), end=name == "end_on")
        elif name == "status":
            text = _key(str(value))
            data[name] = _STATUS.get(text, text)
        elif name == "tlp":
            text = str(value).strip().upper().replace(" ", "+")
            data[name] = text if text.startswith("TLP:") else f"TLP:{text}"
        else:
            data[name] = value if isinstance(value, (int, float)) else str(value).strip()
    _resolve_names(row, names, pillars)
    return row


def _resolve_names(row: Row, names: RegistryNames, pillars: dict[str, str]) -> None:
    """Beneficiaries, body and pillar as registries word them, to what the platform stores."""
    data = row.data
    if "beneficiary_states" in data:
        found = names.beneficiaries(data["beneficiary_states"], on=_day(data.get("start_on")))
        data["beneficiary_states"] = found.states
        if found.outside:
            data["other_beneficiaries"] = list(
                dict.fromkeys([*found.outside, *data.get("other_beneficiaries", [])])
            )
            row.columns.setdefault("other_beneficiaries", row.columns["beneficiary_states"])
        for value, message in found.problems:
            row.problem("beneficiary_states", message, value)
    body = data.get("sectoral_body")
    if isinstance(body, str) and body:
        code, message = names.body(body)
        if code is None:
            row.problem("sectoral_body", message, body)
            del data["sectoral_body"]
        else:
            data["sectoral_body"] = code
    pillar = data.get("pillar")
    if isinstance(pillar, str) and pillar:
        if name_key(pillar) in pillars:
            data["pillar"] = pillars[name_key(pillar)]
        else:
            row.problem("pillar", "is not a pillar (APSC, AEC or ASCC)", pillar)
            del data["pillar"]


# --- reading files -------------------------------------------------------------------------------


def _encoding(start: bytes) -> str:
    """UTF-16 when the file says so with its byte-order mark (Excel's "Unicode text"),
    UTF-8 otherwise (its byte-order mark, if any, is dropped)."""
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def decode(raw: bytes) -> str:
    """An uploaded file's text; Invalid names the line of the first byte that is not text."""
    try:
        return raw.decode(_encoding(raw[:4]))
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise Invalid(
            f"is not UTF-8 text (line {line}, byte {error.start + 1}); save it as "
            "CSV UTF-8 or JSON",
            "content",
        ) from error


def open_text(path: Path) -> IO[str]:
    """A file opened for streaming its text (see :func:`decode` for the encodings)."""
    with path.open("rb") as probe:
        encoding = _encoding(probe.read(4))
    return path.open(encoding=encoding, newline="")


def iter_rows(source: str | IO[str], format: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows of a CSV or JSON document with their numbers, CSV streamed (spreadsheet
    numbering: the header is row 1); Invalid when the document cannot be read at all."""
    if format == "csv":
        yield from _csv_rows(io.StringIO(source, newline="") if isinstance(source, str) else source)
        return
    if format == "json":
        try:
            data = orjson.loads(source if isinstance(source, str) else source.read())
        except orjson.JSONDecodeError as error:
            raise Invalid(f"is not valid JSON: {error}", "content") from error
        except UnicodeDecodeError as error:
            raise Invalid("is not UTF-8 text; save it as JSON in UTF-8", "content") from error
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            data = data["items"]
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise Invalid('must be a list of objects (or {"items": [...]})', "content")
        yield from enumerate(data, start=1)
        return
    raise Invalid("must be csv or json", "format")


def _csv_rows(stream: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(stream)
    number = 1  # a spreadsheet's row: one per record, however many lines its cells take
    try:
        header = next(reader, None)
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        if not header or not any(cell.strip() for cell in header):
            raise Invalid("the CSV file has no header row", "content")
        for record in reader:
            number += 1
            if not any(cell.strip() for cell in record):
                continue
            row: dict[str, Any] = dict(zip(header, record, strict=False))
            if len(record) > len(header):
                row[EXTRA_CELLS] = record[len(header) :]
            yield number, row
    except csv.Error as error:
        reason = str(error)
        if "field larger than field limit" in reason:
            reason = f"a cell is longer than {csv.field_size_limit():,} characters"
        raise Invalid(f"is not valid CSV (line {reader.line_num}: {reason})", "content") from error
    except UnicodeDecodeError as error:
        raise Invalid(
            f"is not UTF-8 text (after line {reader.line_num}); save it as CSV UTF-8 or JSON",
            "content",
        ) from error


# --- export -------------------------------------------------------------------------------------


def _spreadsheet_safe(value: Any) -> str:
    text = "" if value is None else str(value)
    # A leading = + - @ makes spreadsheet programs evaluate the cell as a formula.
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def csv_row(initiative: Initiative) -> list[str]:
    """One initiative as the export's CSV cells (ID, owner, then :data:`COLUMNS`)."""
    values: dict[str, Any] = {
        "title": initiative.title,
        "summary": initiative.summary,
        "aims": initiative.aims,
        "activities": initiative.activities,
        "status": initiative.status.label,
        "start_on": initiative.start_on.isoformat() if initiative.start_on else "",
        "end_on": initiative.end_on.isoformat() if initiative.end_on else "",
        "funders": "; ".join(initiative.funders),
        "implementers": "; ".join(initiative.implementers),
        "partners": "; ".join(initiative.partners),
        "beneficiary_states": "; ".join(initiative.states),
        "other_beneficiaries": "; ".join(initiative.other_beneficiaries),
        "themes": "; ".join(theme.label for theme in initiative.themes),
        "target_audience": "; ".join(kind.label for kind in initiative.audience),
        "pillar": initiative.pillar.code if initiative.pillar else "",
        "sectoral_body": initiative.sectoral_body.code if initiative.sectoral_body else "",
        "programme": initiative.programme,
        "norms": "; ".join(initiative.norm_references),
        "statement_clauses": "; ".join(clause.value for clause in initiative.clauses),
        "budget_amount": initiative.budget_amount if initiative.budget_amount is not None else "",
        "budget_currency": initiative.budget_currency,
        "source_link": initiative.source_link,
        "tlp": initiative.tlp.value,
    }
    return [initiative.id, _spreadsheet_safe(initiative.owner_organisation.name)] + [
        _spreadsheet_safe(values[name]) for _, name, _ in COLUMNS
    ]


@dataclass(frozen=True)
class Export:
    content: bytes
    media_type: str
    filename: str
    count: int


def export(
    db: Session, *, reader: Reader, filters: service.InitiativeFilters, format: str
) -> Export:
    """The visible, filtered initiatives as JSON or CSV; the export itself is audited."""
    if format not in {"json", "csv"}:
        raise Invalid("must be json or csv", "format")
    initiatives = service.all_visible(db, reader=reader, filters=filters)[:MAX_EXPORT]
    if format == "json":
        rows = [service.read(db, initiative=i).model_dump(mode="json") for i in initiatives]
        content = orjson.dumps({"items": rows, "count": len(rows)}, option=orjson.OPT_INDENT_2)
        media_type = "application/json"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["ID", "Owner"] + [header for header, _, _ in COLUMNS])
        for initiative in initiatives:
            writer.writerow(csv_row(initiative))
        content = buffer.getvalue().encode()
        media_type = "text/csv; charset=utf-8"
    audit.record(
        db,
        action="initiative.export",
        record_kind="initiative",
        record_id="*",
        record_organisation_id=reader.organisation_id if reader else None,
        changed_fields=[f"count={len(initiatives)}", f"format={format}"],
        after={"ids": [i.id for i in initiatives]},
        actor=reader,
    )
    return Export(content, media_type, f"initiatives.{format}", len(initiatives))
