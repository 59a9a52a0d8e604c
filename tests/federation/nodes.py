"""Real aseancyber nodes for federation tests: separate processes, databases and ports.

Each node is set up only through its command line and its HTTP interfaces, as an
operator would: ``init``, ``user create``, ``token create``, ``serve``, then REST calls.
"""

import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
ASEANCYBER = str(ROOT / ".venv" / "bin" / "aseancyber")
PASSWORD = "federation-test-password-1"


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait for another process to reach a state (polled; never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        pause.wait(0.02)


class Node:
    """One aseancyber node: its own SQLite file, its own server process on a loopback port."""

    def __init__(self, directory: Path, name: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.name = name
        self.database = directory / f"{name}.db"
        self.url = f"sqlite:///{self.database}"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.api_root = f"{self.base}/taxii2/api/"
        self.server: subprocess.Popen[bytes] | None = None
        self.env = {
            **os.environ,
            "ASEANCYBER_SECRET_KEY": f"federation-test-secret-{name}-0123456789",
            "ASEANCYBER_BASE_URL": self.base,
            "ASEANCYBER_RUN_JOBS_IN_PROCESS": "false",  # the tests run syncs themselves
            "ASEANCYBER_PEER_SECRET": "",
            # The node runs in its own folder: it must import this checkout's code, whatever
            # PYTHONPATH (relative or unset) and the virtualenv's editable install say.
            "PYTHONPATH": str(ROOT / "src"),
        }

    def cli(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
        done = subprocess.run(
            [ASEANCYBER, "--database", self.url, *args],
            cwd=self.directory,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{args} failed: {done.stdout}\n{done.stderr}")
        return done.stdout + done.stderr

    def cli_process(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [ASEANCYBER, "--database", self.url, *args],
            cwd=self.directory,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def user(self, email: str, org: str, *roles: str) -> None:
        role_args = [part for role in roles for part in ("--role", role)]
        self.cli(
            "user",
            "create",
            email,
            "--name",
            email.split("@", maxsplit=1)[0],
            "--org",
            org,
            "--password",
            PASSWORD,
            *role_args,
        )

    def token(self, email: str) -> str:
        out = self.cli("token", "create", email, "--name", "federation", "--scope", "read_write")
        return [line for line in out.splitlines() if line.strip()][-1].strip()

    def start(self) -> None:
        log = (self.directory / "serve.log").open("ab")
        self.server = subprocess.Popen(
            [ASEANCYBER, "--database", self.url, "serve", "--port", str(self.port)],
            cwd=self.directory,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        log.close()
        try:
            wait_until(self._answers, 180, f"node {self.name} to serve")
        except AssertionError:
            tail = (self.directory / "serve.log").read_text()[-2000:]
            raise AssertionError(f"node {self.name} did not serve:\n{tail}") from None

    def _answers(self) -> bool:
        try:
            return httpx.get(self.base + "/taxii2/", timeout=1).status_code == 401
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """kill -9: no shutdown, no cleanup."""
        if self.server is not None:
            self.server.send_signal(signal.SIGKILL)
            self.server.wait(10)
            self.server = None

    def rest(self, token: str, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(
            method,
            self.base + path,
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def taxii_post(self, token: str, collection_id: str, objects: list[dict[str, Any]]) -> Any:
        response = httpx.post(
            f"{self.api_root}collections/{collection_id}/objects/",
            json={"objects": objects},
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/taxii+json;version=2.1",
                "Accept": "application/taxii+json;version=2.1",
            },
            timeout=120,
        )
        assert response.status_code == 202, response.text
        return response.json()

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the node's database directly (WAL: safe while the node runs)."""
        with sqlite3.connect(self.database, timeout=15) as connection:
            return list(connection.execute(sql, params).fetchall())

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                self.server.kill()
            self.server = None
