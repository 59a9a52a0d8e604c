"""Importing a registry file of initiatives: every row checked, the good ones stored in
batches, one duplicate-detection pass at the end, all inside the caller's transaction (or,
for the command line, the detection after the commit, in short transactions of its own:
:mod:`aseancyber.initiatives.detection.runs`).

Two modes. All or nothing (the default): one bad row and nothing is stored, and every
problem of every row is listed. Skip bad rows: the good rows are stored, together or not
at all, and each bad one is reported by row, column, value and reason. Rows are stored
under a savepoint, so a file that turns out unreadable half-way leaves nothing behind.

Speed (20,000 rows in one command): names, codes and the norms catalogue are read once,
not per row; initiatives, their facets and norm links are written with multi-row INSERTs
of :data:`BATCH` rows; detection runs once for all new initiatives. A small import asks
the live index (:func:`aseancyber.initiatives.overlaps.service.detect_for`, as a save does). A
large one (more than ``live_index.OVERLAY_LIMIT`` rows, where the live index would rebuild
the whole index anyway) builds one index and runs the batch pass
(:meth:`DuplicateIndex.all_pairs`), keeps for each new initiative its best
``overlaps.CANDIDATES_PER_INITIATIVE`` pairs (what ``detect_for`` keeps), explains only
those and inserts them in bulk: every such pair has a new side, so none can exist yet.
Rows naming an audience take the ordinary :func:`aseancyber.initiatives.service.create`
path (they are few and need it).

Audit: one ``initiative.create`` entry per initiative, with the digest of its values,
facets and norm links (what registering it by hand records, in one entry instead of one
per facet row), and one ``initiative.import`` entry for the import (counts and mode).
"""

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.policy import Actor, Tlp
from aseancyber.access.rules import Action, may
from aseancyber.community.models import Pillar, SectoralBody
from aseancyber.db import new_id, utcnow
from aseancyber.errors import Forbidden, Invalid
from aseancyber.initiatives import registry_names, service
from aseancyber.initiatives.checks import check_audience, check_consistency
from aseancyber.initiatives.detection import live_index
from aseancyber.initiatives.detection.index import THRESHOLD, Candidate, DuplicateIndex
from aseancyber.initiatives.detection.profiles import load_profiles
from aseancyber.initiatives.models import Initiative, InitiativeNorm, InitiativeTag
from aseancyber.initiatives.overlaps import notices as overlap_notices
from aseancyber.initiatives.overlaps import service as overlaps
from aseancyber.initiatives.overlaps.models import Overlap
from aseancyber.initiatives.registry_names import name_key
from aseancyber.initiatives.schemas import InitiativeCreate
from aseancyber.initiatives.transfer import Problem, Row, iter_rows, normalise
from aseancyber.norms.models import Norm, NormAction

BATCH = 1_000
MAX_ROWS = 50_000
MAX_PROBLEMS = 1_000
"""Problems listed in a result; beyond that they are only counted."""
PROGRESS_EVERY = 250
Progress = Callable[[int, int, str], None]


@dataclass
class ImportResult:
    rows: int = 0
    valid_rows: int = 0
    imported_ids: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problems_total: int = 0
    bad_rows: int = 0
    overlaps_flagged: int = 0  # those the importer may see (both sides)
    overlaps_found: int = 0
    seconds_storing: float = 0.0
    seconds_detecting: float = 0.0
    seconds_finding_pairs: float = 0.0  # of which the detection engine's batch pass


@dataclass(frozen=True)
class Catalogue:
    """What rows are checked against, read once per import."""

    norms: dict[str, str]  # letter -> norm id
    actions: dict[str, tuple[str, str]]  # action code -> (norm id, action id)
    pillars: dict[str, str]  # name key of a code or name -> pillar code
    pillar_ids: dict[str, str]  # code -> id
    bodies: dict[str, tuple[str, str | None]]  # code (upper case) -> (id, its pillar id)


