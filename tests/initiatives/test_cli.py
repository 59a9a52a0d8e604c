"""``aseancyber initiatives import`` and ``report``: progress, a validation report, one
transaction, and a PDF written to disk."""

from pathlib import Path

from sqlalchemy import Engine, func, select

from aseancyber.initiatives.models import Initiative
from aseancyber.initiatives.overlaps.models import Overlap
from tests.cli.conftest import (  # noqa: F401 - the CLI's fixtures, reused here
    RunCli,
    cli_engine,
    cli_path,
    cli_url,
    initialised,
    initialised_template,
    invoke,
    run_cli,
)
from tests.initiatives.test_import_export import BAD_ROWS, SPREADSHEET

PASSWORD = "a-long-enough-password"


def _coordinator(run: RunCli) -> None:
    created = run(
        "user",
        "create",
        "coord@example.org",
        "--name",
        "Coordinator",
        "--org",
        "ASEAN Secretariat",
        "--role",
        "regional_coordinator",
        "--password",
        PASSWORD,
    )
    assert created.exit_code == 0, created.output


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model)) or 0


def test_import_then_report(
    initialised: RunCli,  # noqa: F811 - the CLI fixture imported above
    cli_engine: Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    _coordinator(initialised)
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_ROWS)
    refused = initialised("initiatives", "import", str(bad), "--as", "coord@example.org")
    assert refused.exit_code == 1
    assert "Validation report" in refused.output
    assert "nothing imported" in refused.output
    assert _count(cli_engine, Initiative) == 0

    good = tmp_path / "two-bodies.csv"
    good.write_text(SPREADSHEET)
    done = initialised("initiatives", "import", str(good), "--as", "coord@example.org")
    assert done.exit_code == 0, done.output
    assert "2 initiatives imported" in done.output
    assert "1 possible overlaps flagged" in done.output
    assert _count(cli_engine, Overlap) == 1

    again = initialised("initiatives", "detect")
    assert again.exit_code == 0
    assert "0 new possible overlaps" in again.output

    out = tmp_path / "report.pdf"
    written = initialised(
        "initiatives",
        "report",
        "--as",
        "coord@example.org",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--out",
        str(out),
    )
    assert written.exit_code == 0, written.output
    assert out.read_bytes().startswith(b"%PDF-")
    wrong = initialised("initiatives", "report", "--as", "nobody@example.org")
    assert wrong.exit_code == 1
    assert "no active user" in wrong.output


def test_import_skipping_bad_rows_reads_registry_wording(
    initialised: RunCli,  # noqa: F811 - the CLI fixture imported above
    cli_engine: Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    _coordinator(initialised)
    registry = tmp_path / "registry.csv"
    # Excel's "CSV UTF-8" starts with a byte-order mark.
    registry.write_text(
        "Title,Beneficiary countries,Body,Start date\n"
        "Cybercrime investigators course,Lao People's Democratic Republic; Japan,AMMTC,2026-02\n"
        "ASEAN-wide CERT drill,All ASEAN Member States,TELMIN,2026-03\n"
        "Typo row,Laoss,TELMIN,2026-04\n",
        encoding="utf-8-sig",
    )
    refused = initialised("initiatives", "import", str(registry), "--as", "coord@example.org")
    assert refused.exit_code == 1
    assert "Laoss" in refused.output
    assert "did you mean 'Laos'?" in refused.output
    assert _count(cli_engine, Initiative) == 0
    done = initialised(
        "initiatives", "import", str(registry), "--as", "coord@example.org", "--skip-bad-rows"
    )
    assert done.exit_code == 0, done.output
    assert "2 initiatives imported of 3 rows, 1 bad rows skipped" in done.output
    with cli_engine.connect() as connection:
        titles = set(connection.scalars(select(Initiative.title)))
    assert titles == {"Cybercrime investigators course", "ASEAN-wide CERT drill"}
