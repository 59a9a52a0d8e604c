"""The cost of observing every request: metrics and the access log, per request.

The platform's ``ops.metrics.Observe`` (request counter and latency histogram by route
template, request id, one access line) is the outermost middleware of every answer. This
benchmark times the real application in process (httpx over ASGI, no network), on two
routes: ``/healthz`` (no database: the middleware's share is largest there) and the public
``/api/v1/pillars`` (one SQLite read). Side by side in one run:

- ``none``: the application with ``Observe`` taken out (the floor);
- ``observe``: as shipped, the access log not enabled (metrics only);
- ``observe+json log``: as shipped in production, each access line formatted as JSON and
  written (to /dev/null);
- ``starlette-exporter``: the peer, ``starlette_exporter.PrometheusMiddleware`` with
  ``group_paths=True`` (the route template, as here) in place of ``Observe``.

Reported: microseconds per request (median of repeats of N sequential requests) and the
overhead over ``none``. ``ASEANCYBER_BENCH_QUICK=1`` runs fewer requests. Run:
``.venv/bin/python -m benchmarks ops``.
"""

import asyncio
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware import Middleware
from starlette_exporter import PrometheusMiddleware

from aseancyber.app import create_app
from aseancyber.db import make_engine
from aseancyber.ops.logs import ACCESS_LOGGER, JsonFormatter
from aseancyber.ops.metrics import Observe
from aseancyber.reference import load_reference
from aseancyber.settings import Environment, Settings, use_settings

ROOT = Path(__file__).resolve().parent.parent
ROUTES = ("/healthz", "/api/v1/pillars")
console = Console()


def _migrate(engine: Engine) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def _app(
    settings: Settings, factory: "sessionmaker[Session]", observe: Middleware | None
) -> FastAPI:
    app = create_app(settings=settings, session_factory=factory)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not Observe]
    if observe is not None:
        app.user_middleware.insert(0, observe)
    return app


async def _time_requests(client: httpx.AsyncClient, path: str, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        await client.get(path)
    return (time.perf_counter() - started) / count * 1e6


async def _measure(
    apps: list[tuple[str, FastAPI, bool]], count: int, repeats: int
) -> dict[tuple[str, str], float]:
    """Round-robin over the variants, so the machine's other load falls on all alike."""
    clients = {
        name: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
        for name, app, _ in apps
    }
    timings: dict[tuple[str, str], list[float]] = {}
    try:
        for name, _, _ in apps:  # warm: first-use caches, imports, histogram children
            for path in ROUTES:
                for _ in range(50):
                    (await clients[name].get(path)).raise_for_status()
        for _ in range(repeats):
            for name, _, log_on in apps:
                undo = _access_log(log_on)
                try:
                    for path in ROUTES:
                        timing = await _time_requests(clients[name], path, count)
                        timings.setdefault((name, path), []).append(timing)
                finally:
                    undo()
    finally:
        for client in clients.values():
            await client.aclose()
    return {key: statistics.median(values) for key, values in timings.items()}


def _access_log(enabled: bool) -> Callable[[], None]:
    logger = logging.getLogger(ACCESS_LOGGER)
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - closed below
    handler.setFormatter(JsonFormatter())
    if enabled:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    def undo() -> None:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
        handler.stream.close()

    return undo


def main() -> None:
    quick = os.environ.get("ASEANCYBER_BENCH_QUICK") == "1"
    count, repeats = (200, 5) if quick else (1000, 9)
    console.rule("ops: the cost of metrics and the access log per request")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'ops.db'}"
        settings = Settings(
            environment=Environment.TEST,
            secret_key="benchmark-secret-key",  # noqa: S106 - throwaway database only
            database_url=url,
            run_jobs_in_process=False,
            freeze_heap_on_start=False,
            _env_file=None,
        )
        use_settings(settings)
        engine = make_engine(url)
        _migrate(engine)
        factory = sessionmaker(bind=engine)
        with factory() as db:
            load_reference(db)
            db.commit()
        variants: list[tuple[str, Middleware | None, bool]] = [
            ("none", None, False),
            ("observe", Middleware(Observe), False),
            ("observe+json log", Middleware(Observe), True),
            (
                "starlette-exporter (peer)",
                Middleware(PrometheusMiddleware, group_paths=True, app_name="bench"),
                False,
            ),
        ]
        apps = [(name, _app(settings, factory, m), log_on) for name, m, log_on in variants]
        results = asyncio.run(_measure(apps, count, repeats))
        engine.dispose()
    table = Table(title=f"µs per request, median of {repeats} x {count} sequential requests")
    table.add_column("middleware")
    for path in ROUTES:
        table.add_column(path, justify="right")
        table.add_column("overhead", justify="right")
    for name, _, _ in variants:
        row = [name]
        for path in ROUTES:
            value, floor = results[(name, path)], results[("none", path)]
            row += [f"{value:.0f}", "-" if name == "none" else f"{value - floor:+.0f} µs"]
        table.add_row(*row)
    console.print(table)
    console.print("Taken in process (no network); a contended machine shows in the figures.")


if __name__ == "__main__":
    main()
