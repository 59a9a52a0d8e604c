"""Typed request dependencies: the unit of work, who is asking, and what they may do."""

import hmac
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access import service
from aseancyber.access.models import ApiToken, LoginSession
from aseancyber.access.permissions import Permission, permissions_of
from aseancyber.access.policy import Actor
from aseancyber.access.rules import writes_at_all
from aseancyber.db import (
    AFTER_READ,
    SESSION_ACTOR,
    begin_writing,
    is_contention,
    utcnow,
    write_apart,
)
from aseancyber.errors import Forbidden, NotAuthenticated
from aseancyber.web import templating
from aseancyber.web.security import SESSION_COOKIE

log = logging.getLogger(__name__)
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# POSTs that only ask a question (the batch is too large for a URL): a read-only API token
# may send them. A route here that can also write checks ``rules.writes_at_all`` itself.
# The matching page's form is the same question as the REST call: it reads, so it does not
# wait in the writers' queue (recording sightings turns it into a writer, ``write_here``).
QUESTION_POSTS = frozenset({"/api/v1/matching", "/api/v1/routing", "/matching"})
# POSTs that read and check first and write only at the end (a large upload, checked row by
# row before anything is stored). They change data, so they are writes in every other way:
# a read-only API token is refused and CSRF is checked as for any write. But their
# transaction starts read-only and they do not wait in the writers' queue: the service turns
# the session into a writer (``db.write_here``) only for its short write, so a long check
# never holds SQLite's write lock while every other writer waits (issue 14). The service
# must call ``write_here`` before its first change.
READ_FIRST_POSTS = frozenset({"/api/v1/initiatives/import", "/initiatives/import"})
# What a user whose organisation requires TOTP may still open before enrolling.
ENROLMENT_PATHS = ("/account/totp", "/logout", "/static/")


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error.

    A request that may change data opens it as a writer (its body was read before, see
    ``web.spool``), unless it reads first (``READ_FIRST_POSTS``): it becomes a writer only
    for its last, short step. A GET's transaction (and a question sent as a POST) only
    reads: what a read must record (the audit entry of an export) is queued and written after it, in
    a short write transaction of its own, before the answer goes out; if that cannot be
    written the answer is an error, never data whose reading went unrecorded.
    """
    factory = request.app.state.session_factory
    session: Session = factory()
    request.state.db = session
    after_read: list[Callable[[Session], None]] = []
    if request.method in SAFE_METHODS or starts_reading(request.method, request.url.path):
        session.info[AFTER_READ] = after_read
    else:
        begin_writing(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    if after_read:
        write_apart(factory, after_read)


DbSession = Annotated[Session, Depends(get_db, scope="function")]


def asks_only(method: str, path: str) -> bool:
    """A POST that only asks a question (it reads, like a GET)."""
    return method == "POST" and path in QUESTION_POSTS


def reads_first(method: str, path: str) -> bool:
    """A POST that reads and checks first and writes only at the end (``READ_FIRST_POSTS``)."""
    return method == "POST" and path in READ_FIRST_POSTS


def starts_reading(method: str, path: str) -> bool:
    """A request that is not a GET but whose transaction starts read-only, outside the
    writers' queue: a question, or a POST that reads first."""
    return asks_only(method, path) or reads_first(method, path)


def _asks_only(request: Request) -> bool:
    return asks_only(request.method, request.url.path)


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def get_login_session(request: Request, db: DbSession) -> LoginSession | None:
    """The browser session named by the cookie, when it is live (second factor or not)."""
    if "login_session" not in request.state._state:
        found = service.session_from_cookie(db, request.cookies.get(SESSION_COOKIE))
        request.state.login_session = found
        # Kept as plain text: an error page renders after the rollback has expired the row.
        request.state.session_csrf = found.csrf_token if found is not None else None
    session: LoginSession | None = request.state.login_session
    return session


def _note_token_use(factory: sessionmaker[Session], token_id: str, at: datetime) -> None:
    """After the answer: record when a token was used, in a short transaction of its own
    that never waits for the write lock; skipped when busy (the next use tries again)."""
    try:
        write_apart(
            factory, [partial(service.record_token_use, token_id=token_id, at=at)], wait=False
        )
    except OperationalError as error:
        if not is_contention(error):
            raise
        log.debug("token %s: last-used time skipped, the database is busy", token_id)


