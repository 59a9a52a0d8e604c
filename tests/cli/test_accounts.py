"""user, org and token commands: one transaction each, clear errors, explicit audit events."""

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from aseancyber.access import service as access_service
from aseancyber.access.models import ApiToken, Organisation, User
from aseancyber.audit.models import AuditEntry
from tests.cli.conftest import RunCli

PASSWORD = "a-long-enough-password"


def _cli_actions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.startswith("cli."))
                .order_by(AuditEntry.seq)
            )
        )


def test_user_lifecycle(initialised: RunCli, cli_engine: Engine) -> None:
    created = initialised(
        "user",
        "create",
        "Ana.Lyst@Example.org",
        "--name",
        "Ana Lyst",
        "--org",
        "SingCERT",
        "--role",
        "coordinator",
        "--password",
        PASSWORD,
    )
    assert created.exit_code == 0, created.output
    listed = initialised("user", "list", "--org", "SingCERT")
    assert "ana.lyst@example.org" in listed.stdout
    assert "coordinator" in listed.stdout

    assert (
        initialised("user", "set-roles", "ana.lyst@example.org", "--role", "viewer").exit_code == 0
    )
    changed = initialised(
        "user", "set-password", "ana.lyst@example.org", "--password", PASSWORD + "!"
    )
    assert changed.exit_code == 0, changed.output
    assert initialised("user", "deactivate", "ana.lyst@example.org").exit_code == 0

    with Session(cli_engine) as db:
        user = db.scalars(select(User).where(User.email == "ana.lyst@example.org")).one()
        assert user.organisation.short_name == "SingCERT"
        assert user.time_zone == "Asia/Singapore"
        assert [r.role.value for r in user.roles] == ["viewer"]
        assert not user.is_active
        assert user.password_hash is not None
        assert user.password_hash.startswith("$argon2id$")
    assert "ana.lyst@example.org" not in initialised("user", "list").stdout
    assert "ana.lyst@example.org" in initialised("user", "list", "--all").stdout
    assert _cli_actions(cli_engine) == [
        "cli.user.create",
        "cli.user.set_roles",
        "cli.user.set_password",
        "cli.user.deactivate",
    ]

    assert initialised("user", "activate", "ana.lyst@example.org").exit_code == 0
    again = initialised("user", "activate", "ana.lyst@example.org")
    assert again.exit_code != 0
    assert "already active" in again.output
    assert "ana.lyst@example.org" in initialised("user", "list").stdout
    assert _cli_actions(cli_engine)[-1] == "cli.user.activate"


def test_user_create_errors_are_one_line_and_keep_nothing(
    initialised: RunCli, cli_engine: Engine
) -> None:
    base = ["user", "create", "x@example.org", "--name", "X", "--org", "SingCERT"]
    short = initialised(*base, "--password", "short")
    unknown_org = initialised(*base[:-1], "No Such Org", "--password", PASSWORD)
    bad_email = initialised("user", "create", "not-an-address", *base[3:], "--password", PASSWORD)
    bad_zone = initialised(*base, "--password", PASSWORD, "--time-zone", "Mars/Olympus")
    for result, words in (
        (short, "at least 12 characters"),
        (unknown_org, "no such organisation"),
        (bad_email, "email"),
        (bad_zone, "time zone"),
    ):
        assert result.exit_code == 1, result.output
        assert words in result.stderr
        assert "Traceback" not in result.output
    with cli_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(User)) == 0
    assert _cli_actions(cli_engine) == []

    assert initialised(*base, "--password", PASSWORD).exit_code == 0
    duplicate = initialised(*base, "--password", PASSWORD)
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.stderr


def test_user_create_prompts_for_the_password(initialised: RunCli, cli_engine: Engine) -> None:
    result = initialised(
        "user",
        "create",
        "prompted@example.org",
        "--name",
        "Prompted",
        "--org",
        "ASEAN Secretariat",
        "--role",
        "platform_admin",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # the typed password is not echoed
    with Session(cli_engine) as db:
        user = db.scalars(select(User).where(User.email == "prompted@example.org")).one()
        assert user.role_set == {"platform_admin"}
        assert user.time_zone == "UTC"


def test_org_create_and_list(initialised: RunCli, cli_engine: Engine) -> None:
    created = initialised(
        "org",
        "create",
        "--name",
        "Example Bank (Thailand)",
        "--short-name",
        "Example Bank",
        "--kind",
        "ci_operator",
        "--state",
        "th",
        "--website",
        "https://bank.example.org",
    )
    assert created.exit_code == 0, created.output
    listed = initialised("org", "list", "--state", "TH", "--kind", "ci_operator")
    assert "Example Bank (Thailand)" in listed.stdout
    assert "ThaiCERT" not in listed.stdout

    duplicate = initialised(
        "org",
        "create",
        "--name",
        "Example Bank (Thailand)",
        "--short-name",
        "EB",
        "--kind",
        "vendor",
    )
    assert duplicate.exit_code == 1
    bad_state = initialised(
        "org",
        "create",
        "--name",
        "Elsewhere",
        "--short-name",
        "E",
        "--kind",
        "vendor",
        "--state",
        "ZZ",
    )
    assert bad_state.exit_code == 1
    assert "member state" in bad_state.stderr
    bad_web = initialised(
        "org",
        "create",
        "--name",
        "Ftp",
        "--short-name",
        "F",
        "--kind",
        "vendor",
        "--website",
        "ftp://x",
    )
    assert bad_web.exit_code == 1
    assert "website" in bad_web.stderr
    with Session(cli_engine) as db:
        bank = db.scalars(
            select(Organisation).where(Organisation.short_name == "Example Bank")
        ).one()
        assert bank.member_state is not None
        assert bank.member_state.iso2 == "TH"
        assert db.scalar(select(func.count()).where(Organisation.name == "Elsewhere")) == 0
    assert _cli_actions(cli_engine) == ["cli.org.create"]


def test_token_create_list_revoke(initialised: RunCli, cli_engine: Engine) -> None:
    assert (
        initialised(
            "user",
            "create",
            "script@example.org",
            "--name",
            "Script",
            "--org",
            "MyCERT",
            "--password",
            PASSWORD,
        ).exit_code
        == 0
    )
    created = initialised(
        "token",
        "create",
        "script@example.org",
        "--name",
        "nightly",
        "--scope",
        "read_write",
        "--expires-days",
        "30",
    )
    assert created.exit_code == 0, created.output
    secret = next(line for line in created.stdout.splitlines() if line.startswith("acy_"))

    with Session(cli_engine) as db:
        token = access_service.token_from_secret(db, secret)
        assert token is not None
        assert token.user.email == "script@example.org"
        token_id = token.id
        db.rollback()

    listed = initialised("token", "list", "script@example.org")
    assert "nightly" in listed.stdout
    assert secret not in listed.stdout
    assert "active" in listed.stdout

    revoked = initialised("token", "revoke", token_id)
    assert revoked.exit_code == 0, revoked.output
    with Session(cli_engine) as db:
        assert access_service.token_from_secret(db, secret) is None
        assert db.get(ApiToken, token_id) is not None
    assert "revoked" in initialised("token", "list", "script@example.org").stdout
    missing = initialised("token", "revoke", "no-such-token")
    assert missing.exit_code == 1
    assert "no such API token" in missing.stderr
    assert _cli_actions(cli_engine)[-2:] == ["cli.token.create", "cli.token.revoke"]
