"""Scores kept with each vulnerability: CVSS 4.0 (the ``cvss`` package) and SSVC decisions.

SSVC decisions are looked up in decision tables held as data (each row: the inputs, then
the outcome); the inputs are stored with the decision so a reader sees why.
"""

from dataclasses import dataclass
from itertools import product

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


@dataclass(frozen=True)
class DecisionTable:
    name: str
    title: str
    inputs: tuple[tuple[str, tuple[str, ...]], ...]  # (decision point, its values in order)
    outcomes: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # input values..., outcome

    def decide(self, values: dict[str, str]) -> str:
        """The outcome for ``values``; unknown or missing inputs are refused by name."""
        names = [name for name, _ in self.inputs]
        problems = [
            FieldProblem("ssvc", f"{self.title} has no input {name}")
            for name in sorted(set(values) - set(names))
        ]
        problems += [
            FieldProblem("ssvc", f"{name} must be one of {', '.join(allowed)}")
            for name, allowed in self.inputs
            if values.get(name) not in allowed
        ]
        if problems:
            raise Invalid(problems)
        key = tuple(values[name] for name in names)
        for row in self.rows:
            if row[:-1] == key:
                return row[-1]
        raise Invalid("no row of the decision table matches these inputs", "ssvc")


# CISA's SSVC tree for coordinators (Exploitation, Automatable, Technical Impact,
# Mission & Well-being -> Track, Track*, Attend, Act), one row per leaf.
CISA_COORDINATOR = DecisionTable(
    name="cisa_coordinator",
    title="CISA coordinator table",
    inputs=(
        ("exploitation", ("none", "poc", "active")),
        ("automatable", ("no", "yes")),
        ("technical_impact", ("partial", "total")),
        ("mission_wellbeing", ("low", "medium", "high")),
    ),
    outcomes=("track", "track*", "attend", "act"),
    rows=(
        ("none", "no", "partial", "low", "track"),
        ("none", "no", "partial", "medium", "track"),
        ("none", "no", "partial", "high", "track"),
        ("none", "no", "total", "low", "track"),
        ("none", "no", "total", "medium", "track"),
        ("none", "no", "total", "high", "track*"),
        ("none", "yes", "partial", "low", "track"),
        ("none", "yes", "partial", "medium", "track"),
        ("none", "yes", "partial", "high", "attend"),
        ("none", "yes", "total", "low", "track"),
        ("none", "yes", "total", "medium", "track"),
        ("none", "yes", "total", "high", "attend"),
        ("poc", "no", "partial", "low", "track"),
        ("poc", "no", "partial", "medium", "track"),
        ("poc", "no", "partial", "high", "track*"),
        ("poc", "no", "total", "low", "track"),
        ("poc", "no", "total", "medium", "track*"),
        ("poc", "no", "total", "high", "attend"),
        ("poc", "yes", "partial", "low", "track"),
        ("poc", "yes", "partial", "medium", "track"),
        ("poc", "yes", "partial", "high", "attend"),
        ("poc", "yes", "total", "low", "track"),
        ("poc", "yes", "total", "medium", "track*"),
        ("poc", "yes", "total", "high", "attend"),
        ("active", "no", "partial", "low", "track"),
        ("active", "no", "partial", "medium", "track"),
        ("active", "no", "partial", "high", "attend"),
        ("active", "no", "total", "low", "track"),
        ("active", "no", "total", "medium", "attend"),
        ("active", "no", "total", "high", "act"),
        ("active", "yes", "partial", "low", "attend"),
        ("active", "yes", "partial", "medium", "attend"),
        ("active", "yes", "partial", "high", "act"),
        ("active", "yes", "total", "low", "attend"),
        ("active", "yes", "total", "medium", "act"),
        ("active", "yes", "total", "high", "act"),
    ),
)

_DEPLOYER_INPUTS = (
    ("exploitation", ("none", "poc", "active")),
    ("exposure", ("small", "controlled", "open")),
    ("automatable", ("no", "yes")),
    ("human_impact", ("low", "medium", "high", "very_high")),
)


def _deployer_outcome(exploitation: str, exposure: str, automatable: str, impact: str) -> str:
    # The deployer table's rows, written as the rule they follow so that each of the 72
    # rows is reviewable: urgency rises with exploitation, exposure, automation and impact.
    points = (
        ("none", "poc", "active").index(exploitation) * 2
        + ("small", "controlled", "open").index(exposure)
        + (1 if automatable == "yes" else 0)
        + ("low", "medium", "high", "very_high").index(impact) * 2
    )
    if impact == "very_high" and exploitation == "active":
        return "immediate"
    if points >= 9:
        return "immediate"
    if points >= 6:
        return "out_of_cycle"
    if points >= 3:
        return "scheduled"
    return "defer"


DEPLOYER = DecisionTable(
    name="deployer",
    title="Deployer (CI operator) table",
    inputs=_DEPLOYER_INPUTS,
    outcomes=("defer", "scheduled", "out_of_cycle", "immediate"),
    rows=tuple(
        (*combination, _deployer_outcome(*combination))
        for combination in product(*(values for _, values in _DEPLOYER_INPUTS))
    ),
)

TABLES = {table.name: table for table in (CISA_COORDINATOR, DEPLOYER)}


def ssvc_decision(table_name: str, inputs: dict[str, str]) -> str:
    """The SSVC outcome of ``table_name`` for ``inputs``."""
    table = TABLES.get(table_name)
    if table is None:
        raise Invalid(f"must be one of {', '.join(TABLES)}", "ssvc")
    return table.decide(inputs)
