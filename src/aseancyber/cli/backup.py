"""``aseancyber backup PATH`` and ``aseancyber restore PATH``.

SQLite uses the online backup API, so the server may keep running and the copy is
consistent; PostgreSQL uses ``pg_dump -Fc`` and ``pg_restore --clean --if-exists`` in one
transaction. A backup is written beside its target and renamed into place only when
complete; a restore refuses to replace a database without ``--yes``.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from aseancyber.cli.common import (
    console,
    fail,
    progress_bar,
    reset_engine,
    sqlite_file,
)
from aseancyber.db import get_engine
from aseancyber.settings import get_settings

PAGES_PER_STEP = 256
REQUIRED_TABLES = ("alembic_version", "audit_entry")

PathArgument = Annotated[
    Path, typer.Argument(metavar="PATH", help="The backup file.", dir_okay=False)
]
YesOption = Annotated[bool, typer.Option("--yes", help="Replace without asking.")]


def backup(path: PathArgument, yes: YesOption = False) -> None:
    """Write a consistent copy of the database to PATH."""
    if path.exists() and not yes:
        fail(f"{path} already exists; pass --yes to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    url = get_settings().database_url
    database = sqlite_file(url)
    try:
        if database is not None:
            _backup_sqlite(database, partial)
        else:
            _backup_postgresql(url, partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    console.print(f"[green]Backup written[/] to {path} ({path.stat().st_size:,} bytes).")


def restore(path: PathArgument, yes: YesOption = False) -> None:
    """Replace the database with the backup in PATH (asks for --yes first)."""
    if not path.is_file():
        fail(f"there is no backup file at {path}")
    url = get_settings().database_url
    database = sqlite_file(url)
    if _has_data(database) and not yes:
        fail("restoring replaces everything in the current database; pass --yes to go ahead")
    reset_engine()  # no pooled connection may hold the old database open
    if database is not None:
        _restore_sqlite(path, database)
    else:
        _restore_postgresql(url, path)
    reset_engine()
    console.print(
        f"[green]Restored[/] from {path}. Run `aseancyber init` if the backup comes from an "
        "older version, and `aseancyber audit verify` to check its audit log."
    )


# --- SQLite --------------------------------------------------------------------------------


def _copy_sqlite(source: sqlite3.Connection, target: sqlite3.Connection, what: str) -> None:
    with progress_bar() as bar:
        task = bar.add_task(what, total=None)

        def report(_status: int, remaining: int, total: int) -> None:
            bar.update(task, completed=total - remaining, total=total)

        source.backup(target, pages=PAGES_PER_STEP, progress=report)


def _backup_sqlite(database: Path, target: Path) -> None:
    if not database.is_file():
        fail(f"there is no database at {database}; run `aseancyber init` first")
    target.unlink(missing_ok=True)
    source = sqlite3.connect(database)
    copy = sqlite3.connect(target)
    try:
        _copy_sqlite(source, copy, "Backing up the database (pages)")
        # A backup is one self-contained file, whatever journal mode the live database uses.
        copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as error:
        fail(f"the backup failed: {error}")
    finally:
        copy.close()
        source.close()


def _check_sqlite_backup(path: Path) -> None:
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        fail(f"{path} cannot be opened: {error}")
    try:
        tables = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        healthy = connection.execute("PRAGMA quick_check").fetchone()
    except sqlite3.Error as error:
        fail(f"{path} is not a SQLite backup: {error}")
    finally:
        connection.close()
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if missing:
        fail(f"{path} is not an aseancyber backup (no {', '.join(missing)} table)")
    if not healthy or healthy[0] != "ok":
        fail(f"{path} is damaged: {healthy[0] if healthy else 'no answer'}")


def _restore_sqlite(path: Path, database: Path) -> None:
    _check_sqlite_backup(path)
    database.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(path)
    target = sqlite3.connect(database, timeout=15)
    try:
        # The target's write transaction commits only when every page is copied.
        _copy_sqlite(source, target, "Restoring the database (pages)")
    except sqlite3.Error as error:
        fail(f"the restore failed, the database is unchanged: {error}")
    finally:
        target.close()
        source.close()


def _has_data(database: Path | None) -> bool:
    if database is not None:
        return database.is_file() and database.stat().st_size > 0
    return bool(inspect(get_engine()).get_table_names())


# --- PostgreSQL ----------------------------------------------------------------------------


def libpq_arguments(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URL without the password, and the environment that carries it."""
    parsed: URL = make_url(url).set(drivername="postgresql")
    environment = dict(os.environ)
    if parsed.password is not None:
        environment["PGPASSWORD"] = str(parsed.password)
        parsed = URL.create(
            "postgresql",
            username=parsed.username,
            host=parsed.host,
            port=parsed.port,
            database=parsed.database,
            query=parsed.query,
        )
    return parsed.render_as_string(hide_password=False), environment


def _run(program: str, arguments: list[str], environment: dict[str, str], what: str) -> None:
    executable = shutil.which(program)
    if executable is None:
        fail(f"{program} is not installed (Debian: apt-get install postgresql-client)")
    with progress_bar(transient=True) as bar:
        bar.add_task(what, total=None)
        completed = subprocess.run(  # noqa: S603 - fixed program, arguments are not shell-parsed
            [executable, *arguments], env=environment, capture_output=True, text=True, check=False
        )
    if completed.returncode != 0:
        message = completed.stderr.strip().splitlines()
        fail(f"{program} failed: {message[-1] if message else completed.returncode}")


def _backup_postgresql(url: str, target: Path) -> None:
    dsn, environment = libpq_arguments(url)
    _run(
        "pg_dump",
        ["--format=custom", "--no-owner", f"--file={target}", f"--dbname={dsn}"],
        environment,
        "Backing up the database (pg_dump)",
    )


def _restore_postgresql(url: str, path: Path) -> None:
    dsn, environment = libpq_arguments(url)
    _run(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={dsn}",
            str(path),
        ],
        environment,
        "Restoring the database (pg_restore)",
    )
