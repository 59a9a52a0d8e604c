"""Loopback ports for the servers tests start (subprocess nodes, medallion, SMTP, uvicorn).

A port is probed free and then handed to a server that binds it a moment later. Picked by
the kernel from its ephemeral range, another pytest-xdist worker (or an outgoing
connection) could be handed the same port in that moment. So each worker takes its ports
from a block of its own below the ephemeral range (32768 and up on Linux), starting at a
random place in the block: two workers never probe the same port.
"""

import os
import random
import socket

FIRST_PORT = 20000
BLOCK = 500  # ports per worker: 25 blocks (no xdist, gw0..gw23) fit below 32768
_next: int | None = None


def _worker_number() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw3" under xdist, unset otherwise
    return int(worker[2:]) + 1 if worker.startswith("gw") else 0


def free_port() -> int:
    """A loopback port no other worker of this run will be given, free when probed."""
    global _next  # noqa: PLW0603 - one cursor per worker process
    start = FIRST_PORT + _worker_number() % 25 * BLOCK
    if _next is None:
        _next = random.randrange(BLOCK)
    for _ in range(BLOCK):
        port = start + _next
        _next = (_next + 1) % BLOCK
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port in {start}..{start + BLOCK - 1}")
