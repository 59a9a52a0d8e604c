"""``aseancyber audit verify``: check the whole hash chain of the audit log."""

import typer
from sqlalchemy import func, select

from aseancyber import audit as audit_log
from aseancyber.audit.models import AuditEntry
from aseancyber.cli.common import console, error_console, progress_bar, unit_of_work

app = typer.Typer(help="Inspect the audit log.", no_args_is_help=True)
PROGRESS_EVERY = 500  # redraw the bar every few hundred entries, not for each one


@app.command("verify")
def verify() -> None:
    """Check every entry's hash and link; exit 1 naming the first entry that is not as written."""
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
    if not result.ok:
        error_console.print(
            f"[bold red]Audit chain broken at entry {result.first_bad_seq}:[/] {result.problem} "
            f"({result.checked} entries before it are intact).",
            soft_wrap=True,
        )
        raise typer.Exit(1)
    console.print(f"[green]Audit chain intact[/]: {result.checked} entries verified.")
