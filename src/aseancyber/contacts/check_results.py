"""Communication-check results: who answered and how fast, by state and by kind, over the
contacts the reader may see (``visible_with_hint``, so a hidden contact is never counted)."""

import math
import statistics
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState
from aseancyber.access.policy import Reader, visible_with_hint
from aseancyber.contacts.models import (
    CONTACT_KIND_LABELS,
    CheckTarget,
    Contact,
    ContactCheck,
    ContactKind,
)
from aseancyber.contacts.schemas import GroupStats


def percentile(sorted_values: list[int], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values (None when there are none)."""
    if not sorted_values:
        return None
    rank = max(math.ceil(fraction * len(sorted_values)), 1)
    return float(sorted_values[rank - 1])


@dataclass(frozen=True)
class Results:
    overall: GroupStats
    by_state: list[GroupStats]
    by_kind: list[GroupStats]


def _stats(key: str, label: str, asked: int, times: list[int]) -> GroupStats:
    times = sorted(times)
    return GroupStats(
        key=key,
        label=label,
        asked=asked,
        answered=len(times),
        median_seconds=float(statistics.median(times)) if times else None,
        p90_seconds=percentile(times, 0.9),
    )


def results(db: Session, *, reader: Reader, check: ContactCheck) -> Results:
    """Who answered and how fast, by state and kind, over the contacts the reader may see.

    The database groups the visible targets by state and kind and hands back each group's
    count and its response times as one text (``group_concat`` / ``string_agg``), so the
    work per contact stays in C; medians and percentiles are then taken in Python.
    """
    groups = db.execute(
        select(
            CheckTarget.member_state_id,
            type_coerce(CheckTarget.kind, String()),
            func.count(),
            func.aggregate_strings(cast(CheckTarget.response_seconds, String()), ","),
        )
        .join(Contact, Contact.id == CheckTarget.contact_id)
        .where(CheckTarget.check_id == check.id, visible_with_hint(reader, Contact))
        .group_by(CheckTarget.member_state_id, CheckTarget.kind)
    ).tuples()
    asked: dict[Any, int] = {}
    times: dict[Any, list[int]] = {}
    everything: list[int] = []
    total = 0
    for state_id, kind, count_, joined in groups:
        seconds = [int(value) for value in joined.split(",")] if joined else []
        everything += seconds
        total += count_
        for key in (("state", state_id), ("kind", kind)):
            asked[key] = asked.get(key, 0) + count_
            times.setdefault(key, []).extend(seconds)
    state_names = dict(db.execute(select(MemberState.id, MemberState.name)).tuples().all())
    states = [key for key in asked if key[0] == "state"]
    return Results(
        overall=_stats("all", "All contacts", total, everything),
        by_state=sorted(
            (
                _stats(
                    key[1] or "",
                    state_names.get(key[1], "Regional") if key[1] else "Regional",
                    asked[key],
                    times[key],
                )
                for key in states
            ),
            key=lambda stats: stats.label,
        ),
        by_kind=[
            _stats(kind.value, CONTACT_KIND_LABELS[kind], asked[key], times[key])
            for kind in ContactKind
            if (key := ("kind", kind.value)) in asked
        ],
    )
