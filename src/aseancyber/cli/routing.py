"""``aseancyber routing``: load the operator's IP-to-ASN table, and route a file of findings,
each with a progress bar. The table is loaded in short committed chunks, hidden from readers
until one short transaction switches to it (issue 14); routing a file is one transaction."""

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

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
from aseancyber.jobs.units import committed_units
from aseancyber.routing import asn_files, service, table

app = typer.Typer(
    help="Routing findings: the IP-to-ASN table, and batch look-ups.", no_args_is_help=True
)


@app.command("load-asn")
def load_asn(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="A RouteViews pfx2as file or an iptoasn.com TSV file (IPv4 or IPv6).",
        ),
    ],
    file_format: Annotated[str, typer.Option("--format", help="auto, pfx2as or iptoasn.")] = "auto",
    keep_other_family: Annotated[
        bool,
        typer.Option(
            "--keep-other-family",
            help="Keep the stored ranges of the address family this file does not cover "
            "(load an IPv4 and an IPv6 iptoasn file one after the other).",
        ),
    ] = False,
) -> None:
    """Store an IP-to-ASN table (replacing the previous one); every process picks it up."""
    try:
        with file.open(encoding="utf-8-sig", errors="strict") as handle:
            first = next((line for line in handle if line.strip() and line[0] != "#"), "")
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text")
    if not first:
        fail(f"{file} has no data lines")
    chosen = file_format.lower()
    if chosen == "auto":
        try:
            chosen = asn_files.detect_format(first)
        except asn_files.AsnFileProblem as problem:
            fail(str(problem))
    if chosen not in asn_files.FORMATS:
        fail("--format must be auto, pfx2as or iptoasn")
    with file.open("rb") as raw:
        line_count = sum(1 for _ in raw)  # cheap, and gives the progress bar its total
    require_migrated()
    with progress_bar() as bar, file.open(encoding="utf-8-sig") as lines:
        try:
            summary = table.store_in_chunks(
                unit=committed_units(get_session_factory()),
                actor=None,
                lines=lines,
                file_format=chosen,
                source=file.name,
                replace=not keep_other_family,
                progress=step_reporter(bar, f"Loading {file.name}"),
                line_count=line_count,
            )
        except asn_files.AsnFileProblem as problem:
            fail(f"{file.name}: {problem}")
        except SQLAlchemyError as error:
            fail(
                f"the database refused the load ({first_line(error)}); readers still use the "
                "previous table, and the next load removes what this one wrote"
            )
    console.print(
        f"[green]IP-to-ASN table generation {summary.generation}[/] ({chosen}): "
        f"{summary.ipv4_ranges:,} IPv4 and {summary.ipv6_ranges:,} IPv6 ranges, "
        f"{summary.names:,} AS names."
    )


@app.command("route")
def route(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="Findings, one a line."),
    ],
) -> None:
    """Name the responsible state and CERT of each finding in a file (nothing is sent)."""
    try:
        lines = service.lines_of(file.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text")
    with unit_of_work() as db:
        lookup = service.look_up(db, values=lines)
    result = Table(title=f"{len(lookup.rows)} findings", title_justify="left")
    for column in ("Finding", "Country", "AS", "State", "CERT", "Rule"):
        result.add_column(column)
    for row in lookup.rows[:1000]:
        result.add_row(
            row.value,
            row.country or "-",
            f"AS{row.asn}" if row.asn else "-",
            row.state_iso2 or "-",
            row.organisation.short_name if row.organisation else "-",
            row.rule,
        )
    console.print(result)
    rules = Counter(row.rule for row in lookup.rows)
    console.print(", ".join(f"{rule}: {n}" for rule, n in sorted(rules.items())))