def catalogue_of(db: Session) -> Catalogue:
    pillars: dict[str, str] = {}
    pillar_ids: dict[str, str] = {}
    for pillar_id, code, name in db.execute(select(Pillar.id, Pillar.code, Pillar.name)):
        pillar_ids[code] = pillar_id
        pillars[name_key(code)] = code
        pillars[name_key(name)] = code
    return Catalogue(
        norms=dict(db.execute(select(Norm.letter, Norm.id)).tuples().all()),
        actions={
            code: (norm_id, action_id)
            for code, norm_id, action_id in db.execute(
                select(NormAction.code, NormAction.norm_id, NormAction.id)
            )
        },
        pillars=pillars,
        pillar_ids=pillar_ids,
        bodies={
            code.upper(): (body_id, pillar_id)
            for body_id, code, pillar_id in db.execute(
                select(SectoralBody.id, SectoralBody.code, SectoralBody.pillar_id)
            )
        },
    )


def validate(
    db: Session, row: Row, default_tlp: Tlp, catalogue: Catalogue
) -> InitiativeCreate | None:
    """The row as InitiativeCreate when every check passes (problems go to the row)."""
    row.data.setdefault("tlp", default_tlp.value)
    try:
        parsed = InitiativeCreate.model_validate(row.data)
    except ValidationError as error:
        for detail in error.errors():
            location = [str(part) for part in detail.get("loc", ()) if not isinstance(part, int)]
            message = str(detail.get("msg", "")).removeprefix("Value error, ")
            row.problem(location[0] if location else "row", message, detail.get("input", ""))
        return None
    checks: tuple[Callable[[], None], ...] = (
        lambda: check_consistency(
            parsed.start_on, parsed.end_on, parsed.budget_amount, parsed.budget_currency
        ),
        lambda: check_audience(
            db, parsed.audience_organisation_ids, parsed.audience_user_ids, parsed.tlp
        ),
    )
    for check in checks:
        try:
            check()
        except Invalid as error:
            for problem in error.problems:
                row.problem(problem.field, problem.message, row.data.get(problem.field, ""))
    for reference in parsed.norms:
        if reference not in catalogue.norms and reference not in catalogue.actions:
            row.problem(
                "norms",
                "is not in the norms catalogue (use a norm letter a-k or a practical action "
                "code such as g.3)"
                if catalogue.norms
                else "cannot be linked: the norms catalogue is not loaded on this node "
                "(run `aseancyber init`)",
                reference,
            )
    if parsed.sectoral_body and parsed.sectoral_body.upper() not in catalogue.bodies:
        row.problem("sectoral_body", "is not a sectoral body on this node", parsed.sectoral_body)
    return None if row.problems else parsed


