"""Structured logs: one access line per request, as JSON, with nothing secret in it."""

import logging
import logging.config
import sys

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import OrganisationKind, Role
from aseancyber.ops.logs import ACCESS_LOGGER, JsonFormatter, logging_config
from aseancyber.settings import Environment, LogFormat, Settings
from tests import factories


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    formatter = JsonFormatter()
    return [
        orjson.loads(formatter.format(record))
        for record in caplog.records
        if record.name == ACCESS_LOGGER
    ]


def test_each_request_writes_one_json_access_line_with_route_and_user(
    client: TestClient, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    org = factories.make_org(db, kind=OrganisationKind.NATIONAL_CERT)
    user = factories.make_user(db, org, Role.CONTRIBUTOR)
    headers = factories.bearer(db, user)
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)

    response = client.get(
        "/api/v1/documents/does-not-exist?q=secret-term",
        headers=headers | {"X-Request-ID": "req-1"},
    )

    assert response.status_code == 404
    [line] = access_lines(caplog)
    assert line["level"] == "info"
    assert line["request_id"] == "req-1"
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/documents/{document_id}"
    assert line["status"] == 404
    assert isinstance(line["duration_ms"], float)
    assert line["user_id"] == user.id
    raw = orjson.dumps(line).decode()
    token = headers["Authorization"].removeprefix("Bearer ")
    assert token not in raw
    assert "does-not-exist" not in raw  # the raw path is never logged
    assert "secret-term" not in raw  # nor the query string


def test_an_anonymous_request_has_no_user_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    client.get("/healthz")
    [line] = access_lines(caplog)
    assert "user_id" not in line
    assert line["route"] == "/healthz"


def test_the_json_formatter_keeps_the_exception_in_the_line() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("job",), None)
        record.exc_info = sys.exc_info()
    line = orjson.loads(JsonFormatter().format(record))
    assert line["message"] == "failed job"
    assert line["level"] == "error"
    assert "RuntimeError: boom" in str(line["exception"])
    assert str(line["time"]).endswith("+00:00")


@pytest.mark.parametrize(
    ("environment", "chosen", "formatter"),
    [
        (Environment.PRODUCTION, None, "json"),
        (Environment.DEVELOPMENT, None, "text"),
        (Environment.DEVELOPMENT, LogFormat.JSON, "json"),
        (Environment.PRODUCTION, LogFormat.TEXT, "text"),
    ],
)
def test_the_log_format_follows_the_settings(
    environment: Environment, chosen: LogFormat | None, formatter: str
) -> None:
    settings = Settings(
        _env_file=None,
        environment=environment,
        secret_key="a-private-secret-for-this-test",
        log_format=chosen,
        database_url="sqlite:////nonexistent/never-opened.db",
    )
    config = logging_config(settings)
    assert config["handlers"]["stderr"]["formatter"] == formatter
    assert config["handlers"]["stderr"]["stream"] == "ext://sys.stderr"
    assert config["loggers"]["uvicorn.access"]["propagate"] is False  # ours replaces it


def test_the_logging_config_is_accepted_by_dictconfig() -> None:
    settings = Settings(
        _env_file=None, log_format=LogFormat.JSON, database_url="sqlite:////nonexistent/x.db"
    )
    config = logging_config(settings)
    # Applied to a configurator without touching this process's loggers.
    formatter = logging.config.DictConfigurator(config).configure_formatter(
        config["formatters"]["json"]
    )
    assert isinstance(formatter, JsonFormatter)
