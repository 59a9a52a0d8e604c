"""``aseancyber audit``: verify the keyed hash chain, and export signed checkpoints of it."""

from pathlib import Path
from typing import Annotated

import orjson
import typer
from sqlalchemy import func, select

from aseancyber import audit as audit_log
from aseancyber.audit import checkpoints
from aseancyber.audit.models import AuditEntry
from aseancyber.cli.common import console, error_console, fail, progress_bar, unit_of_work
from aseancyber.errors import Invalid

app = typer.Typer(help="Inspect the audit log.", no_args_is_help=True)
PROGRESS_EVERY = 500  # redraw the bar every few hundred entries, not for each one


def _message(error: Invalid) -> str:
    return "; ".join(problem.message for problem in error.problems)


def _read_checkpoint(path: Path) -> checkpoints.Checkpoint:
    try:
        raw = path.read_bytes()
    except OSError as error:
        fail(f"cannot read the checkpoint {path}: {error.strerror}")
    try:
        return checkpoints.parse(raw, source=str(path))
    except Invalid as error:
        fail(_message(error))


@app.command("verify")
def verify(
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            help="a checkpoint file from `audit checkpoint`; repeat for several",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Check every entry's keyed seal and link, and that no checkpointed entry was removed."""
    signed = [_read_checkpoint(path) for path in checkpoint or []]
    with unit_of_work() as db, progress_bar() as bar:
        total = db.scalar(select(func.count()).select_from(AuditEntry)) or 0
        task = bar.add_task("Verifying the audit chain", total=total)
        pending = 0

        def advance(count: int) -> None:
            nonlocal pending
            pending += count
            if pending >= PROGRESS_EVERY:
                bar.advance(task, pending)
                pending = 0

        result = audit_log.verify(db, progress=advance)
        bar.advance(task, pending)
        problems = [
            (path, problem)
            for path, point in zip(checkpoint or [], signed, strict=True)
            if (problem := checkpoints.problem_with(db, checkpoint=point)) is not None
        ]
    if not result.ok:
        error_console.print(
            f"[bold red]Audit chain broken at entry {result.first_bad_seq}:[/] {result.problem} "
            f"({result.checked} entries before it are intact).",
            soft_wrap=True,
        )
    for path, problem in problems:
        error_console.print(f"[bold red]Checkpoint {path}:[/] {problem}.", soft_wrap=True)
    if not result.ok or problems:
        raise typer.Exit(1)
    against = f", {len(signed)} checkpoint(s) matched" if signed else ""
    console.print(f"[green]Audit chain intact[/]: {result.checked} entries verified{against}.")


@app.command("checkpoint")
def checkpoint(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="write the checkpoint here instead of printing it"),
    ] = None,
) -> None:
    """Sign the chain's newest entry; keep the checkpoint off the database host."""
    with unit_of_work() as db:
        try:
            body = checkpoints.create(db)
        except Invalid as error:
            fail(f"{_message(error)}: run `aseancyber audit verify` and investigate first")
    text = orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    if out is None:
        typer.echo(text.decode(), nl=False)
        return
    try:
        out.write_bytes(text)
    except OSError as error:
        fail(f"cannot write {out}: {error.strerror}")
    error_console.print(f"Checkpoint of entry {body['seq']} written to {out}.")
