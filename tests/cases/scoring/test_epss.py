"""EPSS import: FIRST's CSV format, idempotent, shown on vulnerabilities and advisories."""

import gzip
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.cases import catalogue
from aseancyber.cases.advisories import service as advisories
from aseancyber.cases.advisories.schemas import AdvisoryCreate
from aseancyber.cases.models import Vulnerability
from aseancyber.cases.provider import publication
from aseancyber.cases.schemas import VulnerabilityCreate
from aseancyber.cases.scoring import epss
from aseancyber.cases.scoring.models import EpssScore
from aseancyber.errors import Invalid
from tests.cases.advisories.test_csaf import populate
from tests.cases.conftest import Scenario, approve_by_both
from tests.cli.conftest import (  # noqa: F401 - fixtures of the command's own database
    RunCli,
    cli_engine,
    cli_path,
    cli_url,
    initialised,
    initialised_template,
    invoke,
    run_cli,
)
from tests.factories import actor
from tests.readers import BrowserFor

FILE = """#model_version:v2025.03.14,score_date:2026-11-27T12:55:00Z
cve,epss,percentile
CVE-2026-12345,0.91234,0.99120
CVE-1999-0001,0.01100,0.80210
CVE-2026-99999,0.00043,0.10000
"""
NEWER = FILE.replace("2026-11-27", "2026-11-28").replace("0.91234,0.99120", "0.95001,0.99500")


def _import(db: Session, text: str) -> epss.ImportResult:
    version, date, rows = epss.parse(text.splitlines())
    return epss.import_rows(db, model_version=version, score_date=date, rows=rows)


def test_import_is_idempotent_and_updates_named_vulnerabilities(
    db: Session, scenario: Scenario
) -> None:
    populate(db, scenario)  # names CVE-2026-12345
    first = _import(db, FILE)
    assert (first.model_version, first.score_date) == ("v2025.03.14", "2026-11-27T12:55:00Z")
    assert (first.rows, first.created, first.updated, first.unchanged) == (3, 3, 0, 0)
    assert first.vulnerabilities_updated == 1
    again = _import(db, FILE)
    assert (again.created, again.updated, again.unchanged, again.vulnerabilities_updated) == (
        0,
        0,
        3,
        0,
    )
    assert db.scalar(select(func.count()).select_from(EpssScore)) == 3
    newer = _import(db, NEWER)
    assert (newer.created, newer.updated, newer.unchanged) == (0, 3, 0)  # new score date
    vulnerability = db.scalars(
        select(Vulnerability).where(Vulnerability.cve == "CVE-2026-12345")
    ).one()
    assert (vulnerability.epss_score, vulnerability.epss_percentile) == (0.95001, 0.995)
    # A vulnerability added later picks up the imported score of its CVE.
    added = catalogue.add_vulnerability(
        db,
        actor=actor(scenario.sg),
        case_id=scenario.case.id,
        data=VulnerabilityCreate(title="Old bug", cve="CVE-1999-0001"),
    )
    assert (added.epss_score, added.epss_percentile) == (0.011, 0.8021)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("cve,score\nCVE-2026-1234,0.1\n", "expected the header cve,epss,percentile"),
        ("cve,epss,percentile\nCVE-2026-1234,1.5,0.2\n", "line 2: epss 1.5 is outside 0..1"),
        ("cve,epss,percentile\nnot-a-cve,0.1,0.2\n", "line 2: 'not-a-cve' is not a CVE id"),
        ("#model_version:v1,score_date:x\ncve,epss,percentile\nCVE-2026-1234,x,0.2\n", "line 3"),
        ("cve,epss,percentile\nCVE-2026-1234,0.1\n", "expected 3 columns"),
        (
            f"#model_version:{'v' * 41},score_date:x\ncve,epss,percentile\nCVE-2026-1234,0.1,0.2\n",
            "line 1: model_version and score_date may have at most 40",
        ),
    ],
)
def test_bad_files_are_refused_naming_the_line(db: Session, text: str, problem: str) -> None:
    with pytest.raises(Invalid, match=problem):
        _import(db, text)


def test_the_case_page_and_advisory_show_the_score(
    db: Session, scenario: Scenario, browser_for: BrowserFor, client: TestClient
) -> None:
    populate(db, scenario)
    _import(db, FILE)
    sg = actor(scenario.sg)
    advisory = advisories.draft(
        db, actor=sg, case_id=scenario.case.id, data=AdvisoryCreate(publish_tlp=Tlp.CLEAR)
    )
    approve_by_both(db, scenario, advisory.id)
    publication.publish(db, actor=sg, case_id=scenario.case.id, advisory_id=advisory.id)
    assert advisory.document is not None
    notes = advisory.document["vulnerabilities"][0]["notes"]
    assert any(n["title"] == "EPSS" and "0.91234" in n["text"] for n in notes)
    db.commit()
    page = browser_for(scenario.sg).client.get(f"/cases/{scenario.case.id}")
    assert "EPSS 0.91234 (percentile 0.9912)" in page.text
    public = client.get(f"/advisories/{advisory.id}")
    assert public.status_code == 200
    assert "EPSS 0.91234, percentile 0.99120" in public.text


def test_the_command_imports_a_gzipped_file_twice_without_change(
    initialised: RunCli,  # noqa: F811 - the fixture imported above
    cli_engine: Engine,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    path = tmp_path / "epss_scores-2026-11-27.csv.gz"
    path.write_bytes(gzip.compress(FILE.encode()))
    first = initialised("cases", "import-epss", str(path))
    assert first.exit_code == 0, first.output
    assert "3 EPSS rows read" in first.output
    assert "3 new" in first.output
    second = initialised("cases", "import-epss", str(path))
    assert second.exit_code == 0, second.output
    assert "0 new, 0 updated, 3 unchanged" in second.output
    with cli_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(EpssScore)) == 3
    bad = tmp_path / "bad.csv"
    bad.write_text("cve,epss,percentile\nCVE-2026-1234,2,0.1\n")
    refused = initialised("cases", "import-epss", str(bad))
    assert refused.exit_code == 1
    assert "line 2: epss 2.0 is outside 0..1" in refused.stderr
