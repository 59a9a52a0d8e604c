"""``aseancyber serve --workers N``: the production shape (issue 14)."""

import os
from typing import Any

import pytest
import uvicorn

from aseancyber.settings import Environment, Settings
from tests.cli.conftest import RunCli
from tests.conftest import TEST_SECRET


def test_serve_with_workers_gives_each_process_the_database_and_its_share_of_the_pool(
    initialised: RunCli, cli_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: dict[str, Any] = {}

    def run(target: str, **options: Any) -> None:  # uvicorn itself is not started here
        started.update(options, target=target)

    monkeypatch.setattr(uvicorn, "run", run)
    # Restored after the test: serve hands these to its worker processes.
    monkeypatch.setenv("ASEANCYBER_DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("ASEANCYBER_WEB_WORKERS", "1")
    monkeypatch.setenv("MALLOC_ARENA_MAX", "2")
    result = initialised("serve", "--workers", "4")
    assert result.exit_code == 0, result.output
    assert "4 server processes" in result.output
    # Worker processes import the app by name and read their settings from the
    # environment: the database chosen with --database, and how many they are.
    assert started["target"] == "aseancyber.app:create_app"
    assert started["factory"] is True
    assert started["workers"] == 4
    # Idle connections outlive a proxy's idle timeout: never closed under a reused one.
    assert started["timeout_keep_alive"] == 75
    assert os.environ["ASEANCYBER_DATABASE_URL"] == cli_url
    assert os.environ["ASEANCYBER_WEB_WORKERS"] == "4"


def test_serve_refuses_a_nonsense_worker_count(initialised: RunCli) -> None:
    result = initialised("serve", "--workers", "0")
    assert result.exit_code == 2
    assert "--workers" in result.output


def test_each_worker_process_gets_its_share_of_the_database_connections() -> None:
    def shape(**values: Any) -> tuple[int, int]:
        return Settings(
            environment=Environment.TEST, secret_key=TEST_SECRET, _env_file=None, **values
        ).pool_shape()

    assert shape() == (30, 30)  # one process: all 60, half kept open
    assert shape(web_workers=4) == (7, 8)  # 4 x 15 = 60
    assert shape(web_workers=4, database_max_connections=200) == (25, 25)
    assert shape(web_workers=4, database_pool_size=5, database_max_overflow=0) == (5, 0)
