"""Case measures: open cases by member state and sector, V->F and F->P times, good histories.

A history is good when every vendor's V, F and D each came before P, X and A (the world
events that happened). Figures are computed from the case and vendor timestamps of the
cases passed in; callers choose those cases through the policy (:func:`for_reader`) or,
for norm (j) evidence, by the coordinating member state (:func:`evidence_for_state`),
which returns aggregates only.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy import case as case_when
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, Organisation
from aseancyber.access.policy import Reader, visible_to
from aseancyber.cases.models import Case, Participant, ParticipantRole

_VENDOR_EVENTS = ("V", "F", "D")
_WORLD_EVENTS = ("P", "X", "A")


def _before(at: datetime | None, happened: datetime) -> bool:
    return at is not None and at < happened


@dataclass
class CaseHistory:
    case_id: str
    member_state: str
    sectors: list[str]
    open: bool
    embargo_state: str
    world: dict[str, datetime | None]
    vendors: list[dict[str, datetime | None]] = field(default_factory=list)

    def good(self) -> bool:
        """Every vendor event came before every world event that happened."""
        for vendor in self.vendors:
            for world_event in _WORLD_EVENTS:
                happened = self.world[world_event]
                if happened is None:
                    continue
                for vendor_event in _VENDOR_EVENTS:
                    at = vendor[vendor_event]
                    if at is None or at >= happened:
                        return False
        return True

    def ordering(self) -> dict[str, bool]:
        """For each pair such as "V<P", whether it held (pairs not yet decided are left out)."""
        pairs: dict[str, bool] = {}
        for vendor_event in _VENDOR_EVENTS:
            for world_event in _WORLD_EVENTS:
                happened = self.world[world_event]
                if happened is None:
                    continue
                pairs[f"{vendor_event}<{world_event}"] = all(
                    _before(v[vendor_event], happened) for v in self.vendors
                )
        return pairs


def _histories(db: Session, statement: Select[tuple[Case]]) -> list[CaseHistory]:
    cases = list(db.scalars(statement))
    if not cases:
        return []
    ids = [case.id for case in cases]
    states = dict(
        db.execute(
            select(Organisation.id, MemberState.iso2)
            .join(MemberState, MemberState.id == Organisation.member_state_id)
            .where(Organisation.id.in_({case.owner_organisation_id for case in cases}))
        )
        .tuples()
        .all()
    )
    histories = {
        case.id: CaseHistory(
            case_id=case.id,
            member_state=states.get(case.owner_organisation_id, "-"),
            sectors=list(case.sectors or []),
            open=case.closed_at is None,
            embargo_state=case.embargo_state.value,
            world=case.world_events(),
        )
        for case in cases
    }
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        rows = db.execute(
            select(
                Participant.case_id,
                Participant.vendor_aware_at,
                Participant.fix_ready_at,
                Participant.fix_deployed_at,
            ).where(Participant.case_id.in_(chunk), Participant.role == ParticipantRole.VENDOR)
        ).all()
        for case_id, v, f, d in rows:
            histories[case_id].vendors.append({"V": v, "F": f, "D": d})
    return list(histories.values())


def _days(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"count": 0, "median_days": None, "mean_days": None}
    return {
        "count": len(values),
        "median_days": round(median(values), 2),
        "mean_days": round(sum(values) / len(values), 2),
    }


def summarise(histories: list[CaseHistory]) -> dict[str, Any]:
    """Aggregates over ``histories``: counts, times and shares, no case ids or titles."""
    v_to_f: list[float] = []
    f_to_p: list[float] = []
    for history in histories:
        public = history.world["P"]
        for vendor in history.vendors:
            if vendor["V"] is not None and vendor["F"] is not None:
                v_to_f.append((vendor["F"] - vendor["V"]).total_seconds() / 86400)
            if vendor["F"] is not None and public is not None:
                f_to_p.append((public - vendor["F"]).total_seconds() / 86400)
    open_cases = [h for h in histories if h.open]
    by_state: dict[str, dict[str, Any]] = {}
    for history in histories:
        entry = by_state.setdefault(history.member_state, {"cases": 0, "good": 0, "open": 0})
        entry["cases"] += 1
        entry["good"] += history.good()
        entry["open"] += history.open
    for entry in by_state.values():
        entry["good_share"] = round(entry["good"] / entry["cases"], 3)
    pair_totals: Counter[str] = Counter()
    pair_good: Counter[str] = Counter()
    for history in histories:
        for pair, held in history.ordering().items():
            pair_totals[pair] += 1
            pair_good[pair] += held
    good = sum(history.good() for history in histories)
    return {
        "cases": len(histories),
        "open_cases": len(open_cases),
        "open_by_member_state": dict(sorted(Counter(h.member_state for h in open_cases).items())),
        "open_by_sector": dict(sorted(Counter(s for h in open_cases for s in h.sectors).items())),
        "open_by_embargo_state": dict(sorted(Counter(h.embargo_state for h in open_cases).items())),
        "vendor_aware_to_fix_ready": _days(v_to_f),
        "fix_ready_to_public": _days(f_to_p),
        "good_histories": good,
        "good_history_share": round(good / len(histories), 3) if histories else None,
        "good_history_by_member_state": dict(sorted(by_state.items())),
        "ordering_held_share": {
            pair: round(pair_good[pair] / total, 3) for pair, total in sorted(pair_totals.items())
        },
    }


def for_reader(db: Session, *, reader: Reader) -> dict[str, Any]:
    """The measures over every case ``reader`` may see."""
    return summarise(_histories(db, select(Case).where(visible_to(reader, Case))))


@dataclass(frozen=True)
class CaseOrdering:
    good: bool
    pairs: dict[str, bool]  # "V<P": held for every vendor (undecided pairs left out)


def ordering_of(db: Session, *, case: Case) -> CaseOrdering:
    """One (visible) case's history as SQL aggregates: bounded however many vendors."""
    happened = {event: at for event, at in case.world_events().items() if at is not None}
    columns = {
        "V": Participant.vendor_aware_at,
        "F": Participant.fix_ready_at,
        "D": Participant.fix_deployed_at,
    }
    if not happened:
        return CaseOrdering(True, {})
    late = [
        func.sum(case_when((or_(column.is_(None), column >= at), 1), else_=0)).label(
            f"{vendor_event}<{world_event}"
        )
        for vendor_event, column in columns.items()
        for world_event, at in happened.items()
    ]
    row = db.execute(
        select(*late).where(
            Participant.case_id == case.id, Participant.role == ParticipantRole.VENDOR
        )
    ).one()
    pairs = {name: not (value or 0) for name, value in row._mapping.items()}
    return CaseOrdering(all(pairs.values()), pairs)


def evidence_for_state(db: Session, *, reader: Reader, member_state_id: str) -> dict[str, Any]:
    """Norm (j) evidence: aggregates over the cases a member state's organisations coordinate
    that ``reader`` may see (a case hidden from the reader is never counted).

    Only counts, times and shares leave this function, never a case id, title or party.
    """
    coordinating = (
        select(Participant.case_id)
        .join(Organisation, Organisation.id == Participant.organisation_id)
        .where(
            Participant.role == ParticipantRole.COORDINATOR,
            Organisation.member_state_id == member_state_id,
        )
    )
    cases = select(Case).where(Case.id.in_(coordinating), visible_to(reader, Case))
    summary = summarise(_histories(db, cases))
    summary.pop("good_history_by_member_state", None)
    summary.pop("open_by_member_state", None)
    return {"member_state_id": member_state_id, "norm": "j", **summary}
