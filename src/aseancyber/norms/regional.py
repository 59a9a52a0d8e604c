"""Regional views of norms implementation: the states-by-norms heat map, progress over
time, and the exports (CSV, JSON, and the shape of the UN OEWG national survey).

Every figure is computed from the assessments the reader may see, and from nothing else:
a cell with no visible assessment reads "not shared" (never zero), and no total counts a
hidden assessment, so nothing hidden can be inferred by subtraction. "Not shared" means
"nothing shared with you": it does not tell a hidden assessment from a missing one.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from statistics import fmean
from typing import Any

from sqlalchemy import case, func, literal_column, or_, select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState
from aseancyber.access.policy import Reader
from aseancyber.norms import service
from aseancyber.norms.catalogue import list_norms
from aseancyber.norms.evidence import EvidenceItem, evidence_for
from aseancyber.norms.history import end_of
from aseancyber.norms.models import (
    AssessmentStatus,
    Norm,
    NormAction,
    NormAssessment,
    NormAssessmentVersion,
)


def level_of(statuses: list[AssessmentStatus]) -> float | None:
    """Mean implementation score (0-1) of the applicable statuses; ``None`` if none apply."""
    scores = [score for status in statuses if (score := status.score) is not None]
    return fmean(scores) if scores else None


def level_of_counts(counts: dict[AssessmentStatus, int]) -> float | None:
    """:func:`level_of` for statuses given as counts (one pass per status, not per row)."""
    total = 0.0
    scored = 0
    for status, number in counts.items():
        score = status.score
        if score is not None and number:
            total += score * number
            scored += number
    return total / scored if scored else None


def band(level: float | None) -> str:
    """The colour band of a level, for the heat map's CSS classes."""
    if level is None:
        return "na"
    return str(min(4, int(level * 5)))  # 0..4


@dataclass
class Cell:
    """One state's implementation of one norm, as far as the reader may see."""

    shared: int  # visible assessments
    actions: int  # practical actions in the catalogue for the norm (public)
    statuses: dict[AssessmentStatus, int]
    level: float | None

    @property
    def is_shared(self) -> bool:
        return self.shared > 0

    @property
    def band(self) -> str:
        return band(self.level) if self.is_shared else "hidden"

    @property
    def applicable(self) -> int:
        """Shared assessments that count toward the level (not "not applicable")."""
        return sum(n for status, n in self.statuses.items() if status.score is not None)

    @property
    def base(self) -> str:
        """What the percentage is computed over, in words."""
        if not self.is_shared:
            return "nothing shared with you"
        return (
            f"mean over {self.applicable} applicable assessment"
            f"{'' if self.applicable == 1 else 's'} shared with you, of {self.actions} "
            f"practical action{'' if self.actions == 1 else 's'} in the catalogue"
        )

    @property
    def text(self) -> str:
        if not self.is_shared:
            return "not shared"
        if self.level is None:
            return "not applicable"
        return f"{round(self.level * 100)}%"


@dataclass
class HeatMap:
    states: list[MemberState]
    norms: list[Norm]
    cells: dict[tuple[str, str], Cell]  # (member_state_id, norm_id)
    state_levels: dict[str, float | None]
    norm_levels: dict[str, float | None]
    region_level: float | None
    as_of: date | None = None

    def cell(self, state: MemberState, norm: Norm) -> Cell:
        return self.cells[(state.id, norm.id)]


GroupCounts = list[tuple[str, str, AssessmentStatus, int]]  # (state, norm, status, count)


def _current_rows(db: Session, reader: Reader) -> GroupCounts:
    statement = (
        select(
            NormAssessment.member_state_id,
            NormAction.norm_id,
            NormAssessment.status,
            func.count(),
        )
        .join(NormAction, NormAction.id == NormAssessment.action_id)
        .where(service.visible_condition(reader))
        .group_by(NormAssessment.member_state_id, NormAction.norm_id, NormAssessment.status)
    )
    return list(db.execute(statement).tuples())


