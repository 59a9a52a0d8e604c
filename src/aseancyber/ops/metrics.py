"""Prometheus metrics: requests and latency per route, and the queues read from the database.

Request counts and latencies are counted in the serving process by :class:`Observe`, the
outermost middleware (it also writes the access log line). Labels are the method, the
route template (``/api/v1/cases/{case_id}``, never a raw path: no ids, no unbounded label
values) and the status. Queue depths, job failures, federation sync lag and ingest counts
are read from the database when /metrics is scraped, so they are the same whichever server
process or worker did the work.

Several server processes (``serve --workers N``): set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty directory that all of them share, before they start; /metrics then sums every
process's counters (prometheus_client's multiprocess mode). Without it each process counts
alone and a scrape sees one of them.

Who may read /metrics: a scraper sending ``Authorization: Bearer`` with
``ASEANCYBER_METRICS_TOKEN``. With no token configured /metrics answers 404: it is off
unless an operator turns it on (fail closed); peer names and queue sizes are not public.
"""

import hmac
import logging
import os
from collections.abc import Iterator
from time import perf_counter
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aseancyber.db import utcnow
from aseancyber.errors import Problem
from aseancyber.federation.models import Peer, SyncRun
from aseancyber.jobs.models import HEARTBEAT_SECONDS, Job, JobStatus, WorkerHeartbeat
from aseancyber.notify.models import EmailStatus, OutboundEmail
from aseancyber.ops.logs import ACCESS_LOGGER

log = logging.getLogger(__name__)
access_log = logging.getLogger(ACCESS_LOGGER)
router = APIRouter(tags=["operations"], include_in_schema=False)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no route: a 404 for an unknown address, or refused before routing
REQUEST_ID_HEADER = b"x-request-id"
REQUEST_ID_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."
)
REQUEST_ID_MAX = 64

disable_created_metrics()  # type: ignore[no-untyped-call]  # *_created series: noise
REQUESTS = Counter(
    "aseancyber_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "aseancyber_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by route template.",
    ["route"],
)


def route_of(scope: Scope) -> str:
    """The route template a request matched (``/static`` for static files)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if str(scope["path"]).startswith("/static/"):
        return "/static"
    return UNMATCHED


def request_id_of(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when it is short and plain, else a new one."""
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            sent: str = value.decode("latin-1")
            if 0 < len(sent) <= REQUEST_ID_MAX and set(sent) <= REQUEST_ID_CHARACTERS:
                return sent
            break
    return os.urandom(16).hex()


