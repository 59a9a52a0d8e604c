"""``aseancyber cases``: import FIRST's daily EPSS scores (a local file; nothing is fetched)."""

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO

import typer

from aseancyber import audit
from aseancyber.cases import epss
from aseancyber.cli.common import console, fail, progress_bar, step_reporter, unit_of_work

app = typer.Typer(help="Coordination cases: EPSS import.", no_args_is_help=True)


@contextmanager
def _open(path: Path) -> Iterator[TextIO]:
    # FIRST publishes epss_scores-YYYY-MM-DD.csv.gz; the unpacked .csv is read the same way.
    if path.suffix.lower() == ".gz":
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            yield handle
    else:
        with path.open(encoding="utf-8", newline="") as handle:
            yield handle


def _count_rows(path: Path) -> int:
    with _open(path) as handle:
        return max(sum(1 for line in handle if line.strip() and not line.startswith("#")) - 1, 0)


@app.command("import-epss")
def import_epss(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="FIRST's EPSS CSV (epss_scores-YYYY-MM-DD.csv or .csv.gz).",
        ),
    ],
) -> None:
    """Import EPSS scores; cases and advisories naming a CVE show its score and percentile.

    Idempotent: the same file imported twice changes nothing; a newer file updates scores.
    """
    try:
        total = _count_rows(file)
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile) as error:
        fail(f"{file} cannot be read as EPSS CSV text: {error}")
    with unit_of_work() as db, progress_bar() as bar, _open(file) as handle:
        try:
            model_version, score_date, rows = epss.parse(handle)
            result = epss.import_rows(
                db,
                model_version=model_version,
                score_date=score_date,
                rows=rows,
                total=total,
                progress=step_reporter(bar, f"Importing {file.name}"),
            )
        except UnicodeDecodeError as error:
            fail(f"{file} is not UTF-8 text: {error}")
        audit.record(
            db,
            action="epss.import",
            record_kind="epss_score",
            record_id=score_date or file.name,
            changed_fields=[
                f"rows={result.rows}",
                f"created={result.created}",
                f"updated={result.updated}",
            ],
            after={"file": file.name, "model_version": model_version, "score_date": score_date},
        )
    console.print(
        f"[green]{result.rows} EPSS rows read[/] (model {result.model_version or 'unknown'}, "
        f"scores of {result.score_date or 'unknown date'}): {result.created} new, "
        f"{result.updated} updated, {result.unchanged} unchanged; "
        f"{result.vulnerabilities_updated} case vulnerabilities updated."
    )
