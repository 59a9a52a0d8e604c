"""Server processes on one port: each its own socket, connections spread (issue 14)."""

import socket
from types import SimpleNamespace
from typing import Any, cast

import pytest
from starlette.types import Message, Receive, Scope, Send

from aseancyber.web.processes import Rebalance, Spread, listening_sockets


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_kernel_spreads_new_connections_over_every_socket() -> None:
    port = _free_port()
    sockets = listening_sockets("127.0.0.1", port, 3, backlog=128)
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(60)]
    try:
        accepted = []
        for sock in sockets:
            sock.setblocking(False)
            count = 0
            while True:
                try:
                    connection, _ = sock.accept()
                except BlockingIOError:
                    break
                connection.close()
                count += 1
            accepted.append(count)
        assert sum(accepted) == 60
        assert min(accepted) > 0  # all 60 on two of three sockets: about 1 in 10^10
    finally:
        for item in [*clients, *sockets]:
            item.close()


def test_an_address_in_use_is_refused_and_nothing_is_left_open() -> None:
    port = _free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        with pytest.raises(OSError, match="in use"):
            listening_sockets("127.0.0.1", port, 2, backlog=16)
    # Nothing of the failed attempt holds the port: it can be listened on again.
    group = listening_sockets("127.0.0.1", port, 2, backlog=16)
    # A second server started on the same port is refused too, rather than joining the
    # first one's group and taking half of its connections.
    with pytest.raises(OSError, match="in use"):
        listening_sockets("127.0.0.1", port, 2, backlog=16)
    for sock in group:
        sock.close()


def _spread(connections: int, counts: list[int], slot: int = 0) -> Spread:
    server = SimpleNamespace(server_state=SimpleNamespace(connections=set(range(connections))))
    return Spread(counts, slot, cast(Any, server))


@pytest.mark.parametrize(
    ("mine", "others", "crowded"),
    [
        (28, [15, 7, 0], True),  # what uvicorn's shared socket gave fifty clients
        (16, [16, 11, 7], True),  # the kernel's hash alone: fair share 13, slack 1
        (14, [14, 13, 9], False),
        (13, [13, 12, 12], False),
        (3, [0, 0, 0], True),  # fair share 1 (3 over 4), slack 1
        (2, [0, 0, 0], False),
        (0, [0, 0, 0], False),
    ],
)
def test_a_process_is_crowded_above_its_fair_share_and_the_slack(
    mine: int, others: list[int], crowded: bool
) -> None:
    counts = [0, *others]
    spread = _spread(mine, counts)
    assert spread.crowded() is crowded
    assert counts[0] == mine  # its own count is published for the others


async def _answer(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1")]})
    await send({"type": "http.response.body", "body": b"ok"})


async def _headers_of(scope: Scope) -> list[tuple[bytes, bytes]]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await Rebalance(_answer)(scope, receive, send)
    return list(sent[0]["headers"])


@pytest.mark.anyio
async def test_a_crowded_process_asks_the_client_to_connect_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scope: Scope = {"type": "http", "http_version": "1.1", "method": "GET", "path": "/"}
    close = (b"connection", b"close")
    monkeypatch.setattr(Rebalance, "spread", None)  # one process (or the tests): untouched
    assert await _headers_of(scope) == [(b"x-a", b"1")]
    monkeypatch.setattr(Rebalance, "spread", _spread(20, [0, 10, 10, 10]))
    assert await _headers_of(scope) == [(b"x-a", b"1"), close]
    assert await _headers_of({**scope, "http_version": "2"}) == [(b"x-a", b"1")]
    monkeypatch.setattr(Rebalance, "spread", _spread(10, [0, 10, 10, 10]))
    assert await _headers_of(scope) == [(b"x-a", b"1")]
