"""TAXII ingest in CPU time per object: what the server process and the database spend.

On a shared machine wall-clock objects/s move with the neighbours' load; the CPU time a
process spends per object barely does. The same envelopes as :mod:`benchmarks.sharing` are
posted to an aseancyber server (SQLite, and PostgreSQL when
``ASEANCYBER_BENCH_POSTGRES_URL`` names an empty database it may wipe) up to each N, and
for each segment it reports objects/s, the server process's CPU microseconds per object
(user + system, from ``/proc``) and, on PostgreSQL, the CPU microseconds per object of the
server's database backends (found in ``pg_stat_activity``). The machine's load average is
printed with the results. Run: ``.venv/bin/python -m benchmarks sharing_cpu``.
"""

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.sharing import ENVELOPE, TAXII, Target, aseancyber_server, console, envelope
from benchmarks.sharing import sizes as default_sizes

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Segment:
    n: int
    per_second: float
    app_us: float  # server process CPU per object
    database_us: float | None  # PostgreSQL backends' CPU per object


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def backend_pids(database_url: str) -> list[int]:
    import psycopg  # noqa: PLC0415

    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [int(pid) for (pid,) in rows]


def backends_cpu(database_url: str | None) -> float | None:
    if database_url is None:
        return None
    total = 0.0
    for pid in backend_pids(database_url):
        try:
            total += cpu_seconds(pid)
        except FileNotFoundError:
            continue
    return total


def run(target: Target, ns: list[int], database_url: str | None) -> list[Segment]:
    segments = []
    for n in ns:
        count = n - target.stored
        bodies = [envelope(start) for start in range(target.stored, n, ENVELOPE)]
        app_before, db_before = cpu_seconds(target.pid), backends_cpu(database_url)
        started = time.perf_counter()
        for body in bodies:
            answer = target.session.post(
                target.objects_url, data=body, headers={"Content-Type": TAXII}, timeout=120
            )
            answer.raise_for_status()
        spent = time.perf_counter() - started
        app_after, db_after = cpu_seconds(target.pid), backends_cpu(database_url)
        target.stored = n
        database = None
        if db_before is not None and db_after is not None:
            database = (db_after - db_before) / count * 1e6
        segments.append(Segment(n, count / spent, (app_after - app_before) / count * 1e6, database))
        if target.after_ingest is not None:
            target.after_ingest()
    return segments


def main() -> None:
    ns = default_sizes()
    workdir = Path(tempfile.mkdtemp(prefix="aseancyber-bench-cpu-"))
    results: dict[str, list[Segment]] = {}
    try:
        with aseancyber_server(f"sqlite:///{workdir / 'cpu.db'}", "SQLite") as target:
            results["SQLite"] = run(target, ns, None)
        postgres = os.environ.get("ASEANCYBER_BENCH_POSTGRES_URL")
        if postgres:
            with aseancyber_server(postgres, "PostgreSQL") as target:
                results["PostgreSQL"] = run(target, ns, postgres)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    load = Path("/proc/loadavg").read_text().strip()
    console.print(f"load average after the run: {load}")
    for name, segments in results.items():
        for s in segments:
            database = "-" if s.database_us is None else f"{s.database_us:.1f}"
            console.print(
                f"{name:10} N={s.n:>9,}  {s.per_second:>9,.0f} obj/s  "
                f"app CPU {s.app_us:6.1f} us/obj  database CPU {database} us/obj"
            )


if __name__ == "__main__":
    main()
