"""The ASGI application: routers, error handling as RFC 9457 problems, and the body limit."""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aseancyber import __version__
from aseancyber.access.dependencies import (
    get_current_actor,
    get_optional_actor,
    starts_reading,
)
from aseancyber.access.guards import login_redirect
from aseancyber.access.service import EnrolmentRequired
from aseancyber.db import get_session_factory, is_contention
from aseancyber.errors import PROBLEM_JSON, Conflict, Invalid, NotAuthenticated, ServiceError
from aseancyber.jobs.worker import InProcessWorker
from aseancyber.manifests import (
    JOB_HANDLERS,
    MANIFESTS,
    PERIODIC_JOBS,
    REPORT_SOURCES,
    SURVEY_PROGRAMMES,
)
from aseancyber.ops import metrics as ops_metrics
from aseancyber.settings import Settings, get_settings
from aseancyber.sharing import indicator_checks
from aseancyber.sharing import taxii as sharing_taxii
from aseancyber.site import api_docs as site_api_docs
from aseancyber.site import pages as site_pages
from aseancyber.web import openapi as web_openapi
from aseancyber.web import templating
from aseancyber.web.admission import Admission
from aseancyber.web.field_messages import plain_message, readable
from aseancyber.web.processes import Rebalance
from aseancyber.web.security import SecurityHeaders
from aseancyber.web.spool import SAFE_METHODS, SpoolBody, WriterQueue

log = logging.getLogger("aseancyber")
RETRY_AFTER_SECONDS = 2
BUSY_DETAIL = (
    "the database is busy with other changes and nothing was saved; "
    f"try again in {RETRY_AFTER_SECONDS} seconds"
)
STATIC_DIR = Path(__file__).parent / "web" / "static"


class BodyLimit:
    """Refuse request bodies over the configured size early: by header, or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(self.max_bytes, scope["path"])(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await _too_large(self.max_bytes, scope["path"])(scope, receive, send)


class RefuseNul:
    """Refuse a NUL character in the path or query: no database stores one in text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope["path"] or b"%00" in scope.get("query_string", b"")
        ):
            response = JSONResponse(
                {
                    "type": "about:blank",
                    "title": "Invalid input",
                    "status": 422,
                    "detail": "the address contains a NUL character",
                },
                status_code=422,
                media_type=PROBLEM_JSON,
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def _too_large(limit: int, path: str = "") -> Response:
    if path.startswith("/taxii2"):  # TAXII clients expect a TAXII error message
        return sharing_taxii.taxii_error(
            413, "Request too large", f"the body is over max_content_length ({limit} bytes)"
        )
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "Request body too large",
            "status": 413,
            "detail": f"the request body is larger than the limit of {limit} bytes",
        },
        status_code=413,
        media_type=PROBLEM_JSON,
    )


def _busy() -> Response:
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "Service busy",
            "status": 503,
            "detail": BUSY_DETAIL,
        },
        status_code=503,
        media_type=PROBLEM_JSON,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/taxii2", "/misp/")):  # machine clients: never a login page
        return False
    return "text/html" in request.headers.get("accept", "") or not path.startswith("/api")


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
) -> Response:
    if wants_html(request):
        return templating.error_page(
            request, status=status, title=title, detail=detail, errors=errors
        )
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "form", "header")]
    return ".".join(parts) or "body"


