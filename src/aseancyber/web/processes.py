"""Several server processes on one port, each with its own listening socket (issue 14).

uvicorn's own ``--workers`` shares one listening socket between its processes, and a
process that wakes for a new connection accepts every connection waiting at that moment
(asyncio accepts up to the backlog in one go). Fifty clients connecting together were
measured spread 28, 15, 7 and 0 over four processes: each process gets the same share of
the processors, so the clients of the crowded one waited three times as long for the
whole run (PostgreSQL p50 200 ms, p95 1.4 s).

Here each process listens on a socket of its own, all bound to the same address with
``SO_REUSEPORT``: the kernel hands each new connection to one of the sockets by a hash of
its addresses, so connections spread evenly whatever the processes are doing when they
arrive. A hash still spreads fifty connections unevenly (measured 16, 16, 11 and 7), so a
process holding more than its share (:class:`Spread`: every process writes its number of
open connections into an array they share) answers with ``Connection: close``
(:class:`Rebalance`), and the client's next connection lands wherever the kernel sends it
(HTTP/1.1 clients open a new connection for the next request; nothing is lost). The
counts settle within a few requests per connection.

:class:`Supervisor` starts the processes (uvicorn's own process class: the app
is imported by name in each), starts a new one on the same socket when one stops (the
socket stays open here, so connections that arrive meanwhile wait in its queue rather
than being refused), and stops them all on SIGINT or SIGTERM. A process that fails before
it serves (the app cannot be imported, the database is unreachable) stops them all, as
it would fail the same way each time. Unlike uvicorn's supervisor it does not ping the
processes: uvicorn replaced one that had not answered within 5 s, which a process still
importing the platform on a loaded machine had not, and its workers were restarted in a
loop and never served. Each process is told by the kernel to stop when the supervisor
dies (``PR_SET_PDEATHSIG``), so none is left serving a socket that nobody watches.
"""

import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import threading
from collections.abc import MutableSequence
from dataclasses import dataclass
from types import FrameType
from typing import ClassVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn import Config, Server
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Process

logger = logging.getLogger("aseancyber.serve")

CHECK_SECONDS = 0.5
PR_SET_PDEATHSIG = 1  # prctl(2)
SLACK = 1
"""A process closes connections while it holds more than its fair share plus this many."""


def listening_sockets(host: str, port: int, count: int, *, backlog: int) -> list[socket.socket]:
    """``count`` sockets listening on ``host:port`` together, the kernel balancing new
    connections between them. Raises :class:`OSError` if the address is taken, also by
    another server's group of sockets (which would otherwise let this one join it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:  # no SO_REUSEPORT: joins no group
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            sock.listen(backlog)
            sock.set_inheritable(True)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


@dataclass
class Spread:
    """This server process's place among its siblings, and the open connections of each."""

    counts: MutableSequence[int]  # shared between the processes, one slot each
    slot: int
    server: Server

    def update(self) -> int:
        mine = len(self.server.server_state.connections)
        self.counts[self.slot] = mine
        return mine

    def crowded(self) -> bool:
        """Holds this process more connections than its fair share and the slack?"""
        mine = self.update()
        fair = -(-sum(self.counts) // len(self.counts))
        return mine > fair + SLACK


class CountingServer(Server):
    """uvicorn's server that keeps its slot of the shared counts current (every tick: 0.1 s)."""

    def __init__(self, config: Config, spread_counts: MutableSequence[int], slot: int) -> None:
        super().__init__(config)
        self.spread = Spread(spread_counts, slot, self)

    async def on_tick(self, counter: int) -> bool:
        self.spread.update()
        return await super().on_tick(counter)


class Rebalance:
    """ASGI middleware: a crowded process asks the client to reconnect after this answer."""

    spread: ClassVar[Spread | None] = None  # set in a server process that Supervisor started

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        spread = Rebalance.spread
        if spread is None or scope["type"] != "http" or scope.get("http_version") != "1.1":
            await self.app(scope, receive, send)
            return

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start" and spread.crowded():
                headers = [*message.get("headers", []), (b"connection", b"close")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_closing)


class ServerProcess(Process):
    """uvicorn's server process, on one socket, counting its connections in a shared slot."""

    def __init__(
        self, config: Config, sock: socket.socket, counts: MutableSequence[int], slot: int
    ) -> None:
        self.counts = counts
        self.slot = slot
        counts[slot] = 0
        self.supervisor_pid = os.getpid()
        super().__init__(config, [sock])

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # in the child
        _stop_with_parent()
        if os.getppid() != self.supervisor_pid:
            return  # the supervisor died before the request above took effect
        server = CountingServer(self.config, self.counts, self.slot)
        self._server = server
        Rebalance.spread = server.spread
        super().target(sockets)


def _stop_with_parent() -> None:
    """Ask Linux to send this process SIGTERM when the supervisor dies, even by SIGKILL (a
    server process left behind would keep serving its socket with no one to replace it)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return  # not Linux with glibc: the supervisor's own SIGTERM still stops it


class Supervisor:
    """Keeps one server process serving on each socket until told to stop."""

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        self.config = config
        self.sockets = sockets
        self.counts: MutableSequence[int] = multiprocessing.get_context("spawn").Array(
            "i", len(sockets), lock=False
        )
        self.processes: list[ServerProcess] = []
        self.stopping = threading.Event()
        self.failed = False

    def run(self) -> None:
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, self._stop)
        self.processes = [self._start(slot) for slot in range(len(self.sockets))]
        try:
            while not self.stopping.wait(CHECK_SECONDS):
                self._replace_stopped()
        finally:
            for process in self.processes:
                process.terminate()
            for process in self.processes:
                process.join()
            for sock in self.sockets:
                sock.close()

    def _start(self, slot: int) -> ServerProcess:
        process = ServerProcess(self.config, self.sockets[slot], self.counts, slot)
        process.start()
        return process

    def _replace_stopped(self) -> None:
        for place, process in enumerate(self.processes):
            if process.process.is_alive():
                continue
            process.join()
            process.kill()  # closes its ends of the health-check pipe; it has exited
            if process.exitcode == STARTUP_FAILURE:
                logger.error("server process %s failed to start: stopping", process.pid)
                self.failed = True
                self.stopping.set()
                return
            logger.warning(
                "server process %s stopped (exit status %s): starting another",
                process.pid,
                process.exitcode,
            )
            self.processes[place] = self._start(place)

    def _stop(self, number: int, _frame: FrameType | None) -> None:
        logger.info("%s received: stopping the server processes", signal.Signals(number).name)
        self.stopping.set()
