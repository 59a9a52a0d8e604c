"""``aseancyber match FILE``: stream a log file of any size through the indicators a user
may see, with a progress bar, a summary and optionally a CSV of every hit.

Memory is bounded by the number of visible indicators, never by the file: the file is read
in blocks of lines (:func:`aseancyber.matching.logscan.raw_blocks`), each block prefiltered by
:class:`~aseancyber.matching.logscan.LogScanner` and only its candidate lines matched
exactly, and hits are written out as they are found. The index catch-up, the
matching and the sightings are separate transactions, so a long run holds no write lock.
"""

import csv
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.policy import Actor
from aseancyber.access.service import actor_for
from aseancyber.cli.common import console, fail, progress_bar, unit_of_work
from aseancyber.db import get_session_factory, utcnow
from aseancyber.matching import indexer, service
from aseancyber.matching.compiler import PatternKind
from aseancyber.matching.logscan import LogScanner, raw_blocks

SIGHTINGS_PER_TRANSACTION = 500
"""Sightings recorded per committed transaction by ``--record-sightings``."""
CSV_COLUMNS = (
    "line",
    "observable_type",
    "observable",
    "indicator_id",
    "stix_id",
    "indicator_name",
    "tlp",
    "owner",
)


def _actor(db: Session, email: str) -> Actor:
    user = db.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.is_active:
        fail(f"no active user has the e-mail {email}")
    return actor_for(user)


def match(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="A log or text file."),
    ],
    as_user: Annotated[
        str,
        typer.Option("--as", metavar="EMAIL", help="Match as this user (what they may see)."),
    ],
    out: Annotated[
        Path | None, typer.Option("--csv", help="Write every hit to this CSV file.")
    ] = None,
    record_sightings: Annotated[
        bool,
        typer.Option(
            "--record-sightings", help="Record a sighting by the user's organisation per hit."
        ),
    ] = False,
) -> None:
    """Match every observable in FILE against the indicators the user may see."""
    indexed = indexer.refresh(get_session_factory())
    if indexed:
        console.print(f"Indexed {indexed:,} new indicator versions.")
    size = file.stat().st_size
    at = utcnow()
    hits_per_indicator: Counter[str] = Counter()
    lines = matched = 0
    with unit_of_work() as db, progress_bar() as bar:
        actor = _actor(db, as_user)
        loading = bar.add_task("Loading the indicators you may see", total=None)
        visible = service.visible_index(db, actor=actor, at=at)
        bar.update(loading, total=1, completed=1)
        _describe(visible.index.counts)
        task = bar.add_task(f"Matching {file.name}", total=size)
        with ExitStack() as stack:
            writer = None
            if out is not None:
                writer = csv.writer(
                    stack.enter_context(out.open("w", newline="", encoding="utf-8"))
                )
                writer.writerow(CSV_COLUMNS)
            scanner = LogScanner(visible.index, at)
            with file.open("rb") as source:
                for block in raw_blocks(source):
                    for found in scanner.scan_block(block):
                        matched += 1
                        for posting in found.postings:
                            hit = visible.hits[str(visible.index.keys[posting])]
                            hits_per_indicator[hit.record_id] += 1
                            if writer is not None:
                                writer.writerow(
                                    (
                                        lines + found.line + 1,
                                        found.observable.kind,
                                        found.observable.value,
                                        hit.record_id,
                                        hit.stix_id,
                                        hit.name,
                                        hit.tlp,
                                        hit.owner_name,
                                    )
                                )
                    lines += block.count(b"\n") + (not block.endswith(b"\n"))
                    bar.update(
                        task,
                        completed=source.tell(),
                        description=f"Matching {file.name}: {lines:,} lines",
                    )
        hits = visible.hits
    _summary(hits, hits_per_indicator, lines=lines, matched=matched)
    if out is not None:
        console.print(f"Hits written to {out}.")
    with unit_of_work() as db:
        service.audit_run(
            db,
            actor=_actor(db, as_user),
            observables=lines,
            matched=matched,
            hits=hits_per_indicator,
            unit="lines",
        )
    if record_sightings and hits_per_indicator:
        recorded = _record_sightings(as_user, hits_per_indicator)
        done = sum(1 for s in recorded if s.sighting_id)
        console.print(f"[green]{done} sightings recorded[/]; {len(recorded) - done} refused.")
        for refused in (s for s in recorded if not s.sighting_id):
            console.print(f"  {refused.record_id}: {refused.problem}")


def _record_sightings(as_user: str, counts: Counter[str]) -> list[service.Sighted]:
    """A sighting per hit indicator, :data:`SIGHTINGS_PER_TRANSACTION` per committed
    transaction (issue 14): thousands of hit indicators never hold the write lock for long.
    A failure keeps the chunks already committed (running the command again adds
    sightings anew for every hit indicator)."""
    items = sorted(counts.items())
    recorded: list[service.Sighted] = []
    with progress_bar() as bar:
        task = bar.add_task("Recording sightings", total=len(items))
        for start in range(0, len(items), SIGHTINGS_PER_TRANSACTION):
            chunk = Counter(dict(items[start : start + SIGHTINGS_PER_TRANSACTION]))
            with unit_of_work() as db:
                recorded.extend(
                    service.record_sightings_for(db, actor=_actor(db, as_user), counts=chunk)
                )
            bar.update(task, completed=len(recorded))
    return recorded


def _describe(counts: dict[PatternKind, int]) -> None:
    """How the visible indicators compiled: what the index answers and what it evaluates."""
    console.print(
        f"{sum(counts.values()):,} indicators you may see: "
        f"{counts[PatternKind.INDEXED]:,} indexed, "
        f"{counts[PatternKind.PREFILTERED]:,} prefiltered and evaluated, "
        f"{counts[PatternKind.SCAN]:,} evaluated against every observable of their types, "
        f"{counts[PatternKind.MULTI_OBSERVATION]:,} needing several observations (never one "
        "observable), "
        f"{counts[PatternKind.UNSUPPORTED]:,} not STIX patterns."
    )


def _summary(
    hits: dict[str, service.Hit],
    counts: Counter[str],
    *,
    lines: int,
    matched: int,
) -> None:
    console.print(
        f"[bold]{lines:,}[/] lines, [bold]{matched:,} matched[/] observables, "
        f"hitting {len(counts):,} indicators."
    )
    if not counts:
        return
    table = Table(title="Indicators hit", title_justify="left")
    table.add_column("Hits", justify="right")
    table.add_column("Indicator")
    table.add_column("Label")
    table.add_column("Owner")
    table.add_column("Pattern", overflow="fold")
    for record_id, count in counts.most_common(50):
        hit = hits[record_id]
        table.add_row(f"{count:,}", hit.name or hit.stix_id, hit.tlp, hit.owner_name, hit.pattern)
    console.print(table)