def _body_problem(exc: StarletteHTTPException) -> str:
    """FastAPI answers any JSON body it cannot decode with one vague sentence: name why."""
    cause = exc.__cause__
    if exc.status_code == 400 and isinstance(cause, RecursionError):
        return "the JSON body nests arrays and objects too deeply"
    if exc.status_code == 400 and isinstance(cause, ValueError):
        return f"the JSON body cannot be read: {str(cause)[:200]}"
    return str(exc.detail)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> Response:
        errors = (
            [{"field": p.field, "message": p.message} for p in exc.problems]
            if isinstance(exc, Invalid)
            else None
        )
        response = problem_response(request, exc.status, exc.title, exc.detail, errors)
        if exc.status == 503:
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.exception_handler(NotAuthenticated)
    async def sign_in_first(request: Request, exc: NotAuthenticated) -> Response:
        if wants_html(request) and request.method in ("GET", "HEAD"):
            return login_redirect(request)
        return problem_response(request, exc.status, exc.title, exc.detail)

    @app.exception_handler(EnrolmentRequired)
    async def enrol_first(request: Request, exc: EnrolmentRequired) -> Response:
        if wants_html(request):
            return templating.redirect("/account/totp", exc.detail)
        return problem_response(request, exc.status, exc.title, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if wants_html(request):  # a person: plain sentences, fields by readable name
            errors = [
                {
                    "field": readable(_field_name(error.get("loc", ()))),
                    "message": plain_message(error),
                }
                for error in exc.errors()
            ]
            detail = (
                "Something sent with this page cannot be used. Go back, correct it and try again."
            )
            return problem_response(request, 422, "Please check what you entered", detail, errors)
        errors = [
            {"field": _field_name(error.get("loc", ())), "message": str(error.get("msg", ""))}
            for error in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem_response(request, 422, "Invalid input", detail, errors)

    @app.exception_handler(StaleDataError)
    async def stale(request: Request, exc: StaleDataError) -> Response:
        return problem_response(
            request,
            409,
            Conflict.title,
            "someone else changed this record since you loaded it; reload and apply again",
        )

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:
        log.info("data error: %s", exc.orig)
        detail = "a value is not acceptable (too long, out of range, or a NUL character)"
        return problem_response(request, 422, Invalid.title, detail)

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, exc: IntegrityError) -> Response:
        log.info("integrity error: %s", exc.orig)
        return problem_response(
            request, 409, Conflict.title, "this conflicts with an existing record (a duplicate?)"
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeoutError)
    async def busy(request: Request, exc: Exception) -> Response:
        if not is_contention(exc):
            return await unexpected(request, exc)
        # The last resort: transactions are short, so waiting the whole busy timeout (or
        # losing a deadlock) is rare. Nothing was kept; the client may simply retry.
        log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
        response = problem_response(request, 503, "Service busy", BUSY_DETAIL)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
        return problem_response(request, exc.status_code, title, _body_problem(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            request, 500, "Internal error", "an unexpected error occurred; it has been logged"
        )


class Platform(FastAPI):
    """The application, with the security headers outside every other layer: even the
    500 answer Starlette's outermost error middleware renders carries them."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())

    _described: dict[str, Any] | None = None

    def openapi(self) -> dict[str, Any]:
        """FastAPI's document, with the problem+json errors and security of each operation."""
        document = super().openapi()  # built again only when the routes change
        if document is not self._described:
            self._described = web_openapi.describe(
                document,
                self.routes,
                web_openapi.SignIn(required=get_current_actor, optional=get_optional_actor),
            )
        return document


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start-up and shut-down of a server: settle what start-up built, run the job worker
    in a thread on SQLite (``settings.jobs_in_process``)."""
    settings: Settings = app.state.settings
    # Sync routes and dependencies run in anyio's worker threads: as many as the requests
    # admitted can use (``Settings.request_threads``), not anyio's default forty.
    to_thread.current_default_thread_limiter().total_tokens = settings.request_threads()
    # What start-up built (modules, mappers, compiled queries) lives as long as the server.
    # Frozen, the garbage collector stops walking it on every full collection: that walk
    # was about a third of the server's CPU time per object in a TAXII ingest.
    freeze = settings.freeze_heap_on_start
    if freeze:
        gc.collect()
        gc.freeze()
    worker = None
    if app.state.settings.jobs_in_process:
        worker = InProcessWorker(
            app.state.session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS
        )
        worker.start()
    app.state.job_worker = worker
    try:
        yield
    finally:
        if worker is not None:
            await asyncio.to_thread(worker.stop)
        if freeze:
            gc.unfreeze()  # a process may start and stop several apps


def _queued_writer(method: str, path: str) -> bool:
    """A SQLite writer: it already waits for its turn, one at a time, in the WriterQueue.
    A question or a POST that reads first is not one: it works, and waits, like a read."""
    return method not in SAFE_METHODS and not starts_reading(method, path)


def create_app(
    settings: Settings | None = None, session_factory: sessionmaker[Session] | None = None
) -> FastAPI:
    """Build the application; tests pass their own settings and session factory."""
    settings = settings or get_settings()
    indicator_checks.warninglists_from(settings.warninglist_path)  # a bad file stops the start
    app = Platform(
        title="aseancyber",
        version=__version__,
        summary="ASEAN cybersecurity cooperation platform",
        openapi_url="/api/openapi.json",
        docs_url=None,  # web.api_docs serves /api/docs: no CDN, no inline script
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.report_sources = REPORT_SOURCES
    app.state.survey_programmes = SURVEY_PROGRAMMES
    app.state.session_factory = session_factory or get_session_factory()
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)
    admitted = settings.admitted_requests()
    if admitted:
        app.add_middleware(
            Admission,
            limit=admitted,
            exempt=_queued_writer if settings.is_sqlite else None,
        )
    if settings.is_sqlite:
        app.add_middleware(
            WriterQueue,
            timeout=settings.sqlite_busy_timeout_seconds,
            exempt=starts_reading,
            busy=_busy,
        )
    # Inside BodyLimit: the body is read whole (memory, then a temporary file) before any
    # route opens a transaction, so a slow client never holds the write lock.
    app.add_middleware(
        SpoolBody,
        max_bytes=settings.max_body_bytes,
        memory_bytes=settings.spool_memory_bytes,
        too_large=_too_large,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RefuseNul)
    app.add_middleware(Rebalance)  # spreads connections over `serve --workers` processes
    app.add_middleware(ops_metrics.Observe)  # outermost: counts and logs every answer
    return app


ROUTERS = [
    site_pages.router,
    site_api_docs.router,
    *(router for manifest in MANIFESTS for router in manifest.routers),
]
