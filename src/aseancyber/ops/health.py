"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: database, schema, jobs).

Both are unauthenticated and say nothing about the data: a load balancer or orchestrator
reads the status code; ``/readyz`` names what is not ready in a problem+json 503.
"""

from functools import cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from aseancyber.db import alembic_config
from aseancyber.errors import Problem

router = APIRouter(tags=["operations"], include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}


@cache
def migration_heads() -> frozenset[str]:
    """The migration heads this code expects (read once: they change only with the code)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


@router.get("/healthz")
def healthz() -> Response:
    """The process is alive and answering; touches nothing else."""
    return JSONResponse({"status": "alive"}, headers=NO_STORE)


def not_ready(request: Request) -> list[str]:
    """What keeps this process from serving, in words an operator can act on."""
    problems: list[str] = []
    try:
        with request.app.state.session_factory() as db:
            db.execute(text("SELECT 1"))
            current = frozenset(MigrationContext.configure(db.connection()).get_current_heads())
    except SQLAlchemyError:
        problems.append("the database cannot be reached")
    else:
        if current != migration_heads():
            problems.append(
                "the database schema is not at this version's migrations: run `aseancyber init`"
            )
    if request.app.state.settings.jobs_in_process:
        worker = getattr(request.app.state, "job_worker", None)
        if worker is None or not worker.running:
            problems.append("the in-process job worker is not running")
    return problems


@router.get("/readyz")
def readyz(request: Request) -> Response:
    """Ready to serve: the database answers, its schema is at head, the job worker runs
    (in-process on SQLite; a separate ``aseancyber worker`` is watched through its
    heartbeat, the ``aseancyber_worker_last_seen_seconds``, ``aseancyber_workers_alive`` and
    ``aseancyber_worker_job_running_seconds`` metrics, and ``aseancyber_job_oldest_due_seconds``,
    so a stopped worker never takes the web servers out of the load balancer)."""
    problems = not_ready(request)
    if problems:
        detail = "not ready: " + "; ".join(problems)
        return Problem(503, "Not ready", detail, instance="/readyz").response(headers=NO_STORE)
    return JSONResponse({"status": "ready"}, headers=NO_STORE)
