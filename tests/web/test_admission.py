"""Admission (issue 14): a few requests work at once, the others wait their turn in order of
arrival, and a request leaves its place as soon as its answer starts."""

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from aseancyber.app import create_app
from aseancyber.settings import ANYIO_DEFAULT_THREADS, THREADS_BESIDE_ADMITTED, Settings
from aseancyber.web.admission import Admission
from tests.conftest import NO_DATABASE_URL, make_settings

WAIT = 10.0  # the most any step may take before the test fails


def _run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Runs ``scenario`` in an event loop of its own thread: a test before this one in the
    same worker (a browser test's sync API) may leave this thread's loop running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(scenario())).result(timeout=3 * WAIT)


class HeldApp:
    """An ASGI app that starts each request's answer only when the test lets it go, and
    records the order in which requests began working."""

    def __init__(self) -> None:
        self.began: list[str] = []
        self.release: dict[str, asyncio.Event] = {}
        self.working: dict[str, asyncio.Event] = {}

    def expect(self, name: str) -> None:
        self.release[name] = asyncio.Event()
        self.working[name] = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = scope["path"].strip("/")
        self.began.append(name)
        self.working[name].set()
        await self.release[name].wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        body_held = self.release.get(f"{name}-body")
        if body_held is not None:
            await body_held.wait()
        await send({"type": "http.response.body", "body": b"ok"})


def _scope(name: str, method: str = "GET") -> Scope:
    return {"type": "http", "method": method, "path": f"/{name}", "headers": []}


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: Message) -> None:
    return None


def test_requests_beyond_the_limit_wait_in_order_of_arrival() -> None:
    async def scenario() -> None:
        inner = HeldApp()
        admission = Admission(inner, limit=2)
        for name in ("a", "b", "c", "d"):
            inner.expect(name)
        # Tasks start in the order they were created: a, b, c, d arrive in that order.
        tasks = {
            name: asyncio.create_task(admission(_scope(name), _receive, _send))
            for name in ("a", "b", "c", "d")
        }
        await asyncio.wait_for(inner.working["b"].wait(), WAIT)
        assert inner.began == ["a", "b"]  # c and d wait: two places
        inner.release["b"].set()
        await asyncio.wait_for(tasks["b"], WAIT)
        await asyncio.wait_for(inner.working["c"].wait(), WAIT)
        assert inner.began == ["a", "b", "c"]  # c came before d
        inner.release["a"].set()
        inner.release["c"].set()
        inner.release["d"].set()
        await asyncio.wait_for(asyncio.gather(*tasks.values()), WAIT)
        assert inner.began == ["a", "b", "c", "d"]

    _run(scenario)


def test_a_place_is_left_when_the_answer_starts_not_when_its_body_ends() -> None:
    async def scenario() -> None:
        inner = HeldApp()
        admission = Admission(inner, limit=1)
        for name in ("slow-reader", "next"):
            inner.expect(name)
        inner.release["slow-reader-body"] = asyncio.Event()  # its body never goes out
        inner.release["slow-reader"].set()
        inner.release["next"].set()
        slow = asyncio.create_task(admission(_scope("slow-reader"), _receive, _send))
        following = asyncio.create_task(admission(_scope("next"), _receive, _send))
        await asyncio.wait_for(following, WAIT)  # admitted while the first still streams
        assert not slow.done()
        inner.release["slow-reader-body"].set()
        await asyncio.wait_for(slow, WAIT)

    _run(scenario)


def test_exempt_requests_never_wait() -> None:
    async def scenario() -> None:
        inner = HeldApp()
        admission = Admission(inner, limit=1, exempt=lambda method, path: method == "POST")
        for name in ("reader", "writer"):
            inner.expect(name)
        reader = asyncio.create_task(admission(_scope("reader"), _receive, _send))
        await asyncio.wait_for(inner.working["reader"].wait(), WAIT)
        writer = asyncio.create_task(admission(_scope("writer", "POST"), _receive, _send))
        await asyncio.wait_for(inner.working["writer"].wait(), WAIT)  # the place is taken
        inner.release["writer"].set()
        inner.release["reader"].set()
        await asyncio.wait_for(asyncio.gather(reader, writer), WAIT)

    _run(scenario)


def test_the_app_admits_a_few_requests_at_once_by_default(settings: Settings) -> None:
    assert Settings.model_fields["request_concurrency"].default == 8
    app = create_app(settings.model_copy(update={"request_concurrency": 3}))
    layers = _layers(app.build_middleware_stack())
    admitted = [layer for layer in layers if isinstance(layer, Admission)]
    assert len(admitted) == 1
    assert admitted[0].limit == 3
    exempt = admitted[0].exempt
    if settings.is_sqlite:
        # The writers queue one at a time before (WriterQueue): the writer holding the lock
        # is never kept waiting behind readers.
        assert exempt is not None
        assert exempt("POST", "/api/v1/cases")
        assert not exempt("GET", "/api/v1/cases")
        assert not exempt("POST", "/api/v1/matching")
    else:
        assert exempt is None  # PostgreSQL: writers are admitted like everyone else
    off = create_app(settings.model_copy(update={"request_concurrency": 0}))
    assert not any(isinstance(layer, Admission) for layer in _layers(off.build_middleware_stack()))


def _layers(outermost: object) -> list[object]:
    """The middleware layers of an app, outermost first."""
    layers: list[object] = []
    layer: object = outermost
    while layer is not None:
        layers.append(layer)
        layer = getattr(layer, "app", None)
    return layers


@pytest.mark.parametrize("admitted", [2, 8])
def test_threads_and_sqlite_connections_follow_what_is_admitted(admitted: int) -> None:
    derived = make_settings(NO_DATABASE_URL, request_concurrency=admitted)
    assert derived.admitted_requests() == admitted
    assert derived.request_threads() == admitted + THREADS_BESIDE_ADMITTED
    assert derived.sqlite_pool_size() == 2 * admitted + THREADS_BESIDE_ADMITTED + 2
    # 0 admits everyone at once: anyio's own thread limit.
    unbounded = make_settings(NO_DATABASE_URL, request_concurrency=0)
    assert unbounded.admitted_requests() == 0
    assert unbounded.request_threads() == ANYIO_DEFAULT_THREADS