def _rows_as_of(db: Session, reader: Reader, as_of: date) -> GroupCounts:
    # The last version recorded by then, for each visible assessment: one seek in the
    # (assessment, recorded_at, version) index per assessment, however long the history.
    # Versions are appended in time order, so the last recorded is also the highest.
    status_then = (
        select(NormAssessmentVersion.status)
        .where(
            NormAssessmentVersion.assessment_id == NormAssessment.id,
            NormAssessmentVersion.recorded_at < end_of(as_of),
        )
        .order_by(NormAssessmentVersion.recorded_at.desc(), NormAssessmentVersion.version.desc())
        .limit(1)
        .correlate(NormAssessment)
        .scalar_subquery()
    )
    then = (
        select(
            NormAssessment.member_state_id.label("member_state_id"),
            NormAction.norm_id.label("norm_id"),
            status_then.label("status"),
        )
        .join(NormAction, NormAction.id == NormAssessment.action_id)
        .where(service.visible_condition(reader))
        # Materialised, so the per-assessment lookup runs once, not once per use below
        # (SQLite 3.35+ and PostgreSQL 12+ both honour the hint).
        .cte("then")
        .prefix_with("MATERIALIZED")
    )
    statement = (
        select(then.c.member_state_id, then.c.norm_id, then.c.status, func.count())
        .where(then.c.status.is_not(None))
        .group_by(then.c.member_state_id, then.c.norm_id, then.c.status)
    )
    return [
        (state_id, norm_id, AssessmentStatus(status), number)
        for state_id, norm_id, status, number in db.execute(statement).tuples()
    ]


def member_states(db: Session) -> list[MemberState]:
    """Every member state, by name (states are data, never a fixed ten)."""
    return list(db.scalars(select(MemberState).order_by(MemberState.name)))


def heat_map(db: Session, *, reader: Reader, as_of: date | None = None) -> HeatMap:
    """States by norms, each cell the mean level of the assessments the reader may see."""
    norms = list(db.scalars(select(Norm).order_by(Norm.position)))
    action_counts = dict(
        db.execute(select(NormAction.norm_id, func.count()).group_by(NormAction.norm_id))
        .tuples()
        .all()
    )
    states = member_states(db)
    rows = _current_rows(db, reader) if as_of is None else _rows_as_of(db, reader, as_of)
    grouped: dict[tuple[str, str], dict[AssessmentStatus, int]] = defaultdict(dict)
    by_state: dict[str, dict[AssessmentStatus, int]] = defaultdict(lambda: defaultdict(int))
    by_norm: dict[str, dict[AssessmentStatus, int]] = defaultdict(lambda: defaultdict(int))
    region: dict[AssessmentStatus, int] = defaultdict(int)
    for state_id, norm_id, status, number in rows:
        grouped[(state_id, norm_id)][status] = number
        by_state[state_id][status] += number
        by_norm[norm_id][status] += number
        region[status] += number
    cells = {}
    for state in states:
        for norm in norms:
            counted = grouped.get((state.id, norm.id), {})
            cells[(state.id, norm.id)] = Cell(
                shared=sum(counted.values()),
                actions=action_counts.get(norm.id, 0),
                statuses=dict(counted),
                level=level_of_counts(counted),
            )
    return HeatMap(
        states=states,
        norms=norms,
        cells=cells,
        state_levels={state.id: level_of_counts(by_state.get(state.id, {})) for state in states},
        norm_levels={norm.id: level_of_counts(by_norm.get(norm.id, {})) for norm in norms},
        region_level=level_of_counts(region),
        as_of=as_of,
    )


def heat_map_json(heat: HeatMap) -> dict[str, Any]:
    """The heat map as plain data; a hidden cell is ``{"shared": false}`` with no figures."""
    rows = []
    for state in heat.states:
        cells = {}
        for norm in heat.norms:
            cell = heat.cell(state, norm)
            if not cell.is_shared:
                cells[norm.letter] = {"shared": False, "text": "not shared"}
                continue
            cells[norm.letter] = {
                "shared": True,
                "text": cell.text,
                "base": cell.base,
                "level": None if cell.level is None else round(cell.level, 4),
                "assessments_shared": cell.shared,
                "actions_in_catalogue": cell.actions,
                "statuses": {status.value: n for status, n in sorted(cell.statuses.items())},
            }
        level = heat.state_levels[state.id]
        rows.append(
            {
                "member_state_iso2": state.iso2,
                "member_state_name": state.name,
                "level": None if level is None else round(level, 4),
                "cells": cells,
            }
        )
    return {
        "as_of": heat.as_of.isoformat() if heat.as_of else None,
        "norms": [{"letter": n.letter, "short_name": n.short_name} for n in heat.norms],
        "states": rows,
        "region_level": None if heat.region_level is None else round(heat.region_level, 4),
    }


# --- progress over time ------------------------------------------------------------------------


@dataclass
class Series:
    name: str
    points: list[tuple[date, float | None]] = field(default_factory=list)


