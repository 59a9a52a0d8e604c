"""The ``aseancyber`` command: set up, load demo data, serve, run jobs, administer, back up.

Every command runs in one transaction (nothing is kept when it fails), prints a clear
one-line message for expected errors, and shows a progress bar for long work.
"""

import ctypes
import os
from typing import Annotated, Any

import typer
import uvicorn
from alembic import command
from alembic.util.exc import CommandError
from pydantic import ValidationError
from rich.table import Table
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from aseancyber import reference
from aseancyber.cli import accounts, audit, backup
from aseancyber.cli import cases as cases_cli
from aseancyber.cli import federation as federation_cli
from aseancyber.cli import initiatives as initiatives_cli
from aseancyber.cli import matching as matching_cli
from aseancyber.cli import misp as misp_cli
from aseancyber.cli import routing as routing_cli
from aseancyber.cli.common import (
    console,
    fail,
    first_line,
    progress_bar,
    require_migrated,
    reset_engine,
    sqlite_file,
    step_reporter,
    unit_of_work,
)
from aseancyber.db import alembic_config, get_engine
from aseancyber.demo import load_demo
from aseancyber.jobs.worker import run_worker
from aseancyber.manifests import JOB_HANDLERS, PERIODIC_JOBS
from aseancyber.ops import logs
from aseancyber.settings import get_settings, use_settings
from aseancyber.web import processes

app = typer.Typer(
    name="aseancyber",
    help="ASEAN cybersecurity cooperation platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            metavar="URL",
            help="Database URL, overriding ASEANCYBER_DATABASE_URL "
            "(sqlite:///path or postgresql+psycopg://...).",
        ),
    ] = None,
) -> None:
    """ASEAN cybersecurity cooperation platform."""
    try:
        settings = get_settings()
    except ValidationError as error:
        problems = "; ".join(str(e.get("msg", "")) for e in error.errors())
        fail(f"the settings are not valid: {problems}")
    if database:
        use_settings(settings.model_copy(update={"database_url": database}))
        reset_engine()


@app.command()
def init() -> None:
    """Create or migrate the database, then load the reference directory (idempotent)."""
    path = sqlite_file(get_settings().database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    config = alembic_config()
    with progress_bar() as bar:
        migrating = bar.add_task("Migrating the database", total=None)
        try:
            # Migrations and reference data share one transaction: a failure keeps neither.
            with get_engine().connect() as connection, connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "heads")
                bar.update(migrating, total=1, completed=1)
                session = Session(bind=connection)
                try:
                    summary = reference.load_reference(
                        session, progress=step_reporter(bar, "Reference directory")
                    )
                    session.commit()
                finally:
                    session.close()
        except CommandError as error:
            fail(f"migration failed: {error}")
        except OperationalError as error:
            fail(f"cannot open the database: {first_line(error.orig)}")
    changes = (
        f"{summary.created} created, {summary.updated} updated"
        if summary.created or summary.updated
        else "already up to date"
    )
    console.print(f"[green]Database ready[/] ({_where()}); reference directory: {changes}.")


@app.command()
def demo() -> None:
    """Load fictional demo accounts and data (idempotent), then list the accounts."""
    with progress_bar() as bar, unit_of_work() as db:
        summary = load_demo(db, progress=step_reporter(bar, "Demo data"))
    if summary.created_users or summary.created_organisations:
        console.print(
            f"[green]Demo data loaded[/]: {summary.created_organisations} organisations and "
            f"{summary.created_users} accounts created."
        )
    else:
        console.print("Demo data was already loaded; nothing changed.")
    table = Table(title="Demo accounts", title_justify="left")
    table.add_column("E-mail", style="bold", no_wrap=True)
    table.add_column("Name")
    table.add_column("Organisation")
    table.add_column("Roles", style="cyan")
    for account in summary.accounts:
        table.add_row(
            account.email, account.display_name, account.organisation, ", ".join(account.roles)
        )
    console.print(table)
    console.print(f"Password for every demo account: [bold]{summary.password}[/]")
    console.print(
        f"Open {get_settings().base_url} and sign in as [bold]analyst.sg@example.org[/] "
        "(a CERT analyst in Singapore) or [bold]coordinator@example.org[/] "
        "(the ASEAN Secretariat's regional coordinator)."
    )


MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's mallopt parameter number


def limit_malloc_arenas() -> None:
    """Use few glibc malloc arenas in the server (and its worker processes): with one arena
    per busy thread, memory freed by one request stays reserved in its thread's arena.
    Measured with 50 clients over 90 s: the server grew by 171 MB with the default and by
    105 MB with two arenas. Does nothing where glibc is not the C library."""
    os.environ.setdefault("MALLOC_ARENA_MAX", str(MALLOC_ARENAS))
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_ARENA_MAX, int(os.environ["MALLOC_ARENA_MAX"]))
    except (OSError, AttributeError, ValueError):
        return


APP = "aseancyber.app:create_app"
BACKLOG = 2048  # connections waiting to be accepted, per socket (uvicorn's default)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Server processes (production on PostgreSQL: about one per core; each "
            "gets its share of ASEANCYBER_DATABASE_MAX_CONNECTIONS as its pool).",
        ),
    ] = 1,
) -> None:
    """Serve the web pages and the REST API with uvicorn."""
    require_migrated()
    settings = get_settings()
    limit_malloc_arenas()
    if workers > 1:
        # Worker processes read their settings from the environment: hand them the
        # database chosen here (--database) and their number, so each sizes its pool.
        os.environ["ASEANCYBER_DATABASE_URL"] = settings.database_url
        os.environ["ASEANCYBER_WEB_WORKERS"] = str(workers)
        size, overflow = settings.model_copy(update={"web_workers": workers}).pool_shape()
        pool = f" ({size}+{overflow} database connections each)" if not settings.is_sqlite else ""
        console.print(f"{workers} server processes{pool}.")
        if not settings.jobs_in_process:
            console.print("Background jobs need a worker: run `aseancyber worker` beside it.")
    console.print(f"Serving aseancyber on [bold]http://{host}:{port}[/] (Ctrl+C stops it).")
    console.print(
        "Sign in with a demo account from `aseancyber demo` (for example "
        "analyst.sg@example.org, password asean-demo-2026) or one made with "
        "`aseancyber user create`."
    )
    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "timeout_keep_alive": settings.keep_alive_seconds,
        "log_config": logs.logging_config(settings),  # every server process logs alike
        "access_log": False,  # the platform writes its own access line (ops.metrics.Observe)
    }
    if workers == 1:
        uvicorn.run(APP, **options)
        return
    # Not uvicorn's own --workers: its processes share one socket, and the connections
    # ended up spread 28/15/7/0 over four (web/processes.py).
    try:
        sockets = processes.listening_sockets(host, port, workers, backlog=BACKLOG)
    except OSError as error:
        fail(f"Cannot listen on {host}:{port}: {error.strerror}.")
    config = uvicorn.Config(APP, workers=workers, backlog=BACKLOG, **options)
    supervisor = processes.Supervisor(config, sockets)
    supervisor.run()
    if supervisor.failed:
        fail("A server process failed to start: see the log above.")


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run the jobs that are due, then stop.")] = (
        False
    ),
    poll_seconds: Annotated[
        float, typer.Option(min=0.1, help="Seconds to wait when no job is due.")
    ] = 1.0,
) -> None:
    """Run background jobs (e-mail, digests, reminders); needed with PostgreSQL."""
    require_migrated()
    logs.configure(get_settings())
    console.print("Worker started (Ctrl+C stops it)." if not once else "Running due jobs.")
    try:
        run_worker(
            handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS, once=once, poll_seconds=poll_seconds
        )
    except KeyboardInterrupt:
        console.print("Worker stopped.")


# Registered after the commands above so that --help lists them in this order.
app.add_typer(accounts.users, name="user")
app.add_typer(accounts.organisations, name="org")
app.add_typer(accounts.tokens, name="token")
app.add_typer(audit.app, name="audit")
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.add_typer(initiatives_cli.app, name="initiatives")
app.add_typer(federation_cli.peers, name="peer")
app.command("sync")(federation_cli.sync_command)
app.add_typer(routing_cli.app, name="routing")
app.command("match")(matching_cli.match)
app.add_typer(cases_cli.app, name="cases")
app.add_typer(misp_cli.app, name="misp")


def _where() -> str:
    path = sqlite_file(get_settings().database_url)
    return str(path) if path is not None else "PostgreSQL"


__all__ = ["app"]
