"""Several server processes: with PROMETHEUS_MULTIPROC_DIR, /metrics sums every process."""

import os
import subprocess
import sys
from pathlib import Path

COUNT_ONE = """
from aseancyber.ops.metrics import REQUESTS
REQUESTS.labels("GET", "/healthz", "200").inc()
"""
SCRAPE = """
from prometheus_client import generate_latest
from aseancyber.ops.metrics import process_registry
print(generate_latest(process_registry()).decode())
"""


def run(code: str, folder: Path) -> str:
    environment = os.environ | {"PROMETHEUS_MULTIPROC_DIR": str(folder)}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout


def test_the_counts_of_every_server_process_are_summed(tmp_path: Path) -> None:
    run(COUNT_ONE, tmp_path)
    run(COUNT_ONE, tmp_path)  # another process: its own file in the shared folder
    scraped = run(SCRAPE, tmp_path)
    line = 'aseancyber_http_requests_total{method="GET",route="/healthz",status="200"} 2.0'
    assert line in scraped
