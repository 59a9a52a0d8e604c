"""Run the ``aseancyber`` command against a SQLite file of its own (never the shared test one)."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from aseancyber.cli import app
from aseancyber.cli.common import reset_engine
from aseancyber.db import make_engine
from aseancyber.settings import Settings, use_settings

RunCli = Callable[..., Result]


@pytest.fixture
def cli_path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "cli.db"


@pytest.fixture
def cli_url(cli_path: Path) -> str:
    return f"sqlite:///{cli_path}"


@pytest.fixture
def invoke(settings: Settings) -> Iterator[Callable[..., Result]]:
    """``invoke(url, *arguments)``: run the command on ``url``; the test settings come back."""
    runner = CliRunner()

    def run(url: str, *arguments: str, stdin: str | None = None) -> Result:
        try:
            return runner.invoke(
                app,
                ["--database", url, *arguments],
                input=stdin,
                env={"COLUMNS": "200"},
                catch_exceptions=False,
            )
        finally:
            use_settings(settings)
            reset_engine()

    yield run
    use_settings(settings)
    reset_engine()


@pytest.fixture
def run_cli(invoke: Callable[..., Result], cli_url: str) -> RunCli:
    """Run the command on this test's own SQLite file."""

    def run(*arguments: str, stdin: str | None = None) -> Result:
        return invoke(cli_url, *arguments, stdin=stdin)

    return run


@pytest.fixture
def initialised(run_cli: RunCli) -> RunCli:
    """A migrated database with the reference directory."""
    result = run_cli("init")
    assert result.exit_code == 0, result.output
    return run_cli


@pytest.fixture
def cli_engine(cli_url: str) -> Iterator[Engine]:
    """A separate engine to look into the command's database."""
    engine = make_engine(cli_url)
    yield engine
    engine.dispose()
