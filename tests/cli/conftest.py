"""Run the ``aseancyber`` command against a SQLite file of its own (never the shared test one)."""

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from aseancyber.cli import app
from aseancyber.cli.common import console, error_console, reset_engine
from aseancyber.db import make_engine
from aseancyber.settings import use_settings

RunCli = Callable[..., Result]
WIDTH = 200  # wide enough that no table cell is cut


def _wide_consoles() -> None:
    """The command's consoles read COLUMNS when imported, and a pytest-xdist worker has
    COLUMNS=80 in its environment by then: give them the width the tests read at."""
    console.width = WIDTH
    error_console.width = WIDTH


def run_command(url: str, *arguments: str, stdin: str | None = None) -> Result:
    """Run the command on ``url``; the settings and engine of the caller come back after."""
    previous = use_settings(None)  # the command reads its own from --database
    _wide_consoles()
    try:
        return CliRunner().invoke(
            app,
            ["--database", url, *arguments],
            input=stdin,
            env={"COLUMNS": str(WIDTH)},
            catch_exceptions=False,
        )
    finally:
        use_settings(previous)
        reset_engine()


@pytest.fixture
def cli_path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "cli.db"


@pytest.fixture
def cli_url(cli_path: Path) -> str:
    return f"sqlite:///{cli_path}"


@pytest.fixture
def invoke() -> Callable[..., Result]:
    """``invoke(url, *arguments)``: run the command on ``url``."""
    return run_command


@pytest.fixture
def run_cli(invoke: Callable[..., Result], cli_url: str) -> RunCli:
    """Run the command on this test's own SQLite file."""

    def run(*arguments: str, stdin: str | None = None) -> Result:
        return invoke(cli_url, *arguments, stdin=stdin)

    return run


@pytest.fixture(scope="session")
def initialised_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database ``init`` made once per worker, copied for each test that needs one."""
    path = tmp_path_factory.mktemp("cli-template") / "cli.db"
    result = run_command(f"sqlite:///{path}", "init")
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def initialised(run_cli: RunCli, initialised_template: Path, cli_path: Path) -> RunCli:
    """A migrated database with the reference directory (a copy of the one ``init`` made:
    tests/cli/test_setup.py runs ``init`` itself)."""
    cli_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(initialised_template)) as source,
        closing(sqlite3.connect(cli_path)) as copy,
    ):
        source.backup(copy)
    return run_cli


@pytest.fixture
def cli_engine(cli_url: str) -> Iterator[Engine]:
    """A separate engine to look into the command's database."""
    engine = make_engine(cli_url)
    yield engine
    engine.dispose()