class Writer:
    """Writes checked rows as multi-row INSERTs and audits each initiative."""

    def __init__(self, db: Session, actor: Actor, catalogue: Catalogue) -> None:
        self.db, self.actor, self.catalogue = db, actor, catalogue
        self.bulk_ids: list[str] = []
        self.ids: list[str] = []

    def write(self, rows: list[InitiativeCreate]) -> None:
        initiatives: list[dict[str, Any]] = []
        tags: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        for data in rows:
            if data.audience_organisation_ids or data.audience_user_ids:
                # A named audience goes through the policy's own writer.
                created = service.create(self.db, actor=self.actor, data=data, detect=False)
                self.ids.append(created.id)
                continue
            values, own_tags, own_links = self._row(data)
            initiatives.append(values)
            tags.extend(own_tags)
            links.extend(own_links)
            audit.record(
                self.db,
                action="initiative.create",
                record_kind="initiative",
                record_id=values["id"],
                record_organisation_id=self.actor.organisation_id,
                changed_fields=sorted(values),
                after={
                    **values,
                    "tags": [(t["kind"].value, t["value"], t["position"]) for t in own_tags],
                    "norms": [(link["norm_id"], link["action_id"]) for link in own_links],
                },
                actor=self.actor,
            )
            self.bulk_ids.append(values["id"])
            self.ids.append(values["id"])
        # Core INSERTs of the tables: the ORM's bulk path would only add per-row overhead.
        for table, rows_of in (
            (cast(Table, Initiative.__table__), initiatives),
            (cast(Table, InitiativeTag.__table__), tags),
            (cast(Table, InitiativeNorm.__table__), links),
        ):
            if rows_of:
                self.db.execute(insert(table), rows_of)

    def _row(
        self, data: InitiativeCreate
    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        body = self.catalogue.bodies.get((data.sectoral_body or "").upper())
        pillar_id = self.catalogue.pillar_ids.get(data.pillar or "") or (body[1] if body else None)
        now = utcnow()
        initiative_id = new_id()
        values: dict[str, Any] = {
            "id": initiative_id,
            "title": data.title,
            "summary": data.summary,
            "aims": data.aims,
            "activities": data.activities,
            "status": data.status,
            "start_on": data.start_on,
            "end_on": data.end_on,
            "programme": data.programme,
            "budget_amount": data.budget_amount,
            "budget_currency": data.budget_currency,
            "source_link": data.source_link,
            "tlp": data.tlp,
            "green_includes_external": data.green_includes_external,
            "owner_organisation_id": self.actor.organisation_id,
            "created_by_id": self.actor.user_id,
            "sectoral_body_id": body[0] if body else None,
            "pillar_id": pillar_id,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        tags = []
        for name, kind in service.TAG_FIELDS.items():
            seen: set[str] = set()
            for position, value in enumerate(getattr(data, name)):
                text = value.value if hasattr(value, "value") else str(value)
                if text not in seen:  # as service.create numbers them: the given position
                    seen.add(text)
                    tags.append(
                        {
                            "initiative_id": initiative_id,
                            "kind": kind,
                            "value": text,
                            "position": position,
                        }
                    )
        links = []
        linked: set[tuple[str, str | None]] = set()
        for reference in data.norms:
            if reference in self.catalogue.norms:
                key: tuple[str, str | None] = (self.catalogue.norms[reference], None)
            else:
                key = self.catalogue.actions[reference]
            if key not in linked:
                linked.add(key)
                links.append(
                    {"initiative_id": initiative_id, "norm_id": key[0], "action_id": key[1]}
                )
        return values, tags, links


def import_initiatives(  # noqa: PLR0912, PLR0915 - one pass over the file, then detection
    db: Session,
    *,
    actor: Actor,
    source: str | IO[str],
    format: str,
    skip_bad_rows: bool = False,
    default_tlp: Tlp = Tlp.GREEN,
    progress: Progress | None = None,
    expected_rows: int | None = None,
    detect: bool = True,
) -> ImportResult:
    """Check every row of ``source`` (CSV or JSON), store the good ones (all of them, or
    none when a row is bad and ``skip_bad_rows`` is not set), then flag likely duplicates
    (unless ``detect`` is off: the caller then runs
    :func:`aseancyber.initiatives.detection.runs.detect_after_import` once this committed)."""
    if not may(actor, Action.CREATE, Initiative):
        raise Forbidden("importing initiatives needs the contributor or coordinator role")
    started = time.perf_counter()
    names = registry_names.load(db)
    catalogue = catalogue_of(db)
    writer = Writer(db, actor, catalogue)
    result = ImportResult()
    pending: list[InitiativeCreate] = []

    def report(what: str) -> None:
        if progress is not None:
            total = max(expected_rows or 0, result.rows)
            progress(result.rows, total + 1, what)

    savepoint = db.begin_nested()
    try:
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
                    pending.append(parsed)
            if len(pending) >= BATCH:
                writer.write(pending)
                pending = []
            if result.rows % PROGRESS_EVERY == 0:
                report(f"{result.rows:,} rows checked, {len(writer.ids):,} stored")
        if result.bad_rows and not skip_bad_rows:
            savepoint.rollback()
            writer.ids = []
            return result
        writer.write(pending)
        savepoint.commit()
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    result.imported_ids = writer.ids
    result.seconds_storing = time.perf_counter() - started
    if not writer.ids:
        return result
    live_index.record_change(db, initiative_ids=writer.bulk_ids)
    if detect:
        report(f"{len(writer.ids):,} stored; looking for overlaps")
        started = time.perf_counter()
        detect_imported(db, actor=actor, ids=writer.ids, result=result)
        result.seconds_detecting = time.perf_counter() - started
    audit_import(
        db, actor=actor, format=format, result=result, skip_bad_rows=skip_bad_rows, detected=detect
    )
    report("done")
    return result


def audit_import(
    db: Session,
    *,
    actor: Actor,
    format: str,
    result: ImportResult,
    skip_bad_rows: bool,
    detected: bool,
    chunks_of: int | None = None,
) -> None:
    """The one audit entry of an import (``initiative.import``). Overlaps not ``detected``
    with it are found after the commit, by a detection run that audits its pairs itself;
    a chunked import (``chunks_of``) reports none of its own."""
    changed = [
        f"count={len(result.imported_ids)}",
        f"format={format}",
        f"mode={'skip_bad_rows' if skip_bad_rows else 'all_or_nothing'}",
    ]
    detail: dict[str, Any] = {
        "rows": result.rows,
        "imported": len(result.imported_ids),
        "bad_rows_skipped": result.bad_rows,
    }
    if chunks_of is None:
        detail["overlaps_flagged"] = result.overlaps_found
    else:
        changed.append(f"chunks_of={chunks_of}")
    if not detected:
        detail["overlaps_found_after_commit"] = 1
    audit.record(
        db,
        action="initiative.import",
        record_kind="initiative",
        record_id="*",
        record_organisation_id=actor.organisation_id,
        changed_fields=changed,
        after={"ids": result.imported_ids},
        actor=actor,
        detail=detail,
    )


def best_pairs(candidates: list[Candidate], new_ids: set[str]) -> list[Candidate]:
    """For each new initiative its best pairs (``candidates`` come best first), as
    :func:`overlaps.detect_for` keeps them; each pair once."""
    kept: dict[str, int] = defaultdict(int)
    chosen: dict[tuple[str, str], Candidate] = {}
    for candidate in candidates:
        for side in candidate.pair:
            if side in new_ids and kept[side] < overlaps.CANDIDATES_PER_INITIATIVE:
                kept[side] += 1
                chosen.setdefault(candidate.pair, candidate)
    return list(chosen.values())


def _detect_in_bulk(
    db: Session, new_ids: set[str], *, actor: Actor, result: ImportResult
) -> list[Overlap]:
    """Pairs of new initiatives found by one batch pass, inserted in bulk and audited;
    returned as unattached rows carrying ids and sides (for counting and notices)."""
    started = time.perf_counter()
    index = DuplicateIndex(load_profiles(db))
    found_pairs = index.all_pairs(threshold=THRESHOLD)
    result.seconds_finding_pairs = time.perf_counter() - started
    chosen = best_pairs(found_pairs, new_ids)
    now = utcnow()
    rows = []
    # Explained in the order of their first initiative, whose words are then read once.
    for found in sorted(chosen, key=lambda c: c.pair):
        rows.append(overlaps.new_row(index.explain(found), now))
        audit.record(
            db,
            action="initiative_overlap.create",
            record_kind="initiative_overlap",
            record_id=rows[-1]["id"],
            changed_fields=sorted(rows[-1]),
            after=rows[-1],
            actor=actor,
        )
    for start in range(0, len(rows), BATCH):
        db.execute(insert(cast(Table, Overlap.__table__)), rows[start : start + BATCH])
    return [
        Overlap(id=row["id"], first_id=row["first_id"], second_id=row["second_id"]) for row in rows
    ]


def _overlaps(db: Session, ids: list[str]) -> list[Overlap]:
    """The stored overlaps with these ids (read in chunks)."""
    found: list[Overlap] = []
    for start in range(0, len(ids), overlaps.ID_CHUNK):
        chunk = ids[start : start + overlaps.ID_CHUNK]
        found.extend(db.scalars(select(Overlap).where(Overlap.id.in_(chunk))))
    return found


def detect_imported(db: Session, *, actor: Actor, ids: list[str], result: ImportResult) -> None:
    """One detection pass for the new initiatives; owners of the other side are told."""
    imported = set(ids)
    flagged: list[Overlap] = []
    if len(imported) > live_index.OVERLAY_LIMIT:
        flagged = _detect_in_bulk(db, imported, actor=actor, result=result)
    else:
        overlaps.detect_for(db, initiative_ids=ids, flagged=flagged)
    result.overlaps_found = len(flagged)
    # Only pairs whose two sides the importer may see: the count of the others would tell
    # them hidden initiatives like theirs exist.
    result.overlaps_flagged = overlaps.count_visible(db, reader=actor, overlaps=flagged)
    # A pair of two imported initiatives tells no other owner anything: leave it out here
    # (notify_owners would skip it, after loading both initiatives).
    others = [o.id for o in flagged if not (o.first_id in imported and o.second_id in imported)]
    overlap_notices.notify_owners(db, flagged=_overlaps(db, others), changed_ids=imported)
