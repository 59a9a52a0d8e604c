"""Shared fixtures: a real database built by the migrations, each test rolled back.

SQLite (a temporary file) by default; PostgreSQL when ASEANCYBER_TEST_DATABASE_URL is set.
Under pytest-xdist every worker has a database of its own: a SQLite file in the worker's
temporary directory, or on PostgreSQL a database named after the given one and the worker
(``test_gw0``), created from a connection to the given one. No worker waits on another.

A test reaches the test database only through the ``database_url`` fixture (and what is
built on it: ``settings``, ``engine``, ``db``, ``client``...). A test that requests none of
them runs with settings whose database cannot be opened, so it provably does not depend
on which database the run was given: ``--database-tests-only`` (the PostgreSQL pass of
``.ci/run``) leaves those tests out, since the SQLite pass ran them.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.app import create_app
from aseancyber.cli.common import reset_engine
from aseancyber.db import make_engine, set_clock
from aseancyber.settings import Environment, Settings, use_settings

ROOT = Path(__file__).resolve().parent.parent
pytest_plugins = ["tests.readers"]  # the reader world: one user of every kind, for every domain
TEST_SECRET = "test-secret-key-not-for-production"
TEST_DATABASE_URL = os.environ.get("ASEANCYBER_TEST_DATABASE_URL", "")
# The settings a test that uses no database runs with: any attempt to open one fails.
NO_DATABASE_URL = "sqlite:////nonexistent-aseancyber-test-directory/no-database.db"
DATABASE_TESTS_ONLY = "--database-tests-only"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        DATABASE_TESTS_ONLY,
        action="store_true",
        help="run only the tests that use the test database (the PostgreSQL pass)",
    )


def uses_database(item: pytest.Item) -> bool:
    """Whether the test requests the test database, directly or through another fixture."""
    return "database_url" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption(DATABASE_TESTS_ONLY):
        return
    kept = [item for item in items if uses_database(item)]
    left_out = [item for item in items if not uses_database(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def make_settings(database_url: str, **changes: Any) -> Settings:
    """The settings every test app runs with, on ``database_url``."""
    values: dict[str, Any] = {
        "environment": Environment.TEST,
        "secret_key": TEST_SECRET,
        "database_url": database_url,
        "run_jobs_in_process": False,
        "freeze_heap_on_start": False,  # hundreds of app starts per process; see app.lifespan
    }
    return Settings(_env_file=None, **(values | changes))


def run_migrations(connection: Connection) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def xdist_worker() -> str:
    """``gw0``, ``gw1``... under pytest-xdist; empty in a plain run."""
    return os.environ.get("PYTEST_XDIST_WORKER", "")


def create_database(server_url: str, name: str) -> str:
    """A new, empty PostgreSQL database ``name`` on the server of ``server_url``
    (dropped first if a previous run left it); its URL."""
    server = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    server = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        server.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not TEST_DATABASE_URL:
        # tmp_path_factory is per worker under xdist: a SQLite file per worker.
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    worker = xdist_worker()
    if not worker or not TEST_DATABASE_URL.startswith("postgresql"):
        yield TEST_DATABASE_URL
        return
    name = f"{make_url(TEST_DATABASE_URL).database}_{worker}"
    yield create_database(TEST_DATABASE_URL, name)
    drop_database(TEST_DATABASE_URL, name)


@pytest.fixture
def scratch_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """One more empty database for a test that needs its own committed data: a SQLite
    file, or a PostgreSQL database next to this worker's (same dialect as the run's)."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"{make_url(database_url).database}_scratch"
    yield create_database(database_url, name)
    drop_database(database_url, name)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Iterator[Settings]:
    value = make_settings(database_url)
    use_settings(value)
    yield value
    use_settings(None)


@pytest.fixture(autouse=True)
def _no_database_unless_asked(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that did not ask for the test database gets settings with none to open."""
    if uses_database(request.node):
        yield
        return
    previous = use_settings(make_settings(NO_DATABASE_URL))
    reset_engine()
    yield
    use_settings(previous)
    reset_engine()


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    if not xdist_worker():
        # A plain run uses the given database itself: start from an empty schema.
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
    with engine.begin() as connection:
        run_migrations(connection)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    session = session_factory()
    yield session
    session.close()


@pytest.fixture(scope="session")
def built_app(settings: Settings) -> FastAPI:
    """The application, built once per worker; each test gives it its own session factory."""
    return create_app(settings=settings, session_factory=sessionmaker())


@pytest.fixture
def app(
    built_app: FastAPI, settings: Settings, session_factory: sessionmaker[Session]
) -> Iterator[FastAPI]:
    built_app.state.settings = settings
    built_app.state.session_factory = session_factory
    yield built_app
    built_app.state.settings = settings  # a test may have changed them
    built_app.state.session_factory = sessionmaker()
    built_app.dependency_overrides.clear()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def _real_clock() -> Iterator[None]:
    yield
    set_clock(None)
