"""What every command shares: the consoles, one unit of work, clear errors, progress bars."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from aseancyber.db import alembic_config, get_engine, get_session_factory
from aseancyber.errors import ServiceError
from aseancyber.settings import get_settings

console = Console(highlight=False)
error_console = Console(stderr=True, highlight=False)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear line on standard error and stop with a non-zero status."""
    error_console.print(f"[bold red]Error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


def first_line(error: BaseException | None) -> str:
    """The first line of a driver's message, so an error stays one line."""
    lines = str(error or "").strip().splitlines()
    return lines[0] if lines else type(error).__name__


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (``None`` for other databases or in-memory ones)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        fail("an in-memory SQLite database cannot be used from the command line")
    return Path(parsed.database)


def reset_engine() -> None:
    """Forget the process-wide engine (after the database URL changed, or a restore)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    get_session_factory.cache_clear()


def require_migrated() -> None:
    """Refuse to work on a database the migrations have not brought up to date."""
    database = sqlite_file(get_settings().database_url)
    if database is not None and not database.is_file():
        fail(f"there is no database at {database}: run `aseancyber init` first")
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    try:
        with get_engine().connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except OperationalError as error:
        fail(f"cannot open the database: {first_line(error.orig)}")
    if current != heads:
        fail("the database is not initialised or not up to date: run `aseancyber init` first")


@contextmanager
def unit_of_work(*, check_schema: bool = True) -> Iterator[Session]:
    """One transaction for the whole command: committed at the end, nothing kept on failure."""
    if check_schema:
        require_migrated()
    session = get_session_factory()()
    try:
        yield session
        session.commit()
    except ServiceError as error:
        session.rollback()
        fail(error.detail)
    except IntegrityError:
        session.rollback()
        fail("this conflicts with an existing record (a duplicate?)")
    except StaleDataError:
        session.rollback()
        fail("someone else changed this record at the same time; run the command again")
    except (OperationalError, ProgrammingError) as error:
        session.rollback()
        fail(f"the database refused the command: {first_line(error.orig)}")
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def progress_bar(*, transient: bool = False) -> Progress:
    """A Rich progress bar: what is happening, a bar, done/total and the elapsed time."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=transient,
    )


def step_reporter(bar: Progress, description: str) -> Callable[[int, int, str], None]:
    """A ``progress(done, total, what)`` callback that drives one task of ``bar``."""
    task = bar.add_task(description, total=None)

    def report(done: int, total: int, what: str) -> None:
        bar.update(task, completed=done, total=total, description=f"{description}: {what}")

    return report