def note_token_use(request: Request, background: BackgroundTasks, token: ApiToken) -> None:
    """Record the token's use after the answer, when its last-used time is older than
    ``token_last_used_every_seconds`` (the request's own transaction never writes it)."""
    every = timedelta(seconds=request.app.state.settings.token_last_used_every_seconds)
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= every:
        background.add_task(_note_token_use, request.app.state.session_factory, token.id, now)


def get_optional_actor(
    request: Request,
    db: DbSession,
    login_session: Annotated[LoginSession | None, Depends(get_login_session)],
    background: BackgroundTasks,
) -> Actor | None:
    """Who is asking: a bearer token, a fully signed-in browser session, or nobody."""
    if "actor" in request.state._state:
        cached: Actor | None = request.state.actor
        return cached
    actor: Actor | None = None
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        token = service.token_from_secret(db, credentials.strip())
        if token is None:
            raise NotAuthenticated("the API token is unknown, expired or revoked")
        note_token_use(request, background, token)
        actor = service.actor_for(token.user, token=token)
        if (
            request.method not in SAFE_METHODS
            and not _asks_only(request)
            and not writes_at_all(actor)
        ):
            raise Forbidden("this API token is read-only")
    elif login_session is not None and login_session.second_factor_done:
        actor = service.actor_for(login_session.user)
        if service.must_enrol_totp(login_session.user) and not request.url.path.startswith(
            ENROLMENT_PATHS
        ):
            raise service.EnrolmentRequired(
                "your organisation requires a second factor: enrol one before anything else"
            )
        if request.method not in SAFE_METHODS and request.url.path.startswith("/api/"):
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent, login_session.csrf_token):
                raise Forbidden(f"send the {CSRF_HEADER} header to change data from a browser")
    request.state.actor = actor
    db.info[SESSION_ACTOR] = actor
    return actor


OptionalActor = Annotated[Actor | None, Depends(get_optional_actor)]


def get_current_actor(actor: OptionalActor) -> Actor:
    if actor is None:
        raise NotAuthenticated("sign in, or send an API token as 'Authorization: Bearer ...'")
    return actor


CurrentActor = Annotated[Actor, Depends(get_current_actor)]


@dataclass(frozen=True)
class PermissionCheck:
    """The dependency :func:`require` makes; it names its permission so that the navigation
    can tell, from a page's own route, who may open the page."""

    permission: Permission

    def __call__(self, actor: CurrentActor) -> Actor:
        if self.permission not in permissions_of(actor.roles):
            raise Forbidden(f"this needs the permission {self.permission.value}")
        return actor


def require(permission: Permission) -> Callable[[Actor], Actor]:
    """A dependency that lets the request through only with ``permission``."""
    return PermissionCheck(permission)


def client_address(request: Request) -> str:
    return _client_address(request)


async def check_form_csrf(
    request: Request,
    login_session: Annotated[LoginSession | None, Depends(get_login_session)],
) -> None:
    """Every state-changing page form carries ``csrf_token``; refuse the post without it."""
    expected = (
        login_session.csrf_token
        if login_session is not None
        else request.cookies.get(templating.ANON_CSRF_COOKIE)
    )
    await _require_form_token(request, expected)


async def check_sign_out_csrf(
    request: Request,
    login_session: Annotated[LoginSession | None, Depends(get_login_session)],
) -> None:
    """Signing out of a live session needs its token; with no live session there is nothing
    to protect, so an expired session still signs out instead of answering 403."""
    if login_session is not None:
        await _require_form_token(request, login_session.csrf_token)


async def _require_form_token(request: Request, expected: str | None) -> None:
    form = await request.form()
    sent = form.get("csrf_token")
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        await form.close()  # a refused upload's temporary files are not left for the collector
        raise Forbidden("this form has expired or was not sent from this site; reload and retry")


CsrfChecked = Depends(check_form_csrf)
"""Use as ``dependencies=[CsrfChecked]`` on every page route that changes data."""

SignOutCsrfChecked = Depends(check_sign_out_csrf)
