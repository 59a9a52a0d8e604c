"""init, demo and audit verify: idempotent set-up, and the chain check catching tampering."""

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from aseancyber.access.models import MemberState, Organisation, User
from aseancyber.audit.models import AuditEntry
from aseancyber.schema import Base
from tests.cli.conftest import RunCli

STATE_CODES = ("bn", "kh", "id", "la", "my", "mm", "ph", "sg", "th", "vn", "tl")


def _row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def test_init_then_demo_twice_changes_nothing_the_second_time(
    run_cli: RunCli, cli_path: Path, cli_engine: Engine
) -> None:
    first_init = run_cli("init")
    assert first_init.exit_code == 0, first_init.output
    assert cli_path.is_file()  # the var/ folder was created for the SQLite file
    assert "Database ready" in first_init.output
    after_init = _row_counts(cli_engine)
    assert after_init["app_user"] == 0  # a production node gets the directory, no demo people

    first_demo = run_cli("demo")
    assert first_demo.exit_code == 0, first_demo.output
    assert "analyst.sg@example.org" in first_demo.output
    assert "asean-demo-2026" in first_demo.output
    assert "http://127.0.0.1:8000" in first_demo.output
    loaded = _row_counts(cli_engine)

    again_init = run_cli("init")
    again_demo = run_cli("demo")
    assert again_init.exit_code == 0, again_init.output
    assert "already up to date" in again_init.output
    assert again_demo.exit_code == 0, again_demo.output
    assert "nothing changed" in again_demo.output
    assert _row_counts(cli_engine) == loaded

    with cli_engine.connect() as connection:
        states = connection.scalar(select(func.count()).select_from(MemberState))
        timor = connection.execute(
            select(MemberState.iso3, MemberState.accession_date, MemberState.time_zone).where(
                MemberState.iso2 == "TL"
            )
        ).one()
        emails = set(connection.scalars(select(User.email)))
    assert states == 11
    assert (timor.iso3, str(timor.accession_date), timor.time_zone) == (
        "TLS",
        "2025-10-26",
        "Asia/Dili",
    )
    expected = {
        "analyst.sg@example.org",
        "analyst.my@example.org",
        "admin.sg@example.org",
        "coordinator@example.org",
        "platform.admin@example.org",
        "partner.jp@example.org",
        "vendor@example.org",
        *(f"cert.{iso2}@example.org" for iso2 in STATE_CODES),
    }
    assert expected <= emails


def test_audit_verify_passes_then_names_a_hand_edited_entry(
    initialised: RunCli, cli_path: Path, cli_engine: Engine
) -> None:
    intact = initialised("audit", "verify")
    assert intact.exit_code == 0, intact.output
    assert "intact" in intact.stdout

    with cli_engine.connect() as connection:
        target = connection.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq).offset(4))
    cli_engine.dispose()
    with sqlite3.connect(cli_path) as raw:
        raw.execute("UPDATE audit_entry SET record_id = 'forged' WHERE seq = ?", (target,))
    raw.close()

    broken = initialised("audit", "verify")
    assert broken.exit_code == 1
    assert f"entry {target}" in broken.stderr
    assert "altered" in broken.stderr
    assert "Traceback" not in broken.output


def test_audit_verify_names_a_removed_entry(initialised: RunCli, cli_engine: Engine) -> None:
    with cli_engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq = 3"))
    result = initialised("audit", "verify")
    assert result.exit_code == 1
    assert "entry 3 was removed" in result.stderr


def test_commands_refuse_a_database_that_was_never_initialised(run_cli: RunCli) -> None:
    result = run_cli("user", "list")
    assert result.exit_code == 1
    assert "aseancyber init" in result.stderr
    assert "Traceback" not in result.output


def test_reference_directory_has_bodies_partners_and_participants(
    initialised: RunCli, cli_engine: Engine
) -> None:
    with cli_engine.connect() as connection:
        partners = set(connection.scalars(text("SELECT code FROM dialogue_partner")))
        pillars = set(connection.scalars(text("SELECT code FROM pillar")))
        adgmin_members = set(
            connection.scalars(
                text(
                    "SELECT o.short_name FROM sectoral_body_member m "
                    "JOIN sectoral_body b ON b.id = m.sectoral_body_id "
                    "JOIN organisation o ON o.id = m.organisation_id WHERE b.code = 'ADGMIN'"
                )
            )
        )
        secretariat = connection.execute(
            select(Organisation.kind, Organisation.member_state_id).where(
                Organisation.name == "ASEAN Secretariat"
            )
        ).one()
    assert len(partners) == 11
    assert {"JPN", "EUR", "KOR"} <= partners
    assert pillars == {"APSC", "AEC", "ASCC"}
    assert {"SingCERT", "MyCERT", "ThaiCERT", "Timor-Leste CERT"} <= adgmin_members
    assert secretariat.kind.value == "asean_secretariat"
    assert secretariat.member_state_id is None
