"""``aseancyber serve --workers N``: the production shape (issue 14)."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from aseancyber.settings import Environment, Settings
from aseancyber.web import processes
from tests.cli.conftest import RunCli
from tests.conftest import TEST_SECRET


def test_serve_with_workers_gives_each_process_the_database_and_its_share_of_the_pool(
    initialised: RunCli, cli_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: dict[str, Any] = {}

    def run(supervisor: processes.Supervisor) -> None:  # no process is started here
        config = supervisor.config
        started.update(
            target=config.app,
            factory=config.factory,
            workers=config.workers,
            sockets=len(supervisor.sockets),
            timeout_keep_alive=config.timeout_keep_alive,
        )
        for sock in supervisor.sockets:
            sock.close()

    monkeypatch.setattr(processes.Supervisor, "run", run)
    # Not the test process's logging: it would write to the runner's stream once closed.
    monkeypatch.setattr(uvicorn.Config, "configure_logging", lambda _config: None)
    # Restored after the test: serve hands these to its worker processes.
    monkeypatch.setenv("ASEANCYBER_DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("ASEANCYBER_WEB_WORKERS", "1")
    monkeypatch.setenv("MALLOC_ARENA_MAX", "2")
    result = initialised("serve", "--workers", "4", "--port", str(_free_port()))
    assert result.exit_code == 0, result.output
    assert "4 server processes" in result.output
    # Worker processes import the app by name and read their settings from the
    # environment: the database chosen with --database, and how many they are.
    assert started["target"] == "aseancyber.app:create_app"
    assert started["factory"] is True
    assert started["workers"] == 4
    assert started["sockets"] == 4  # one each (web/processes.py)
    # Idle connections outlive a proxy's idle timeout: never closed under a reused one.
    assert started["timeout_keep_alive"] == 75
    assert os.environ["ASEANCYBER_DATABASE_URL"] == cli_url
    assert os.environ["ASEANCYBER_WEB_WORKERS"] == "4"


def test_serve_refuses_a_nonsense_worker_count(initialised: RunCli) -> None:
    result = initialised("serve", "--workers", "0")
    assert result.exit_code == 2
    assert "--workers" in result.output


def test_each_worker_process_gets_its_share_of_the_database_connections() -> None:
    def shape(**values: Any) -> tuple[int, int]:
        return Settings(
            environment=Environment.TEST, secret_key=TEST_SECRET, _env_file=None, **values
        ).pool_shape()

    assert shape() == (30, 30)  # one process: all 60, half kept open
    assert shape(web_workers=4) == (7, 8)  # 4 x 15 = 60
    assert shape(web_workers=4, database_max_connections=200) == (25, 25)
    assert shape(web_workers=4, database_pool_size=5, database_max_overflow=0) == (5, 0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> set[int]:
    """The server processes of the supervisor ``pid`` (not multiprocessing's tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    }


def _wait_until(check: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = check()
        except (httpx.HTTPError, OSError):
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {seconds} s")


def _gone(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "zombie" in status.read_text()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_serve_with_workers_replaces_a_stopped_process_and_stops_with_the_supervisor(
    initialised: RunCli, cli_url: str, tmp_path: Path, stop: signal.Signals
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ASEANCYBER_DATABASE_URL": cli_url, "ASEANCYBER_RUN_JOBS_IN_PROCESS": "0"}
    program = str(Path(sys.executable).parent / "aseancyber")
    command = [program, "serve", "--port", str(port), "--workers", "2"]
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=output)

    def healthy() -> bool:
        return httpx.get(f"{base}/healthz", timeout=5).status_code == 200

    def two_processes() -> set[int]:
        children = _children(server.pid)
        return children if len(children) == 2 else set()

    children: set[int] = set()
    try:
        _wait_until(healthy, 120, "both processes serving")
        first = _wait_until(two_processes, 60, "two server processes")
        os.kill(min(first), signal.SIGKILL)
        _wait_until(lambda: two_processes() - first, 60, "the killed process replaced")
        # Every new connection is answered again: the socket of the killed process stayed
        # open in the supervisor and its replacement serves it.
        _wait_until(lambda: all(healthy() for _ in range(20)), 120, "every connection answered")
        children = _children(server.pid)
        server.send_signal(stop)
        status = server.wait(timeout=60)
        if stop == signal.SIGTERM:
            assert status == 0, log.read_text()
        # Even a supervisor killed outright leaves no server process behind.
        _wait_until(lambda: all(_gone(child) for child in children), 60, "children stopped")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        for child in children:
            if not _gone(child):
                os.kill(child, signal.SIGKILL)


def test_serve_reports_an_address_in_use(initialised: RunCli) -> None:
    port = _free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = initialised("serve", "--port", str(port), "--workers", "2")
    assert result.exit_code == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in result.output
