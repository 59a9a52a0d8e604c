"""Requests admitted to work a few at a time, in order of arrival (issue 14).

One server process runs Python one thread at a time. With fifty requests in its thread
pool at once, each got a fiftieth of the processor: every answer took fifty times its own
work, a page that costs 80 ms took four seconds, and a writer held SQLite's one write lock
for all of that time while the writers behind it queued. :class:`Admission` lets at most
``limit`` requests work at once and queues the rest in arrival order (the queue costs an
event-loop waiter, no thread and no database connection), so each request runs at close to
its own speed once admitted and the waits are shared out evenly.

On SQLite the writers already work one at a time (``web.spool.WriterQueue``): they are
``exempt`` here, so the one writer holding the write lock never waits behind readers.

A request leaves its place when its answer starts: what a route returns is computed by
then, and a slow reader of a long streamed answer (an export) must not keep a place that
others are waiting for. Request bodies are read before (``web.spool``), so a slow sender
never holds a place either.
"""

import asyncio
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Admission:
    """At most ``limit`` HTTP requests of this process work at once; the others wait their
    turn in arrival order. Requests for which ``exempt(method, path)`` holds never wait."""

    def __init__(
        self, app: ASGIApp, *, limit: int, exempt: Callable[[str, str], bool] | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.places = asyncio.Semaphore(limit)
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (
            self.exempt is not None and self.exempt(scope["method"], scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        await self.places.acquire()
        holding = True

        def leave() -> None:
            nonlocal holding
            if holding:
                holding = False
                self.places.release()

        async def send_and_leave(message: Message) -> None:
            if message["type"] == "http.response.start":
                leave()  # the answer is ready: the next request may work
            await send(message)

        try:
            await self.app(scope, receive, send_and_leave)
        finally:
            leave()
