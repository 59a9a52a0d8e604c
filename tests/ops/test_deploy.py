"""The container definition and the compose file, checked without building an image: the
commands exist in the CLI, the settings they set exist, ports and health checks agree."""

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from aseancyber.cli import app as cli_app
from aseancyber.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def cli_commands() -> set[str]:
    group = typer.main.get_command(cli_app)
    return set(getattr(group, "commands", {}))


def test_compose_runs_postgres_a_migration_the_servers_and_the_worker(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", "app", "worker"}
    assert services["migrate"]["command"] == ["aseancyber", "init"]
    assert services["migrate"]["restart"] == "no"
    assert services["worker"]["command"] == ["aseancyber", "worker"]
    assert services["app"]["command"][:2] == ["aseancyber", "serve"]
    for name in ("app", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert services[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_every_command_the_images_run_exists_in_the_cli(
    compose: dict[str, Any], dockerfile: str
) -> None:
    commands = cli_commands()
    for service in ("migrate", "app", "worker"):
        assert compose["services"][service]["command"][1] in commands
    cmd = re.search(r'^CMD \["aseancyber", "(\w+)"', dockerfile, re.MULTILINE)
    assert cmd is not None
    assert cmd.group(1) in commands


def test_every_setting_compose_sets_is_a_real_setting(compose: dict[str, Any]) -> None:
    fields = set(Settings.model_fields)
    for service in ("migrate", "app", "worker"):
        for name in compose["services"][service]["environment"]:
            if name.startswith("ASEANCYBER_"):
                assert name.removeprefix("ASEANCYBER_").lower() in fields, name
    environment = compose["services"]["app"]["environment"]
    assert environment["ASEANCYBER_ENVIRONMENT"] == "production"
    assert environment["ASEANCYBER_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in environment["ASEANCYBER_DATABASE_URL"]
    assert environment["ASEANCYBER_RUN_JOBS_IN_PROCESS"] == "false"  # the worker runs them
    assert "PROMETHEUS_MULTIPROC_DIR" in environment  # several server processes
    assert environment["PROMETHEUS_MULTIPROC_DIR"] in compose["services"]["app"]["tmpfs"][0]


def test_ports_and_health_checks_agree(compose: dict[str, Any], dockerfile: str) -> None:
    app = compose["services"]["app"]
    command = app["command"]
    port = command[command.index("--port") + 1]
    assert command[command.index("--host") + 1] == "0.0.0.0"  # noqa: S104 - inside a container
    assert app["ports"] == [f"{port}:{port}"]
    assert f"http://127.0.0.1:{port}/readyz" in " ".join(app["healthcheck"]["test"])
    assert f"EXPOSE {port}" in dockerfile
    assert f"http://127.0.0.1:{port}/healthz" in dockerfile
    assert compose["services"]["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]


def test_the_image_runs_as_a_user_and_has_the_pdf_libraries(dockerfile: str) -> None:
    user = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert user
    assert user[-1] not in ("root", "0")
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(r"^SYSTEM_PACKAGES := (.+)$", makefile, re.MULTILINE)
    assert match is not None
    pdf_packages = [p for p in match.group(1).split() if not p.startswith("chromium")]
    for package in pdf_packages:
        assert package in dockerfile, package
    assert "COPY migrations" in dockerfile
    assert "COPY alembic.ini" in dockerfile


def test_the_readme_keeps_its_two_commands_and_documents_production() -> None:
    readme = (ROOT / "README.md").read_text()
    opening = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    assert opening.splitlines()[0].startswith("make run ")
    assert opening.splitlines()[1].startswith("make test ")
    assert len(opening.splitlines()) == 2
    production = readme.split("\n## Production\n", 1)[1]
    for needed in ("compose.yaml", "/healthz", "/readyz", "/metrics", "ASEANCYBER_METRICS_TOKEN"):
        assert needed in production, needed
