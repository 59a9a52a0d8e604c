"""EPSS scores imported from FIRST's daily CSV, shown on the vulnerabilities naming the CVE.

The file is read as FIRST publishes it (``epss_scores-YYYY-MM-DD.csv``, gunzipped): a
comment line ``#model_version:v2023.03.01,score_date:2023-03-21T00:00:00+0000``, then
``cve,epss,percentile``. Nothing is fetched from the network: an operator downloads the
file and imports it. Importing is idempotent: a CVE's row is replaced by the newer values,
and importing the same file twice changes nothing.
"""

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from aseancyber.cases.models import Vulnerability
from aseancyber.cases.scoring.models import EpssScore
from aseancyber.db import utcnow
from aseancyber.errors import Invalid

BATCH = 5000
MAX_PROBLEMS = 50
_CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
_COMMENT = re.compile(r"^#\s*model_version:([^,]*),\s*score_date:(.*)$")

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Row:
    cve: str
    epss: float
    percentile: float


@dataclass
class ImportResult:
    model_version: str = ""
    score_date: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    vulnerabilities_updated: int = 0


HEADER_VALUE_LENGTH = 40  # the columns that keep the model version and score date


def _score(text: str, name: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise Invalid(f"line {line}: {name} {text!r} is not a number", name) from None
    if not 0 <= value <= 1:
        raise Invalid(f"line {line}: {name} {value} is outside 0..1", name)
    return value


def parse(lines: Iterable[str]) -> tuple[str, str, Iterator[Row]]:
    """The model version, score date and rows of an EPSS CSV; the header is checked first,
    each row as it is read (a bad row names its line)."""
    iterator = iter(lines)
    first = next(iterator, "").strip().lstrip("\ufeff")
    model_version = score_date = ""
    match = _COMMENT.match(first)
    if match:
        model_version, score_date = match.group(1).strip(), match.group(2).strip()
        if len(model_version) > HEADER_VALUE_LENGTH or len(score_date) > HEADER_VALUE_LENGTH:
            raise Invalid(
                f"line 1: model_version and score_date may have at most {HEADER_VALUE_LENGTH} "
                "characters each",
                "file",
            )
        header = next(iterator, "").strip()
        start = 3
    else:
        header = first
        start = 2
    if [part.strip().lower() for part in header.split(",")] != ["cve", "epss", "percentile"]:
        raise Invalid(
            "is not an EPSS CSV: expected the header cve,epss,percentile (after the "
            "#model_version:...,score_date:... line)",
            "file",
        )

    def rows() -> Iterator[Row]:
        for number, raw in enumerate(iterator, start=start):
            text = raw.strip()
            if not text:
                continue
            parts = text.split(",")
            if len(parts) != 3:
                raise Invalid(f"line {number}: expected 3 columns, found {len(parts)}", "file")
            cve = parts[0].strip().upper()
            if not _CVE.match(cve):
                raise Invalid(f"line {number}: {parts[0][:40]!r} is not a CVE id", "cve")
            yield Row(
                cve,
                _score(parts[1].strip(), "epss", number),
                _score(parts[2].strip(), "percentile", number),
            )

    return model_version, score_date, rows()


def import_rows(
    db: Session,
    *,
    model_version: str,
    score_date: str,
    rows: Iterable[Row],
    total: int = 0,
    progress: Progress | None = None,
) -> ImportResult:
    """Store EPSS rows (insert new CVEs, update changed ones) and refresh the vulnerabilities
    of every case naming one of these CVEs."""
    result = ImportResult(model_version=model_version, score_date=score_date)
    iterator = iter(rows)
    now = utcnow()
    while batch := list(islice(iterator, BATCH)):
        by_cve = {row.cve: row for row in batch}  # a repeated CVE: the last line wins
        stored = {
            cve: (epss, percentile, version, date)
            for cve, epss, percentile, version, date in db.execute(
                select(
                    EpssScore.cve,
                    EpssScore.epss,
                    EpssScore.percentile,
                    EpssScore.model_version,
                    EpssScore.score_date,
                ).where(EpssScore.cve.in_(by_cve))
            )
        }
        new, changed = [], []
        for row in by_cve.values():
            values = {
                "cve": row.cve,
                "epss": row.epss,
                "percentile": row.percentile,
                "model_version": model_version,
                "score_date": score_date,
                "imported_at": now,
            }
            before = stored.get(row.cve)
            if before is None:
                new.append(values)
            elif before != (row.epss, row.percentile, model_version, score_date):
                changed.append({**values, "key": row.cve})
            else:
                result.unchanged += 1
        if new:
            db.execute(insert(EpssScore), new)
        if changed:
            db.connection().execute(
                update(EpssScore.__table__)  # type: ignore[arg-type]
                .where(EpssScore.__table__.c.cve == bindparam("key"))
                .values(
                    epss=bindparam("epss"),
                    percentile=bindparam("percentile"),
                    model_version=bindparam("model_version"),
                    score_date=bindparam("score_date"),
                    imported_at=bindparam("imported_at"),
                ),
                changed,
            )
        result.created += len(new)
        result.updated += len(changed)
        result.rows += len(batch)
        result.vulnerabilities_updated += _refresh_vulnerabilities(db, by_cve)
        if progress is not None:
            progress(result.rows, total, "rows")
    db.flush()
    return result


def _refresh_vulnerabilities(db: Session, by_cve: dict[str, Row]) -> int:
    count = 0
    for vulnerability in db.scalars(select(Vulnerability).where(Vulnerability.cve.in_(by_cve))):
        row = by_cve[vulnerability.cve]
        if (vulnerability.epss_score, vulnerability.epss_percentile) != (row.epss, row.percentile):
            vulnerability.epss_score = row.epss
            vulnerability.epss_percentile = row.percentile
            count += 1
    return count


def score_of(db: Session, *, cve: str) -> EpssScore | None:
    """The imported EPSS row of one CVE, if any."""
    return db.get(EpssScore, cve.strip().upper()) if cve else None


def scores_for(db: Session, *, cves: Iterable[str]) -> dict[str, EpssScore]:
    """The imported EPSS rows of several CVEs, by CVE."""
    wanted = {cve for cve in cves if cve}
    if not wanted:
        return {}
    return {row.cve: row for row in db.scalars(select(EpssScore).where(EpssScore.cve.in_(wanted)))}
