"""The floor of the sharing benchmark: the same envelopes parsed with orjson and inserted
with ``executemany`` into a bare SQLite table (id, type, modified, date_added, body), no
validation, no HTTP. What any TAXII server must add its own work to."""

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

import requests
from benchmarks.sharing import ENVELOPE, Measure, Target, envelope

FLOORS = {
    # The floor the target is judged against: the smallest table a store can answer a
    # lookup by id + version from, with the durability settings aseancyber runs SQLite with.
    "floor: orjson + executemany, keyed (SQLite)": "PRIMARY KEY (id, modified)",
    # For reference: the same with no key at all, a heap that only ever appends.
    "floor: orjson + executemany, no key (SQLite)": "",
}


def floors(ns: list[int], workdir: Path) -> list[Target]:
    return [floor(ns, workdir, name, key) for name, key in FLOORS.items()]


def floor(ns: list[int], workdir: Path, name: str, key: str) -> Target:
    """orjson + executemany into a bare SQLite table: what any server must add its work to."""
    path = workdir / f"floor-{len(key)}.db"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    columns = "id TEXT, type TEXT, modified TEXT, date_added TEXT, body TEXT"
    connection.execute(f"CREATE TABLE stix ({columns}{', ' + key if key else ''})")
    target = Target(name, "", requests.Session())
    for n in ns:
        count = n - target.stored
        spent = 0.0
        while target.stored < n:
            body = envelope(target.stored)
            started = time.perf_counter()
            objects = orjson.loads(body)["objects"]
            added = datetime.now(UTC).isoformat()
            connection.executemany(
                "INSERT INTO stix VALUES (?, ?, ?, ?, ?)",
                [
                    (o["id"], o["type"], o.get("modified"), added, orjson.dumps(o).decode())
                    for o in objects
                ],
            )
            connection.commit()
            spent += time.perf_counter() - started
            target.stored += ENVELOPE
        target.results[n] = Measure(ingest=count / spent)
    connection.close()
    path.unlink()
    return target
