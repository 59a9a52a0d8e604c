"""MISP interop: importing MISP events and serving a collection as a MISP feed.

No speed target was set for either; the figures say what the per-reader policy and the
store cost next to the libraries doing only their own part, side by side in one run:

- **import**: aseancyber's ``interop.misp_import.import_events`` (check, label, convert
  with misp-stix, store through the bundle ingest, audit; committed) against misp-stix's
  ``MISPtoSTIX21Parser`` alone converting the same events (the peer: what a script
  converting MISP to STIX does before it has stored or protected anything);
- **feed**: aseancyber's manifest.json + hashes.csv + every event file for one reader
  (the policy filter, grouping, STIX -> MISP with misp-stix) against PyMISP's
  ``MISPEvent.to_feed(with_meta=True)`` on the same events already in memory (the peer:
  the work of MISP's own feed generator, which serialises events a MISP instance holds,
  without any per-reader filter or conversion).

Events are shaped like OSINT feed events: mixed ip-dst / domain / url / sha256
attributes with to_ids, TLP tags. Times are wall-clock seconds on SQLite, best of
three for the pure-library peers; the machine may be shared, so read them as orders of
magnitude.

The feed is timed four ways: ``manifest.json`` alone (listed without converting), the
first full fetch (manifest, ``hashes.csv`` and every event file: every event converted
once), the same fetch after a restart (memory empty: the conversions are read from the
database, where the first fetch stored them) and the same fetch again in the same process
(the converted events are also kept in memory).

Run: ``python -m benchmarks misp`` (``ASEANCYBER_BENCH_QUICK=1``: 5 events of 50
attributes instead of 20 of 100).
"""

import os
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson
from misp_stix_converter import MISPtoSTIX21Parser
from pymisp import MISPEvent, MISPOrganisation
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.models import User
from aseancyber.access.policy import Actor
from aseancyber.access.service import actor_for
from aseancyber.db import make_engine
from aseancyber.interop import misp_cache, misp_feed, misp_import
from benchmarks.sharing import seed_database

QUICK = os.environ.get("ASEANCYBER_BENCH_QUICK") == "1"
EVENTS = 5 if QUICK else 20
ATTRIBUTES = 50 if QUICK else 100
console = Console()


def _event(rng: random.Random, n: int) -> MISPEvent:
    event = MISPEvent()
    event.info = f"OSINT - campaign {n}"
    event.distribution = 3
    event.add_tag(rng.choice(["tlp:clear", "tlp:green", "tlp:green", "tlp:amber"]))
    event.add_tag("type:OSINT")
    event.Orgc = MISPOrganisation()
    event.Orgc.from_dict(name="CIRCL", uuid="55f6ea5e-2c60-40e5-964f-47a8950d210f")
    for i in range(ATTRIBUTES):
        kind = i % 4
        if kind == 0:
            event.add_attribute("ip-dst", f"198.51.{n % 250}.{i % 250}", to_ids=True)
        elif kind == 1:
            event.add_attribute("domain", f"c2-{n}-{i}.example.net", to_ids=True)
        elif kind == 2:
            event.add_attribute(
                "url", f"https://c2-{n}-{i}.example.net/gate.php", to_ids=i % 3 != 0
            )
        else:
            event.add_attribute("sha256", f"{rng.getrandbits(256):064x}", to_ids=True)
    return event


