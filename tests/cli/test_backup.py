"""backup and restore: a SQLite round trip, refusals, and PostgreSQL when it is configured."""

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import Result

from aseancyber.access.models import User
from aseancyber.cli.backup import libpq_arguments
from aseancyber.db import make_engine
from tests.cli.conftest import RunCli

PASSWORD = "a-long-enough-password"


def _add_user(run: RunCli, email: str) -> None:
    result = run(
        "user", "create", email, "--name", email, "--org", "SingCERT", "--password", PASSWORD
    )
    assert result.exit_code == 0, result.output


def _emails(engine: Engine) -> set[str]:
    with Session(engine) as db:
        return set(db.scalars(select(User.email)))


def test_sqlite_backup_and_restore_round_trip(
    initialised: RunCli, tmp_path: Path, cli_engine: Engine
) -> None:
    _add_user(initialised, "kept@example.org")
    target = tmp_path / "backups" / "node.db"
    made = initialised("backup", str(target))
    assert made.exit_code == 0, made.output
    assert target.is_file()
    assert not target.with_name("node.db.partial").exists()

    again = initialised("backup", str(target))
    assert again.exit_code == 1
    assert "--yes" in again.stderr

    _add_user(initialised, "after-backup@example.org")
    assert _emails(cli_engine) == {"kept@example.org", "after-backup@example.org"}
    cli_engine.dispose()

    refused = initialised("restore", str(target))
    assert refused.exit_code == 1
    assert "--yes" in refused.stderr
    assert "after-backup@example.org" in _emails(cli_engine)
    cli_engine.dispose()

    restored = initialised("restore", str(target), "--yes")
    assert restored.exit_code == 0, restored.output
    assert _emails(cli_engine) == {"kept@example.org"}
    cli_engine.dispose()
    verified = initialised("audit", "verify")
    assert verified.exit_code == 0, verified.output


def test_restore_refuses_what_is_not_an_aseancyber_backup(
    initialised: RunCli, tmp_path: Path
) -> None:
    missing = initialised("restore", str(tmp_path / "nothing.db"), "--yes")
    assert missing.exit_code == 1
    assert "no backup file" in missing.stderr
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("hello")
    wrong = initialised("restore", str(not_sqlite), "--yes")
    assert wrong.exit_code == 1
    assert "not a SQLite backup" in wrong.stderr
    assert "Traceback" not in wrong.output


def test_restore_into_an_empty_place_needs_no_confirmation(
    initialised: RunCli, invoke: Callable[..., Result], tmp_path: Path
) -> None:
    copy = tmp_path / "copy.db"
    assert initialised("backup", str(copy)).exit_code == 0
    fresh = tmp_path / "fresh" / "node.db"
    restored = invoke(f"sqlite:///{fresh}", "restore", str(copy))
    assert restored.exit_code == 0, restored.output
    assert invoke(f"sqlite:///{fresh}", "audit", "verify").exit_code == 0


def test_libpq_arguments_drop_the_driver_and_carry_the_password_outside_the_url() -> None:
    dsn, environment = libpq_arguments("postgresql+psycopg://node:s3cret@db.example.org:5433/acy")
    assert dsn == "postgresql://node@db.example.org:5433/acy"
    assert environment["PGPASSWORD"] == "s3cret"


@pytest.fixture
def scratch_postgres(scratch_database: str) -> str:
    """A database of its own next to this worker's test database, dropped at the end."""
    if not scratch_database.startswith("postgresql"):
        pytest.skip("the PostgreSQL backup runs on a PostgreSQL test run")
    return scratch_database


def test_postgresql_backup_and_restore_round_trip(
    scratch_postgres: str, invoke: Callable[..., Result], tmp_path: Path
) -> None:
    assert invoke(scratch_postgres, "init").exit_code == 0

    def add_user(email: str) -> None:
        result = invoke(
            scratch_postgres,
            "user",
            "create",
            email,
            "--name",
            email,
            "--org",
            "SingCERT",
            "--password",
            PASSWORD,
        )
        assert result.exit_code == 0, result.output

    add_user("kept@example.org")
    dump = tmp_path / "node.dump"
    made = invoke(scratch_postgres, "backup", str(dump))
    assert made.exit_code == 0, made.output
    add_user("after-backup@example.org")
    refused = invoke(scratch_postgres, "restore", str(dump))
    assert refused.exit_code == 1
    restored = invoke(scratch_postgres, "restore", str(dump), "--yes")
    assert restored.exit_code == 0, restored.output
    engine = make_engine(scratch_postgres)
    try:
        assert _emails(engine) == {"kept@example.org"}
    finally:
        engine.dispose()
    assert invoke(scratch_postgres, "audit", "verify").exit_code == 0
