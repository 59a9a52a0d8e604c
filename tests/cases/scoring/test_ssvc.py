"""SSVC decision tables: CERT/CC's published CSV rows, checked against known rows."""

import pytest

from aseancyber.cases.scoring import service as scoring
from aseancyber.errors import Invalid


def test_the_four_published_tables_are_shipped_whole() -> None:
    sizes = {name: len(table.rows) for name, table in scoring.TABLES.items()}
    assert sizes == {
        "coordinator_triage": 84,
        "coordinator_publish": 27,
        "deployer": 72,
        "supplier": 36,
    }
    for table in scoring.TABLES.values():
        assert list(table.row_numbers) == list(range(1, len(table.rows) + 1))
        assert len({row[:-1] for row in table.rows}) == len(table.rows)  # no duplicates


@pytest.mark.parametrize(
    ("table", "number", "expected"),
    [
        # Coordinator triage (Public, Contacted, Report credibility, Cardinality, Engagement,
        # Utility, Public safety impact -> Priority), rows of coord-triage-options.csv.
        (
            "coordinator_triage",
            18,
            ["no", "yes", "no", "multiple", "active", "super effective", "significant"],
        ),
        (
            "coordinator_triage",
            31,
            ["no", "yes", "yes", "one", "unresponsive", "laborious", "minimal"],
        ),
        ("coordinator_triage", 57, ["yes", "yes", "no", "one", "active", "laborious", "minimal"]),
        # Coordinator publication (Supplier involvement, Exploitation, Value added).
        ("coordinator_publish", 2, ["fix ready", "none", "ampliative"]),
        ("coordinator_publish", 23, ["uncoop/unresponsive", "PoC", "ampliative"]),
        ("coordinator_publish", 27, ["uncoop/unresponsive", "active", "limited"]),
        # Deployer (Exploitation, Exposure, Automatable, Human impact).
        ("deployer", 1, ["none", "small", "no", "low"]),
        ("deployer", 24, ["none", "open", "yes", "very high"]),
        ("deployer", 68, ["active", "open", "no", "very high"]),
        # Supplier (Exploitation, Utility, Technical impact, Public-safety impact).
        ("supplier", 3, ["none", "laborious", "total", "minimal"]),
        ("supplier", 11, ["none", "super effective", "total", "minimal"]),
        ("supplier", 16, ["PoC", "laborious", "total", "significant"]),
    ],
)
def test_known_rows(table: str, number: int, expected: list[str]) -> None:
    row = scoring.TABLES[table].row(number)
    assert list(row.values())[:-1] == expected


@pytest.mark.parametrize(
    ("table", "inputs", "outcome"),
    [
        (
            "coordinator_triage",
            {
                "public": "no",
                "contacted": "yes",
                "report_credibility": "no",
                "cardinality": "multiple",
                "engagement": "active",
                "utility": "super effective",
                "public_safety_impact": "significant",
            },
            "coordinate",
        ),
        (
            "coordinator_triage",
            {
                "public": "no",
                "contacted": "yes",
                "report_credibility": "yes",
                "cardinality": "one",
                "engagement": "unresponsive",
                "utility": "laborious",
                "public_safety_impact": "minimal",
            },
            "track",
        ),
        (
            "coordinator_publish",
            {
                "supplier_involvement": "fix ready",
                "exploitation": "none",
                "value_added": "ampliative",
            },
            "don't publish",
        ),
        (
            "coordinator_publish",
            {
                "supplier_involvement": "uncoop/unresponsive",
                "exploitation": "poc",
                "value_added": "ampliative",
            },
            "publish",
        ),
        (
            "deployer",
            {
                "exploitation": "active",
                "exposure": "open",
                "automatable": "no",
                "human_impact": "very high",
            },
            "immediate",
        ),
        (
            "deployer",
            {
                "exploitation": "PoC",
                "exposure": "small",
                "automatable": "yes",
                "human_impact": "low",
            },
            "scheduled",
        ),
        (
            "deployer",
            {
                "exploitation": "none",
                "exposure": "open",
                "automatable": "yes",
                "human_impact": "very_high",
            },
            "out-of-cycle",
        ),
        (
            "supplier",
            {
                "exploitation": "none",
                "utility": "laborious",
                "technical_impact": "total",
                "public_safety_impact": "minimal",
            },
            "scheduled",
        ),
        (
            "supplier",
            {
                "exploitation": "active",
                "utility": "super_effective",
                "technical_impact": "partial",
                "public_safety_impact": "minimal",
            },
            "immediate",
        ),
    ],
)
def test_decisions_follow_the_published_rows(
    table: str, inputs: dict[str, str], outcome: str
) -> None:
    assert scoring.ssvc_decision(table, inputs) == outcome


def test_inputs_are_kept_in_the_published_spelling() -> None:
    canonical = scoring.TABLES["deployer"].canonical(
        {
            "Exploitation": "poc",
            "exposure": "OPEN",
            "automatable": "yes",
            "human impact": "very_high",
        }
    )
    assert canonical == {
        "exploitation": "PoC",
        "exposure": "open",
        "automatable": "yes",
        "human_impact": "very high",
    }


def test_bad_inputs_are_named() -> None:
    with pytest.raises(Invalid) as refused:
        scoring.ssvc_decision("deployer", {"exploitation": "maybe", "mission": "x"})
    text = str(refused.value)
    assert "deployer" in text
    assert "has no input mission" in text
    assert "exploitation must be one of none, PoC, active" in text
    assert "exposure must be one of small, controlled, open" in text
    with pytest.raises(Invalid, match="must be one of coordinator_triage"):
        scoring.ssvc_decision("cisa_coordinator", {})


def test_a_combination_the_published_triage_table_omits_is_refused_with_that_reason() -> None:
    with pytest.raises(Invalid, match="has no row for these inputs"):
        scoring.ssvc_decision(
            "coordinator_triage",
            {
                "public": "yes",
                "contacted": "yes",
                "report_credibility": "no",
                "cardinality": "one",
                "engagement": "active",
                "utility": "super effective",
                "public_safety_impact": "significant",
            },
        )