def _best_of_three(work: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def _fetch(db: Session, reader: Actor, collection_id: str) -> float:
    """Seconds for what MISP fetches after the manifest: hashes.csv and every event file."""
    start = time.perf_counter()
    misp_feed.hashes_csv(db, reader=reader, collection_id=collection_id)
    for event_uuid in misp_feed.manifest(db, reader=reader, collection_id=collection_id):
        misp_feed.event_file(db, reader=reader, collection_id=collection_id, event_uuid=event_uuid)
    return time.perf_counter() - start


@dataclass(frozen=True)
class FeedTimes:
    manifest: float
    cold: float
    store: float
    restart: float
    warm: float
    events: int
    served: int  # hashes.csv lines


def _time_feed(factory: sessionmaker[Session], reader: Actor, collection_id: str) -> FeedTimes:
    """The feed timed as the module docstring says."""
    misp_cache.clear_memory()
    with factory() as db:
        start = time.perf_counter()
        manifest = misp_feed.manifest(db, reader=reader, collection_id=collection_id)
        manifest_seconds = time.perf_counter() - start
        cold_seconds = _fetch(db, reader, collection_id) + manifest_seconds
        start = time.perf_counter()
        db.commit()  # the conversions kept in the database (a request stores them after it)
        store_seconds = time.perf_counter() - start
    misp_cache.clear_memory()  # a restart, or another server process
    with factory() as db:
        restart_seconds = _fetch(db, reader, collection_id) + manifest_seconds
        warm_seconds = _fetch(db, reader, collection_id) + manifest_seconds
        hashes = misp_feed.hashes_csv(db, reader=reader, collection_id=collection_id)
    return FeedTimes(
        manifest_seconds,
        cold_seconds,
        store_seconds,
        restart_seconds,
        warm_seconds,
        len(manifest),
        len(hashes.splitlines()),
    )


def main() -> None:
    rng = random.Random(17)
    events = [_event(rng, n) for n in range(EVENTS)]
    payloads = [orjson.loads(event.to_json()) for event in events]
    total = EVENTS * ATTRIBUTES

    def convert_only() -> None:
        for payload in payloads:
            parser = MISPtoSTIX21Parser()
            parser.parse_json_content({"Event": payload})
            parser.bundle.serialize()

    convert_seconds = _best_of_three(convert_only)

    def pymisp_feed() -> None:
        manifest = {}
        hashes = []
        for event in events:
            feed = event.to_feed(with_meta=True)
            manifest.update(feed["Event"].pop("_manifest"))
            hashes += [[h, event.uuid] for h in feed["Event"].pop("_hashes")]
            orjson.dumps(feed)

    feed_peer_seconds = _best_of_three(pymisp_feed)

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        _, collection_id = seed_database(url)
        engine = make_engine(url)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        with factory() as db:
            user = db.scalar(select(User).where(User.email == "bench@example.org"))
            assert user is not None
            reader = actor_for(user)
        start = time.perf_counter()
        for payload in payloads:
            with factory.begin() as db:
                misp_import.import_events(
                    db,
                    actor=reader,
                    collection_id=collection_id,
                    content=orjson.dumps({"Event": payload}),
                )
        import_seconds = time.perf_counter() - start
        feed = _time_feed(factory, reader, collection_id)
        engine.dispose()
    served = feed.served

    table = Table(title=f"MISP interop: {EVENTS} events x {ATTRIBUTES} attributes ({total:,})")
    for column in ("work", "tool", "seconds", "attributes/s"):
        table.add_column(column, justify="right" if column != "work" else "left")
    table.add_row(
        "import",
        "aseancyber (check, label, convert, ingest, audit)",
        f"{import_seconds:.2f}",
        f"{total / import_seconds:,.0f}",
    )
    table.add_row(
        "",
        "misp-stix MISPtoSTIX21Parser alone",
        f"{convert_seconds:.2f}",
        f"{total / convert_seconds:,.0f}",
    )
    table.add_row(
        "feed",
        f"aseancyber manifest.json alone ({feed.events} events)",
        f"{feed.manifest:.2f}",
        "",
    )
    table.add_row(
        "",
        "aseancyber manifest + hashes + every event file, first fetch",
        f"{feed.cold:.2f}",
        f"{served / feed.cold:,.0f}",
    )
    table.add_row(
        "",
        "aseancyber storing those conversions (one commit)",
        f"{feed.store:.2f}",
        "",
    )
    table.add_row(
        "",
        "aseancyber after a restart (conversions read from the database)",
        f"{feed.restart:.2f}",
        f"{served / feed.restart:,.0f}",
    )
    table.add_row(
        "",
        "aseancyber the same again (conversions kept in memory)",
        f"{feed.warm:.2f}",
        f"{served / feed.warm:,.0f}",
    )
    table.add_row(
        "",
        "PyMISP to_feed(with_meta) alone, events in memory",
        f"{feed_peer_seconds:.2f}",
        f"{total / feed_peer_seconds:,.0f}",
    )
    console.print(table)
    console.print(
        f"{served:,} hashes.csv lines served for {total:,} attributes imported "
        "(indicator and observable of one attribute both become MISP attributes)."
    )


if __name__ == "__main__":
    main()
