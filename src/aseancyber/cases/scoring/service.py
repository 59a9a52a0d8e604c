"""Scores kept with each vulnerability: CVSS 4.0 (the ``cvss`` package) and SSVC decisions.

SSVC decisions are looked up in CERT/CC's published decision tables, shipped unchanged as CSV
files in ``ssvc_tables/`` (coordinator triage, coordinator publication, deployer, supplier);
the inputs are stored with the decision so a reader sees why.
"""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from cvss import CVSS4
from cvss.exceptions import CVSSError

from aseancyber.errors import FieldProblem, Invalid


@dataclass(frozen=True)
class CvssResult:
    vector: str
    score: float
    severity: str


def cvss4(vector: str) -> CvssResult:
    """Score a CVSS 4.0 vector; a malformed one is refused with the library's reason."""
    text = vector.strip()
    if not text.startswith("CVSS:4.0/"):
        raise Invalid("must be a CVSS 4.0 vector starting with CVSS:4.0/", "cvss_vector")
    try:
        parsed = CVSS4(text)
    except (CVSSError, ValueError, KeyError) as error:
        raise Invalid(f"is not a valid CVSS 4.0 vector: {error}", "cvss_vector") from error
    return CvssResult(parsed.clean_vector(), float(parsed.base_score), str(parsed.severity))


def _key(text: str) -> str:
    """A decision point's or value's comparable form: lowercase, words joined by ``_``."""
    return re.sub(r"[^a-z0-9']+", "_", text.strip().lower()).strip("_")


@dataclass(frozen=True)
class DecisionTable:
    """One published SSVC decision table: its decision points, outcomes and rows."""

    name: str
    title: str
    inputs: tuple[tuple[str, tuple[str, ...]], ...]  # (decision point, its values in order)
    outcomes: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # input values..., outcome (published spellings)
    row_numbers: tuple[int, ...]  # the published row number of each row

    def canonical(self, values: dict[str, str]) -> dict[str, str]:
        """``values`` with each input in its published spelling; problems named by input."""
        names = [name for name, _ in self.inputs]
        given = {_key(name): value for name, value in values.items()}
        problems = [
            FieldProblem("ssvc", f"{self.title} has no input {name}")
            for name in sorted(set(given) - set(names))
        ]
        result = {}
        for name, allowed in self.inputs:
            spelling = {_key(value): value for value in allowed}
            value = given.get(name)
            found = spelling.get(_key(value)) if isinstance(value, str) else None
            if found is None:
                problems.append(FieldProblem("ssvc", f"{name} must be one of {', '.join(allowed)}"))
            else:
                result[name] = found
        if problems:
            raise Invalid(problems)
        return result

    def decide(self, values: dict[str, str]) -> str:
        """The outcome for ``values``; unknown or missing inputs are refused by name."""
        key = tuple(self.canonical(values)[name] for name, _ in self.inputs)
        for row in self.rows:
            if row[:-1] == key:
                return row[-1]
        raise Invalid(
            f"the published {self.title} has no row for these inputs (CERT/CC lists only "
            f"{len(self.rows)} combinations)",
            "ssvc",
        )

    def row(self, number: int) -> dict[str, str]:
        """The published row ``number`` as ``{decision point: value, ..., outcome}``."""
        values = self.rows[self.row_numbers.index(number)]
        names = [name for name, _ in self.inputs] + ["outcome"]
        return dict(zip(names, values, strict=True))


TABLES_DIR = Path(__file__).with_name("ssvc_tables")
_TITLES = {
    "coordinator_triage": "SSVC coordinator triage table",
    "coordinator_publish": "SSVC coordinator publication table",
    "deployer": "SSVC deployer (CI operator) table",
    "supplier": "SSVC supplier table",
}


def load_table(name: str) -> DecisionTable:
    """A decision table from its CSV as CERT/CC publishes it (``row``, inputs..., outcome)."""
    with (TABLES_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        records = [record for record in reader if record]
    points = [_key(column) for column in header[1:-1]]
    values: list[dict[str, None]] = [{} for _ in points]
    outcomes: dict[str, None] = {}
    for record in records:
        for index, value in enumerate(record[1:-1]):
            values[index][value] = None
        outcomes[record[-1]] = None
    return DecisionTable(
        name=name,
        title=_TITLES[name],
        inputs=tuple((point, tuple(found)) for point, found in zip(points, values, strict=True)),
        outcomes=tuple(outcomes),
        rows=tuple(tuple(record[1:]) for record in records),
        row_numbers=tuple(int(record[0]) for record in records),
    )


TABLES = {name: load_table(name) for name in _TITLES}


def ssvc_decision(table_name: str, inputs: dict[str, str]) -> str:
    """The SSVC outcome of ``table_name`` for ``inputs``."""
    table = TABLES.get(table_name)
    if table is None:
        raise Invalid(f"must be one of {', '.join(TABLES)}", "ssvc")
    return table.decide(inputs)
