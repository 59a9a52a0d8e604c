"""``aseancyber cases``: import FIRST's daily EPSS scores (a local file; nothing is fetched),
and the OpenPGP key that signs published CSAF documents."""

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO

import typer

from aseancyber import audit
from aseancyber.cases.provider import signing
from aseancyber.cases.scoring import epss
from aseancyber.cli.common import console, fail, progress_bar, step_reporter, unit_of_work
from aseancyber.settings import Environment, get_settings

app = typer.Typer(help="Coordination cases: EPSS import, CSAF signing key.", no_args_is_help=True)


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


def ensure_signing_key() -> signing.SigningKey:
    """The CSAF signing key: the configured one, or the development key in var/ (generated
    there the first time); fails with the reason when a configured key cannot be used."""
    settings = get_settings()
    try:
        if settings.csaf_signing_key_path is not None:
            key = signing.configured_key()
            assert key is not None
            return key
        if settings.environment is not Environment.DEVELOPMENT:
            fail(
                "no CSAF signing key is configured: set ASEANCYBER_CSAF_SIGNING_KEY_PATH (and "
                "ASEANCYBER_CSAF_SIGNING_KEY_PASSPHRASE) to the OpenPGP secret key file; "
                "a generated key is for development nodes only"
            )
        key, created = signing.generate(
            signing.DEMO_KEY_PATH, user_id=f"{settings.node_name} CSAF signing key (development)"
        )
    except signing.SigningUnavailable as error:
        fail(error.detail)
    if created:
        console.print(f"[green]Generated[/] a CSAF signing key in {signing.DEMO_KEY_PATH}.")
    return key


@app.command("csaf-key")
def csaf_key() -> None:
    """Show the OpenPGP key that signs CSAF documents (a development node generates one in
    var/ the first time); the public key is published in provider-metadata.json."""
    key = ensure_signing_key()
    console.print(f"CSAF signing key fingerprint: [bold]{key.fingerprint}[/]")
    base = get_settings().base_url.rstrip("/")
    console.print(f"Public key: {base}/.well-known/csaf/openpgp/{key.fingerprint}.asc")