class Observe:
    """Counts and times every HTTP request and writes its access line; echoes the request
    id in ``X-Request-ID``. Costs two clock reads and two metric updates per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        request_id = request_id_of(scope)
        status = 500  # what the client gets if nothing answers (the error middleware's)

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            elapsed = perf_counter() - started
            route = route_of(scope)
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(route).observe(elapsed)
            if access_log.isEnabledFor(logging.INFO):
                actor = scope.get("state", {}).get("actor")
                access_log.info(
                    "%s %s %d %.1f ms",
                    method,
                    route,
                    status,
                    elapsed * 1000,
                    extra={
                        "request_id": request_id,
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 1),
                        "user_id": getattr(actor, "user_id", None),
                    },
                )


class DatabaseCollector(Collector):
    """The platform's queues and federation, read from the database at each scrape."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "aseancyber_database_up", "Whether the database answered this scrape (1) or not."
        )
        try:
            with self.session_factory() as db:
                families = list(self._families(db))
        except SQLAlchemyError as error:
            log.warning("metrics: the database did not answer: %s", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self, db: Session) -> Iterator[Metric]:
        now = utcnow()
        jobs = GaugeMetricFamily(
            "aseancyber_jobs",
            "Background jobs not done, by kind and status (failed: gave up after its attempts).",
            labels=["kind", "status"],
        )
        waiting = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED)
        for kind, status, count in db.execute(
            select(Job.kind, Job.status, func.count())
            .where(Job.status.in_(waiting))
            .group_by(Job.kind, Job.status)
        ):
            jobs.add_metric([kind, str(status)], count)
        yield jobs
        retrying = GaugeMetricFamily(
            "aseancyber_jobs_retrying",
            "Queued jobs whose last attempt failed, by kind.",
            labels=["kind"],
        )
        for kind, count in db.execute(
            select(Job.kind, func.count())
            .where(Job.status == JobStatus.QUEUED, Job.attempts > 0)
            .group_by(Job.kind)
        ):
            retrying.add_metric([kind], count)
        yield retrying
        oldest = db.scalar(
            select(func.min(Job.run_after)).where(
                Job.status == JobStatus.QUEUED, Job.run_after <= now
            )
        )
        due = GaugeMetricFamily(
            "aseancyber_job_oldest_due_seconds",
            "How long the oldest due job has waited for a worker (0: none waiting).",
        )
        due.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        yield due
        email = GaugeMetricFamily(
            "aseancyber_email_queue",
            "Outgoing e-mail not sent, by status (failed: gave up).",
            labels=["status"],
        )
        counts = dict(
            db.execute(
                select(OutboundEmail.status, func.count())
                .where(OutboundEmail.status != EmailStatus.SENT)
                .group_by(OutboundEmail.status)
            )
            .tuples()
            .all()
        )
        for status in (EmailStatus.QUEUED, EmailStatus.FAILED):
            email.add_metric([str(status)], counts.get(status, 0))
        yield email
        yield from self._workers(db, now)
        yield from self._federation(db, now)

    def _workers(self, db: Session, now: Any) -> Iterator[Metric]:
        """From the workers' heartbeats (``jobs.worker.Heartbeat``): a dead worker stops
        beating, a stuck one beats with the same job for ever longer."""
        rows = db.execute(
            select(
                WorkerHeartbeat.last_seen_at,
                WorkerHeartbeat.job_kind,
                WorkerHeartbeat.job_started_at,
            )
        ).all()
        if rows:
            last_seen = GaugeMetricFamily(
                "aseancyber_worker_last_seen_seconds",
                "Seconds since the latest heartbeat of any background worker (absent: no "
                f"worker ever ran; a live worker beats every {HEARTBEAT_SECONDS:g} s).",
            )
            last_seen.add_metric([], max(0.0, (now - max(row[0] for row in rows)).total_seconds()))
            yield last_seen
        alive = [row for row in rows if (now - row[0]).total_seconds() <= 3 * HEARTBEAT_SECONDS]
        workers = GaugeMetricFamily(
            "aseancyber_workers_alive",
            f"Background workers whose last heartbeat is under {3 * HEARTBEAT_SECONDS:g} s old.",
        )
        workers.add_metric([], len(alive))
        yield workers
        running = GaugeMetricFamily(
            "aseancyber_worker_job_running_seconds",
            "How long the longest-running current job of a live worker has run, by kind.",
            labels=["kind"],
        )
        longest: dict[str, float] = {}
        for _, kind, started in alive:
            if kind is not None and started is not None:
                seconds = max(0.0, (now - started).total_seconds())
                longest[kind] = max(longest.get(kind, 0.0), seconds)
        for kind, seconds in sorted(longest.items()):
            running.add_metric([kind], seconds)
        yield running

    def _federation(self, db: Session, now: Any) -> Iterator[Metric]:
        lag = GaugeMetricFamily(
            "aseancyber_federation_sync_lag_seconds",
            "Seconds since the peer's last successful sync (since it was added, if never).",
            labels=["peer"],
        )
        failures = GaugeMetricFamily(
            "aseancyber_federation_consecutive_failures",
            "Failed sync attempts since the peer's last success.",
            labels=["peer"],
        )
        for name, last_success, created, failed in db.execute(
            select(Peer.name, Peer.last_success_at, Peer.created_at, Peer.consecutive_failures)
            .where(Peer.enabled)
            .order_by(Peer.name)
        ):
            lag.add_metric([name], max(0.0, (now - (last_success or created)).total_seconds()))
            failures.add_metric([name], failed)
        yield lag
        yield failures
        objects = CounterMetricFamily(
            "aseancyber_federation_objects",
            "STIX objects exchanged with each peer over all its sync runs, by outcome.",
            labels=["peer", "outcome"],
        )
        for name, pulled, pushed, rejected, withheld in db.execute(
            select(
                Peer.name,
                func.coalesce(func.sum(SyncRun.pulled), 0),
                func.coalesce(func.sum(SyncRun.pushed), 0),
                func.coalesce(func.sum(SyncRun.rejected), 0),
                func.coalesce(func.sum(SyncRun.withheld), 0),
            )
            .join(SyncRun, SyncRun.peer_id == Peer.id)
            .group_by(Peer.name)
            .order_by(Peer.name)
        ):
            for outcome, count in (
                ("pulled", pulled),
                ("pushed", pushed),
                ("rejected", rejected),
                ("withheld", withheld),
            ):
                objects.add_metric([name, outcome], count)
        yield objects


def process_registry() -> CollectorRegistry:
    """This process's metrics, or every server process's in multiprocess mode."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped upstream
        return registry
    return REGISTRY


def refusal(request: Request) -> Response | None:
    """Why this caller may not scrape (404 while no token is configured, 401 without the
    token), or None. Answered here, not raised: a scraper wants no sign-in page."""
    expected: str | None = request.app.state.settings.metrics_token
    if expected is None:
        return Problem(404, "Not found", "no such page", instance="/metrics").response()
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), expected.encode()):
        return None
    detail = "send the metrics token as 'Authorization: Bearer ...'"
    return Problem(401, "Not signed in", detail, instance="/metrics").response(
        headers={"WWW-Authenticate": "Bearer"}
    )


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus text exposition: the server processes' metrics and the database's."""
    refused = refusal(request)
    if refused is not None:
        return refused
    body = generate_latest(process_registry()) + generate_latest(
        DatabaseCollector(request.app.state.session_factory)
    )
    return Response(body, media_type=CONTENT_TYPE_LATEST)