def quarter_ends(start: date, end: date) -> list[date]:
    """The last day of every quarter from ``start``'s quarter to ``end`` (which closes the list)."""
    days = []
    year, quarter = start.year, (start.month - 1) // 3
    while True:
        month = quarter * 3 + 3
        last = date(year + (month // 12), month % 12 + 1, 1).toordinal() - 1
        day = date.fromordinal(last)
        if day >= end:
            break
        days.append(day)
        quarter += 1
        if quarter == 4:
            year, quarter = year + 1, 0
    days.append(end)
    return days


def progress(
    db: Session,
    *,
    reader: Reader,
    years: int = 5,
    member_state_id: str | None = None,
    today: date | None = None,
) -> list[Series]:
    """Mean implementation level at each quarter's end: the region, then each state shown.

    Each version carries how it moved the sums of scores and of scored assessments, so
    the database adds them up per state and quarter and only a few hundred numbers come
    back, however long the history.
    """
    end = today or datetime.now(UTC).date()
    days = quarter_ends(date(end.year - years, end.month, 1), end)
    cutoffs = [end_of(day) for day in days]
    recorded = NormAssessmentVersion.recorded_at
    bucket = case(
        *((recorded < cutoff, index) for index, cutoff in enumerate(cutoffs)),
        else_=len(cutoffs),
    ).label("bucket")
    statement = (
        select(
            NormAssessment.member_state_id,
            bucket,
            func.sum(NormAssessmentVersion.level_delta),
            func.sum(NormAssessmentVersion.counted_delta),
        )
        .join(NormAssessment, NormAssessment.id == NormAssessmentVersion.assessment_id)
        .where(
            service.visible_condition(reader),
            # versions that changed no status add nothing
            # The partial index's own condition, with literal zeros (not bound parameters)
            # so that both databases can match it to the index when planning.
            or_(
                NormAssessmentVersion.level_delta != literal_column("0"),
                NormAssessmentVersion.counted_delta != literal_column("0"),
            ),
        )
        .group_by(NormAssessment.member_state_id, bucket)
    )
    if member_state_id is not None:
        statement = statement.where(NormAssessment.member_state_id == member_state_id)
    sums: dict[str, list[tuple[float, int]]] = defaultdict(lambda: [(0.0, 0)] * len(days))
    for state_id, index, level_sum, counted in db.execute(statement).tuples():
        if index < len(days):
            sums[state_id][index] = (float(level_sum or 0.0), int(counted or 0))
    names = {state.id: state.name for state in member_states(db)}
    region_level = [0.0] * len(days)
    region_count = [0] * len(days)
    per_state = []
    for state_id, deltas in sums.items():
        series = Series(names.get(state_id, "State"))
        level, counted = 0.0, 0
        for index, (level_change, count_change) in enumerate(deltas):
            level += level_change
            counted += count_change
            region_level[index] += level
            region_count[index] += counted
            series.points.append((days[index], level / counted if counted else None))
        per_state.append(series)
    name = "Region" if member_state_id is None else names.get(member_state_id, "State")
    region = Series(
        name,
        [
            (day, region_level[i] / region_count[i] if region_count[i] else None)
            for i, day in enumerate(days)
        ],
    )
    if member_state_id is not None:
        return [region]
    shown = [s for s in per_state if any(v is not None for _, v in s.points)]
    return [region, *sorted(shown, key=lambda s: s.name)]


# --- state profile -----------------------------------------------------------------------------


@dataclass
class ActionLine:
    action: NormAction
    assessment: NormAssessment | None  # None: not shared with the reader


@dataclass
class NormSection:
    norm: Norm
    lines: list[ActionLine]
    cell: Cell
    evidence: list[EvidenceItem]


@dataclass
class Profile:
    state: MemberState
    sections: list[NormSection]
    cbm_evidence: list[EvidenceItem]
    level: float | None


def profile(db: Session, *, reader: Reader, iso2: str) -> Profile:
    """A state's visible assessments, norm by norm, with the evidence from practice beside them."""
    state = service.state_by_iso2(db, iso2)
    assessments = {
        a.action_id: a
        for a in db.scalars(
            service.visible_assessments(reader).where(NormAssessment.member_state_id == state.id)
        )
    }
    evidence = evidence_for(db, reader=reader, member_state_id=state.id)
    sections = []
    for norm in list_norms(db):
        lines = [ActionLine(action, assessments.get(action.id)) for action in norm.actions]
        statuses = [line.assessment.status for line in lines if line.assessment is not None]
        counted: dict[AssessmentStatus, int] = defaultdict(int)
        for status in statuses:
            counted[status] += 1
        sections.append(
            NormSection(
                norm=norm,
                lines=lines,
                cell=Cell(len(statuses), len(norm.actions), dict(counted), level_of(statuses)),
                evidence=[item for item in evidence if item.norm == norm.letter],
            )
        )
    return Profile(
        state=state,
        sections=sections,
        cbm_evidence=[item for item in evidence if item.norm == "cbm"],
        level=level_of([a.status for a in assessments.values()]),
    )
