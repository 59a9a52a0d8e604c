"""The command line's import of a large registry file, in short write transactions (issue 14).

:func:`aseancyber.initiatives.importing.import_initiatives` stores a file in the caller's one
transaction: right for a web upload, but 20,000 rows keep SQLite's write lock for seconds.
Here the same checks and the same writer run in two phases:

1. **check** every row with no write transaction open (reads only). A bad row and no
   ``skip_bad_rows``: nothing is stored, every problem is listed (all or nothing, as before);
2. **store** the good rows :data:`CHUNK` per write transaction, each one a unit of work
   the caller (the command line, a background job) commits, then audit the import as a
   whole in one more unit.

What a reader sees meanwhile is whole rows: an initiative is committed with its facets,
norm links and audit entry, or not at all. An import stopped midway (killed, the database
gone) keeps the chunks already committed; the error says the first row not stored, and
running the same file again with ``start_row`` set to it stores the rest (earlier rows are
checked again but not stored twice). Overlaps are looked for afterwards, with
:func:`aseancyber.initiatives.detection.runs.detect_committed_import`.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import IO

from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.policy import Actor, Tlp
from aseancyber.access.rules import Action, may
from aseancyber.errors import Forbidden, Invalid
from aseancyber.initiatives import registry_names
from aseancyber.initiatives.detection import live_index
from aseancyber.initiatives.importing import (
    MAX_PROBLEMS,
    MAX_ROWS,
    PROGRESS_EVERY,
    Catalogue,
    ImportResult,
    Progress,
    Writer,
    audit_import,
    catalogue_of,
    validate,
)
from aseancyber.initiatives.models import Initiative
from aseancyber.initiatives.schemas import InitiativeCreate
from aseancyber.initiatives.transfer import iter_rows, normalise
from aseancyber.jobs.units import UnitOfWork

CHUNK = 1_000
"""Rows stored per write transaction (a fraction of a second on SQLite)."""
AfterChunk = Callable[[int, int], None]
"""Called after each committed chunk with (chunks stored, chunks in all): the point where
tests let another writer in."""


class StoppedMidway(Exception):
    """The import stopped after some chunks were committed; says where to resume."""

    def __init__(self, stored: int, resume_row: int, cause: BaseException) -> None:
        super().__init__(
            f"the import stopped after storing {stored:,} rows ({cause}); they are kept: "
            f"run the same file again with --start-row {resume_row} to store the rest"
        )
        self.stored = stored
        self.resume_row = resume_row


@dataclass(frozen=True)
class _Checked:
    number: int  # the row's number in the file (spreadsheet numbering)
    data: InitiativeCreate


def check_rows(
    db: Session,
    *,
    source: str | IO[str],
    format: str,
    skip_bad_rows: bool,
    default_tlp: Tlp,
    result: ImportResult,
    report: Callable[[str], None],
) -> list[_Checked]:
    """Every row checked (reads only); the good ones in file order."""
    names = registry_names.load(db)
    catalogue = catalogue_of(db)
    good: list[_Checked] = []
    for number, raw in iter_rows(source, format):
        result.rows += 1
        if result.rows > MAX_ROWS:
            raise Invalid(f"has more than {MAX_ROWS:,} rows; split it into smaller files")
        row = normalise(number, raw, names, catalogue.pillars)
        parsed = validate(db, row, default_tlp, catalogue)
        if row.problems:
            result.bad_rows += 1
            result.problems_total += len(row.problems)
            room = MAX_PROBLEMS - len(result.problems)
            result.problems.extend(row.problems[: max(room, 0)])
        elif parsed is not None:
            result.valid_rows += 1
            if skip_bad_rows or not result.bad_rows:
                good.append(_Checked(number, parsed))
        if result.rows % PROGRESS_EVERY == 0:
            report(f"{result.rows:,} rows checked")
    return good


def _store_chunk(
    db: Session, *, actor: Actor, catalogue: Catalogue, chunk: list[_Checked]
) -> list[str]:
    writer = Writer(db, actor, catalogue)
    writer.write([row.data for row in chunk])
    live_index.record_change(db, initiative_ids=writer.bulk_ids)
    return writer.ids


def import_in_chunks(
    session_factory: sessionmaker[Session],
    *,
    unit: UnitOfWork,
    actor: Actor,
    source: str | IO[str],
    format: str,
    skip_bad_rows: bool = False,
    default_tlp: Tlp = Tlp.GREEN,
    start_row: int = 0,
    chunk_size: int = CHUNK,
    progress: Progress | None = None,
    expected_rows: int | None = None,
    after_chunk: AfterChunk | None = None,
) -> ImportResult:
    """Check every row of ``source``, then store the good ones (all of them, or none when a
    row is bad and ``skip_bad_rows`` is not set) in short committed transactions; rows
    numbered below ``start_row`` are checked but not stored (resuming a stopped import).
    Rows are read in sessions of ``session_factory``; every write is a ``unit`` of work."""
    if not may(actor, Action.CREATE, Initiative):
        raise Forbidden("importing initiatives needs the contributor or coordinator role")
    started = time.perf_counter()
    result = ImportResult()

    def report(what: str) -> None:
        if progress is not None:
            total = max(expected_rows or 0, result.rows)
            progress(result.rows, total + 1, what)

    with session_factory() as db:
        good = check_rows(
            db,
            source=source,
            format=format,
            skip_bad_rows=skip_bad_rows,
            default_tlp=default_tlp,
            result=result,
            report=report,
        )
        catalogue = catalogue_of(db)
    if result.bad_rows and not skip_bad_rows:
        return result
    wanted = [row for row in good if row.number >= start_row]
    chunks = [wanted[start : start + chunk_size] for start in range(0, len(wanted), chunk_size)]
    for number, chunk in enumerate(chunks, start=1):
        try:
            stored_ids = unit(partial(_store_chunk, actor=actor, catalogue=catalogue, chunk=chunk))
        except Exception as error:
            if not result.imported_ids:
                raise
            raise StoppedMidway(len(result.imported_ids), chunk[0].number, error) from error
        result.imported_ids.extend(stored_ids)
        stored = len(result.imported_ids)
        if progress is not None:
            progress(stored, len(wanted), f"{stored:,} of {len(wanted):,} rows stored")
        if after_chunk is not None:
            after_chunk(number, len(chunks))
    result.seconds_storing = time.perf_counter() - started
    if result.imported_ids:
        unit(
            lambda db: audit_import(
                db,
                actor=actor,
                format=format,
                result=result,
                skip_bad_rows=skip_bad_rows,
                detected=False,
                chunks_of=chunk_size,
            )
        )
    return result


__all__ = ["AfterChunk", "StoppedMidway", "check_rows", "import_in_chunks"]
