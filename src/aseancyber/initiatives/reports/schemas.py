"""Request and response shapes for the ministers' report's runs."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict


class ReportRunRequest(BaseModel):
    """Queue the ministers' report for a period (default: this calendar year)."""

    model_config = ConfigDict(extra="forbid")

    start: date | None = None
    end: date | None = None
    format: Literal["pdf", "html"] = "pdf"


class ReportRunRead(BaseModel):
    """A queued report: its progress and, once done, where to download it."""

    id: str
    status: str
    step: int
    steps: int
    percent: int
    message: str
    error: str
    start: date
    end: date
    format: str
    size: int
    download: str | None
