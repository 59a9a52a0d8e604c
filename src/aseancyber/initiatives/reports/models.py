"""Tables for the ministers' report: a requested run, built by a background job."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aseancyber.db import Base, db_enum, id_column, utcnow


class ReportRunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReportRun(Base):
    """One request for the ministers' report, built by a background job as its requester
    sees the registry; only the requester may follow it or download the result."""

    __tablename__ = "initiative_report_run"
    __audited__ = False  # the request and each download are audited explicitly (no file bytes)
    __table_args__ = (Index("ix_initiative_report_run_requester", "requested_by_id", "created_at"),)

    id: Mapped[str] = id_column()
    requested_by_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    format: Mapped[str] = mapped_column(String(4))
    status: Mapped[ReportRunStatus] = mapped_column(
        db_enum(ReportRunStatus, "initiative_report_run_status"), default=ReportRunStatus.QUEUED
    )
    step: Mapped[int] = mapped_column(default=0)
    steps: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    filename: Mapped[str] = mapped_column(String(100), default="")
    media_type: Mapped[str] = mapped_column(String(60), default="")
    size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
