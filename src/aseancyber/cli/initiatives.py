"""``aseancyber initiatives``: import a spreadsheet, re-run duplicate detection, write the
ministers' report, each with a progress bar.

Duplicate detection never runs inside a long write transaction (issue 14): it scores with
no transaction open and writes its pairs in short ones, published at once
(:mod:`aseancyber.initiatives.detection.runs`), so the site's other writers go on.
"""

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.policy import Actor, Tlp
from aseancyber.access.service import actor_for
from aseancyber.cli.common import (
    console,
    fail,
    first_line,
    progress_bar,
    require_migrated,
    step_reporter,
    unit_of_work,
)
from aseancyber.db import get_session_factory
from aseancyber.errors import ServiceError
from aseancyber.initiatives import chunked_import, importing, transfer
from aseancyber.initiatives.detection import runs as detection_runs
from aseancyber.initiatives.reports import service as report
from aseancyber.jobs.units import committed_units
from aseancyber.manifests import REPORT_SOURCES

app = typer.Typer(
    help="Initiatives: import, duplicate detection, the ministers' report.", no_args_is_help=True
)

AsUser = Annotated[
    str,
    typer.Option(
        "--as", metavar="EMAIL", help="The user who imports (their organisation owns the rows)."
    ),
]


def _user(db: Session, email: str) -> User:
    user = db.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.is_active:
        fail(f"no active user has the e-mail {email}")
    return user


@app.command("import")
def import_file(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="A .csv or .json file."),
    ],
    as_user: AsUser,
    skip_bad_rows: Annotated[
        bool,
        typer.Option(
            "--skip-bad-rows",
            "--import-valid-rows",
            help="Import the good rows and report the bad ones (default: all or nothing).",
        ),
    ] = False,
    tlp: Annotated[
        str, typer.Option(help="Label for rows without a TLP column.")
    ] = Tlp.GREEN.value,
    start_row: Annotated[
        int,
        typer.Option(
            "--start-row",
            metavar="ROW",
            help="Resume an import that stopped midway: rows before ROW are checked, not "
            "stored again (the error of the stopped import names ROW).",
        ),
    ] = 0,
) -> None:
    """Import initiatives from CSV or JSON (Cybil-compatible columns, registry wording),
    then flag overlaps.

    Every row is checked first, with nothing written: one bad row and nothing is stored
    (unless --skip-bad-rows: the good rows are stored, the bad ones reported). The good rows
    are then stored 1,000 per transaction, each committed on its own, so the site stays
    writable during a large import; if the import stops midway, the rows already stored are
    kept and the error names the --start-row to resume from. Overlaps are then found with
    no transaction open and written in short transactions, shown together at the end; if
    that step is interrupted, `aseancyber initiatives detect` finds them."""
    try:
        label = Tlp(tlp.upper() if tlp.upper().startswith("TLP:") else f"TLP:{tlp.upper()}")
    except ValueError:
        fail("--tlp must be one of " + ", ".join(t.value for t in Tlp))
    format = "json" if file.suffix.lower() == ".json" else "csv"
    with file.open("rb") as counted:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: counted.read(1 << 20), b""))
    with unit_of_work() as db:
        actor = actor_for(_user(db, as_user))
    try:
        with progress_bar() as bar, transfer.open_text(file) as stream:
            result = chunked_import.import_in_chunks(
                get_session_factory(),
                unit=committed_units(get_session_factory()),
                actor=actor,
                source=stream,
                format=format,
                skip_bad_rows=skip_bad_rows,
                default_tlp=label,
                start_row=start_row,
                progress=step_reporter(bar, f"Importing {file.name}"),
                expected_rows=lines if format == "csv" else None,
            )
    except ServiceError as error:
        fail(error.detail)
    except chunked_import.StoppedMidway as error:
        fail(str(error))
    except SQLAlchemyError as error:
        fail(f"the database refused the import, nothing stored: {first_line(error)}")
    if result.problems:
        table = Table(title="Validation report", title_justify="left")
        table.add_column("Row", justify="right")
        table.add_column("Column", style="cyan")
        table.add_column("Value", style="magenta")
        table.add_column("Problem")
        for problem in result.problems[:200]:
            table.add_row(
                str(problem.row), problem.column or problem.field, problem.value, problem.problem
            )
        console.print(table)
        if result.problems_total > 200:
            console.print(f"(the first 200 of {result.problems_total:,} problems)")
    if result.problems and not result.imported_ids:
        fail(
            f"nothing imported: {result.problems_total} problems in "
            f"{result.bad_rows} of {result.rows} rows (use --skip-bad-rows "
            f"to import the {result.valid_rows} good rows)"
        )
    _detect_imported(actor, result)
    skipped = f", {result.bad_rows} bad rows skipped" if result.bad_rows else ""
    console.print(
        f"[green]{len(result.imported_ids)} initiatives imported[/] of {result.rows} rows"
        f"{skipped}; {result.overlaps_flagged} possible overlaps flagged "
        f"(stored in {result.seconds_storing:.1f} s, overlaps in "
        f"{result.seconds_detecting:.1f} s)."
    )


