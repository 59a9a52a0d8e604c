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
| Beneficiaries; Beneficiary countries; Beneficiary states | beneficiary_states | ISO or name |
| Themes; Topics | themes | GFCE theme names ("Cybercrime", "Culture & Skills", ...) or codes |
| Audience; Target audience | target_audience | Diplomatic, Policy, Technical, ... |
| Pillar | pillar | APSC, AEC, ASCC |
| Sectoral body; Body | sectoral_body | body code, e.g. ADGMIN |
| Programme; Program | programme | ACCP, ASCCE, AJCCBC, ... |
| Norms | norms | norm letters a-k ("(k)" accepted) or action codes such as g.3 |
| Statement clauses; Clauses | statement_clauses | clause codes |
| Budget; Budget amount | budget_amount | number |
| Currency; Budget currency | budget_currency | ISO 4217 code |
| Link; Source; Website; Source link | source_link | https:// address |
| TLP | tlp | optional; the import's default label otherwise |

JSON import takes a list of objects (or ``{"items": [...]}``) keyed by these column names
or by the REST field names; JSON export writes the REST shape.
"""

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.policy import Actor, Reader, Tlp
from aseancyber.access.rules import Action, may
from aseancyber.community.models import MemberState
from aseancyber.errors import Forbidden, Invalid
from aseancyber.initiatives import overlap_notices, overlaps, service
from aseancyber.initiatives.models import (
    AUDIENCE_LABELS,
    THEME_LABELS,
    Initiative,
    Overlap,
)
from aseancyber.initiatives.schemas import InitiativeCreate

MAX_ROWS = 20_000
MAX_EXPORT = 20_000
Progress = Callable[[int, int, str], None]

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
    row: int
    field: str
    problem: str


@dataclass
class ImportResult:
    rows: int = 0
    valid_rows: int = 0
    imported_ids: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    overlaps_flagged: int = 0


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


def _normalise(
    raw: dict[str, Any], states_by_name: dict[str, str]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Map one row's columns to InitiativeCreate fields; unknown columns are problems."""
    data: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for column, value in raw.items():
        name = ALIASES.get(_key(str(column)))
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if name is None:
            # Data in a column this platform does not know would be lost silently.
            if _key(str(column)) not in IGNORED_COLUMNS:
                problems.append((str(column), "is not a known column"))
            continue
        if name in LIST_FIELDS:
            items = _split(value)
            if name == "beneficiary_states":
                items = [states_by_name.get(_key(item), item) for item in items]
            elif name == "themes":
                items = [_THEMES.get(_key(item), item) for item in items]
            elif name == "target_audience":
                items = [_AUDIENCE.get(_key(item), item) for item in items]
            data[name] = items
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
    return data, problems


def parse_rows(content: str, format: str) -> list[dict[str, Any]]:
    """The rows of a CSV or JSON document (raises Invalid when it cannot be read at all)."""
    if format == "csv":
        text = content.lstrip("\ufeff")
        # newline="": the csv module then reads \n, \r\n and a bare \r line ends alike.
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            if not reader.fieldnames:
                raise Invalid("the CSV file has no header row", "content")
            rows = []
            for row in reader:
                if None in row:
                    raise Invalid(
                        f"row {reader.line_num} has more cells than the header", "content"
                    )
                if any((value or "").strip() for value in row.values()):
                    rows.append(dict(row))
        except csv.Error as error:
            raise Invalid(
                f"is not valid CSV (line {reader.line_num}: {error})", "content"
            ) from error
        return rows
    if format == "json":
        try:
            data = orjson.loads(content)
        except orjson.JSONDecodeError as error:
            raise Invalid(f"is not valid JSON: {error}", "content") from error
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            data = data["items"]
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise Invalid('must be a list of objects (or {"items": [...]})', "content")
        return data
    raise Invalid("must be csv or json", "format")


def _row_problems(row: int, error: ValidationError) -> list[Problem]:
    problems = []
    for detail in error.errors():
        location = [str(part) for part in detail.get("loc", ()) if not isinstance(part, int)]
        problems.append(
            Problem(
                row,
                location[0] if location else "row",
                str(detail.get("msg", "")).removeprefix("Value error, "),
            )
        )
    return problems


def import_initiatives(
    db: Session,
    *,
    actor: Actor,
    content: str,
    format: str,
    import_valid_rows: bool = False,
    default_tlp: Tlp = Tlp.GREEN,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate every row, then import all of them, only the valid ones (when asked), or
    nothing; newly imported initiatives are checked for overlaps."""
    if not may(actor, Action.CREATE, Initiative):
        raise Forbidden("importing initiatives needs the contributor or coordinator role")
    rows = parse_rows(content, format)
    if len(rows) > MAX_ROWS:
        raise Invalid(f"has {len(rows)} rows; at most {MAX_ROWS} are imported at once", "content")
    states = db.scalars(select(MemberState)).all()
    states_by_name = {_key(state.name): state.iso2 for state in states} | {
        _key(state.iso3): state.iso2 for state in states
    }
    first_row = 2 if format == "csv" else 1  # spreadsheet numbering: the header is row 1
    result = ImportResult(rows=len(rows))
    valid: list[tuple[int, InitiativeCreate]] = []
    for offset, raw in enumerate(rows):
        number = first_row + offset
        data, column_problems = _normalise(raw, states_by_name)
        data.setdefault("tlp", default_tlp.value)
        problems = [Problem(number, column, text) for column, text in column_problems]
        try:
            parsed = InitiativeCreate.model_validate(data)
        except ValidationError as error:
            problems.extend(_row_problems(number, error))
            parsed = None
        if parsed is not None:
            problems.extend(
                Problem(number, p.field, p.message) for p in service.check_row(db, parsed)
            )
        if problems:
            result.problems.extend(problems)
        elif parsed is not None:
            valid.append((number, parsed))
        if progress is not None:
            progress(offset + 1, len(rows) * 2, "validating rows")
    result.valid_rows = len(valid)
    if result.problems and not import_valid_rows:
        return result
    for position, (_, parsed) in enumerate(valid, start=1):
        initiative = service.create(db, actor=actor, data=parsed, detect=False)
        result.imported_ids.append(initiative.id)
        if progress is not None:
            progress(
                len(rows) + position * len(rows) // max(len(valid), 1), len(rows) * 2, "importing"
            )
    if result.imported_ids:
        flagged: list[Overlap] = []
        overlaps.detect_for(db, initiative_ids=result.imported_ids, flagged=flagged)
        # Only pairs whose two sides the importer may see: the count of the others would
        # tell them hidden initiatives like theirs exist.
        result.overlaps_flagged = overlaps.count_visible(db, reader=actor, overlaps=flagged)
        overlap_notices.notify_owners(db, flagged=flagged, changed_ids=set(result.imported_ids))
        audit.record(
            db,
            action="initiative.import",
            record_kind="initiative",
            record_id="*",
            record_organisation_id=actor.organisation_id,
            changed_fields=[f"count={len(result.imported_ids)}", f"format={format}"],
            after={"ids": result.imported_ids},
            actor=actor,
        )
    return result


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
    return [initiative.id, initiative.owner_organisation.name] + [
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
