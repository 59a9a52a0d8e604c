"""Request bodies read whole before the application sees the request (issue 14).

A request that changes data opens a write transaction (on SQLite, ``BEGIN IMMEDIATE``: the
one write lock of the database). If its body were read from the client inside that
transaction, a slow or stalled client would hold the lock and every other writer would
wait. :class:`SpoolBody` therefore reads the whole body first, into memory up to
``memory_bytes`` and into a temporary file beyond, then runs the application with a
``receive`` that replays it from there. Routes that stream a large body into the store
(TAXII envelopes, bundle uploads) read the spooled file directly with :func:`spooled_body`.
"""

import asyncio
import tempfile
from collections.abc import Callable
from typing import IO

from fastapi import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SPOOLED_BODY = "aseancyber.spooled_body"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REPLAY_CHUNK = 1 << 16


class SpoolBody:
    """Read the body of every request that may write (not GET/HEAD/OPTIONS) before the app
    runs; refuse it with ``too_large(path)`` past ``max_bytes``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        memory_bytes: int,
        too_large: Callable[[int, str], Response],
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.memory_bytes = memory_bytes
        self.too_large = too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        spool = tempfile.SpooledTemporaryFile(max_size=self.memory_bytes)  # noqa: SIM115 - closed below
        try:
            size = 0
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return  # the client went away before sending its body: nothing to do
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_bytes:
                    await self.too_large(self.max_bytes, scope["path"])(scope, receive, send)
                    return
                if chunk:
                    spool.write(chunk)
                more = message.get("more_body", False)
            spool.seek(0)
            scope[SPOOLED_BODY] = spool
            await self.app(scope, _replay(spool, size, receive), send)
        finally:
            spool.close()


def _replay(spool: IO[bytes], size: int, receive: Receive) -> Receive:
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()  # after the body only a disconnect can come
        chunk = spool.read(REPLAY_CHUNK)
        replayed = not chunk or spool.tell() >= size
        return {"type": "http.request", "body": chunk, "more_body": not replayed}

    return replay


def spooled_body(request: Request) -> IO[bytes]:
    """The request's body, already read whole, positioned at its start."""
    spool: IO[bytes] | None = request.scope.get(SPOOLED_BODY)
    if spool is None:
        # Only SpoolBody's own safe-method pass-through can get here (a GET has no body).
        raise LookupError("the request body was not spooled")
    spool.seek(0)
    return spool


def spooled_size(request: Request) -> int:
    """The size in bytes of the request's spooled body."""
    spool = spooled_body(request)
    spool.seek(0, 2)
    size = spool.tell()
    spool.seek(0)
    return size


class WriterQueue:
    """SQLite has one write lock. Requests that write wait for their turn here, on the event
    loop, before their transaction opens: a waiting writer holds no worker thread. Left to
    SQLite's busy handler, fifty waiting writers held the thread pool while the writer
    holding the lock waited for a free thread to finish its work (a convoy that ended
    only when the busy timeout did). A writer that waits longer than ``timeout`` answers
    503 with Retry-After. Reads and questions (``exempt``) never queue."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        timeout: float,
        exempt: Callable[[str, str], bool],
        busy: Callable[[], Response],
    ) -> None:
        self.app = app
        self.timeout = timeout
        self.exempt = exempt
        self.busy = busy
        self.turn = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in SAFE_METHODS
            or self.exempt(scope["method"], scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        try:
            await asyncio.wait_for(self.turn.acquire(), self.timeout)
        except TimeoutError:
            await self.busy()(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.turn.release()