def _detect_imported(actor: Actor, result: importing.ImportResult) -> None:
    """The overlaps of the committed import, in short transactions."""
    try:
        with progress_bar() as bar:
            detection_runs.detect_committed_import(
                get_session_factory(),
                unit=committed_units(get_session_factory()),
                actor=actor,
                result=result,
                progress=step_reporter(bar, "Looking for overlaps"),
            )
    except (ServiceError, SQLAlchemyError) as error:
        fail(
            f"{len(result.imported_ids)} initiatives were imported, but looking for their "
            f"overlaps failed ({first_line(error)}): run `aseancyber initiatives detect`"
        )


@app.command()
def detect() -> None:
    """Re-run duplicate detection over the whole registry (reviewed pairs keep their review).

    Scores with no transaction open, then writes the pairs in short transactions and shows
    them all at once at the end: the site stays writable meanwhile, and an interrupted run
    leaves the previous pairs in place (the next run clears what it had written)."""
    require_migrated()
    try:
        with progress_bar() as bar:
            outcome = detection_runs.detect_whole_registry(
                get_session_factory(),
                unit=committed_units(get_session_factory()),
                progress=step_reporter(bar, "Detecting overlaps"),
            )
    except (ServiceError, SQLAlchemyError) as error:
        fail(f"detection stopped, the previous overlaps stand: {first_line(error)}")
    console.print(
        f"[green]Done[/]: {outcome.flagged} new possible overlaps flagged, "
        f"{outcome.withdrawn} withdrawn."
    )


@app.command("report")
def write_report(
    as_user: AsUser,
    out: Annotated[Path, typer.Option("--out", help="File to write (.pdf or .html).")] = Path(
        "ministers-report.pdf"
    ),
    start: Annotated[
        str | None,
        typer.Option("--from", help="First day, YYYY-MM-DD (default: 1 January this year)."),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (default: 31 December).")
    ] = None,
) -> None:
    """Write the ministers' recommendations report for a period, as the user would see it."""
    format = "html" if out.suffix.lower() in {".html", ".htm"} else "pdf"
    with unit_of_work() as db, progress_bar() as bar:
        reader = actor_for(_user(db, as_user))
        first, last = report.parse_period(start, end)
        progress = step_reporter(bar, "Building the report")
        built = report.build(
            db,
            reader=reader,
            start=first,
            end=last,
            sources=REPORT_SOURCES,
            progress=progress,
        )
        progress(5, 6, f"rendering {format.upper()}")
        content, _, _ = report.render(built, format=format)
        progress(6, 6, "done")
    out.write_bytes(content)
    console.print(
        f"[green]Report written[/] to {out} ({len(content):,} bytes, "
        f"{len(built.initiatives)} initiatives)."
    )
