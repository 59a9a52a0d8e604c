"""Memory for one large envelope: POST it to a fresh aseancyber (SQLite) server and read
the server process's peak resident memory. The target: under 3x the envelope's size."""

import os
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from benchmarks.sharing import TAXII, aseancyber_server, console, indicator


def big_envelope_mb() -> int:
    return 10 if os.environ.get("ASEANCYBER_BENCH_QUICK") else 100


def write_envelope(path: Path, megabytes: int) -> int:
    """An envelope of indicators of about ``megabytes`` MB, written piece by piece."""
    limit = megabytes * 1024 * 1024
    written = 0
    count = 0
    with path.open("wb") as out:
        out.write(b'{"objects":[')
        while written < limit:
            piece = orjson.dumps(indicator(10_000_000 + count))
            out.write(piece if count == 0 else b"," + piece)
            written += len(piece) + 1
            count += 1
        out.write(b"]}")
    return count


def _rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


@dataclass
class MemoryMeasure:
    megabytes: float
    objects: int
    seconds: float
    before_mib: float
    peak_mib: float
    status: int


def measure_big_envelope(workdir: Path) -> MemoryMeasure:
    """POST one large envelope to a fresh aseancyber (SQLite) server and read the server
    process's peak resident memory (VmHWM) before and after."""
    path = workdir / "big-envelope.json"
    count = write_envelope(path, big_envelope_mb())
    size = path.stat().st_size
    with aseancyber_server(f"sqlite:///{workdir / 'big.db'}", "aseancyber (SQLite)") as t:
        pid = t.pid
        before = _rss_kib(pid, "VmHWM")
        started = time.perf_counter()
        with path.open("rb") as body:
            answer = t.session.post(
                t.objects_url, data=body, headers={"Content-Type": TAXII}, timeout=3600
            )
        spent = time.perf_counter() - started
        peak = _rss_kib(pid, "VmHWM")
    path.unlink()
    return MemoryMeasure(size / 2**20, count, spent, before / 1024, peak / 1024, answer.status_code)


def report_memory(measure: MemoryMeasure) -> None:
    growth = measure.peak_mib - measure.before_mib
    console.print(
        f"One {measure.megabytes:,.0f} MB envelope ({measure.objects:,} indicators) to aseancyber "
        f"(SQLite): HTTP {measure.status} in {measure.seconds:,.1f} s "
        f"({measure.objects / measure.seconds:,.0f} obj/s); server peak RSS "
        f"{measure.peak_mib:,.0f} MiB (before: {measure.before_mib:,.0f} MiB, growth "
        f"{growth:,.0f} MiB = {growth / measure.megabytes:.2f}x the envelope; peak = "
        f"{measure.peak_mib / measure.megabytes:.2f}x; target < 3x)"
    )
