"""The jobs table (background work taken by workers) and the schedule of periodic jobs."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aseancyber.db import Base, db_enum, id_column, utcnow


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # gave up after max_attempts


class Job(Base):
    """One unit of background work; a worker takes it, runs its handler, records the outcome."""

    __tablename__ = "job"
    __audited__ = False  # machinery, not platform records; what a job changes is audited
    __table_args__ = (Index("ix_job_status_run_after", "status", "run_after"),)

    id: Mapped[str] = id_column()
    kind: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(
        db_enum(JobStatus, "job_status"), default=JobStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class PeriodicSchedule(Base):
    """When each periodic job kind is next due; advanced by one guarded UPDATE per run."""

    __tablename__ = "periodic_schedule"
    __audited__ = False

    kind: Mapped[str] = mapped_column(String(80), primary_key=True)
    next_run_at: Mapped[datetime]
    last_enqueued_at: Mapped[datetime | None]


HEARTBEAT_SECONDS = 15.0  # how often a live worker beats, even while a job runs


class WorkerHeartbeat(Base):
    """A background worker's latest sign of life and the job it is running, if any.

    Written by the worker loop at each pass and around each job, read by ``/metrics``: a
    worker that stopped shows by its age, a stuck one by the age of its current job.
    """

    __tablename__ = "worker_heartbeat"
    __audited__ = False

    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    job_id: Mapped[str | None] = mapped_column(String(36))
    job_kind: Mapped[str | None] = mapped_column(String(80))
    job_started_at: Mapped[datetime | None]
