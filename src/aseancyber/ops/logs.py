"""Logs on stderr as JSON lines (or plain text), and one access line per request.

The access line names the route template, never the raw path: a signed one-time link or a
search term in a path or query string is a secret or record content, and stays out of logs.
Tokens, passwords and request or response bodies are never logged.
"""

import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

import orjson

from aseancyber.settings import LogFormat, Settings

ACCESS_LOGGER = "aseancyber.access_log"
# The fields an access line carries besides its message (``extra=`` of the log call).
ACCESS_FIELDS = ("request_id", "method", "route", "status", "duration_ms", "user_id")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, and the access fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ACCESS_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def logging_config(settings: Settings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for a server or worker process (uvicorn's
    ``log_config``, so each server process applies it): everything to stderr in the
    configured format; uvicorn's own access lines off, the platform writes its own."""
    formatter = "json" if settings.logs_as is LogFormat.JSON else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": f"{__name__}.JsonFormatter"},
            "text": {"format": TEXT_FORMAT},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": formatter,
            }
        },
        "root": {"handlers": ["stderr"], "level": settings.log_level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True, "level": settings.log_level},
            "uvicorn.error": {"handlers": [], "propagate": True, "level": settings.log_level},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
        },
    }


def configure(settings: Settings) -> None:
    """Apply :func:`logging_config` to this process (the worker command)."""
    logging.config.dictConfig(logging_config(settings))
