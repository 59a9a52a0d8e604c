"""The suite's own rules (tests/conftest.py): a database per xdist worker, and a test that
did not ask for the test database has none to open, so it may be left out of the
PostgreSQL pass."""

from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import OperationalError

from aseancyber.db import get_engine
from aseancyber.settings import get_settings
from tests.conftest import NO_DATABASE_URL, xdist_worker

TESTS = Path(__file__).resolve().parent
ENVIRONMENT_VARIABLE = (
    "ASEANCYBER_TEST_" + "DATABASE_URL"
)  # not spelled out: this file reads it not


def test_a_test_that_did_not_ask_for_the_database_has_none_to_open() -> None:
    assert get_settings().database_url == NO_DATABASE_URL
    with pytest.raises(OperationalError), get_engine().connect() as connection:
        connection.execute(text("SELECT 1"))


def test_only_the_shared_fixtures_read_the_database_the_run_was_given() -> None:
    readers = sorted(
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if ENVIRONMENT_VARIABLE in path.read_text()
    )
    assert readers == ["conftest.py"]


def test_each_xdist_worker_has_a_database_of_its_own(database_url: str) -> None:
    worker = xdist_worker()
    if not worker:
        pytest.skip("a plain run has one process and uses the database it was given")
    if database_url.startswith("postgresql"):
        assert make_url(database_url).database is not None
        assert str(make_url(database_url).database).endswith(f"_{worker}")
    else:
        assert f"popen-{worker}" in database_url  # the worker's own temporary directory
