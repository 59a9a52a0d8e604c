"""Communication-check response times over time and by state, and their SVG charts.

Figures are computed, like a check's results, only over the targets whose contact the
reader may see; a check with no such target is left out rather than shown as a zero. Times
count from when the check's e-mail left the mailer (see ``checks_service._record``). The
charts are server-rendered SVG with a ``<title>`` and ``<desc>`` (no script, nothing
fetched from elsewhere), and the page shows the same numbers as a table.
"""

import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from aseancyber.access.models import MemberState
from aseancyber.access.policy import Reader, visible_with_hint
from aseancyber.contacts.models import CheckTarget, Contact, ContactCheck

RECENT_CHECKS = 12
COLOUR = "#1f5f99"
MUTED = "#8a8f98"


@dataclass(frozen=True)
class TrendPoint:
    """One check: when it was launched and how its visible contacts answered."""

    check_id: str
    title: str
    launched_at: datetime
    asked: int
    answered: int
    median_seconds: float | None


@dataclass(frozen=True)
class StateTimes:
    """One state's contacts over the recent checks: asked, answered, median time."""

    label: str
    asked: int
    answered: int
    median_seconds: float | None


@dataclass(frozen=True)
class ResponseTrends:
    over_time: list[TrendPoint]
    by_state: list[StateTimes]


def _grouped(
    db: Session, reader: Reader, check_ids: list[str], column: InstrumentedAttribute[Any]
) -> list[tuple[Any, int, str | None]]:
    """Per value of ``column``: targets asked and their response times as one text."""
    return list(
        db.execute(
            select(
                column,
                func.count(),
                func.aggregate_strings(cast(CheckTarget.response_seconds, String()), ","),
            )
            .join(Contact, Contact.id == CheckTarget.contact_id)
            .where(CheckTarget.check_id.in_(check_ids), visible_with_hint(reader, Contact))
            .group_by(column)
        ).tuples()
    )


def _seconds(joined: str | None) -> list[int]:
    return [int(value) for value in joined.split(",")] if joined else []


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def response_trends(db: Session, *, reader: Reader, limit: int = RECENT_CHECKS) -> ResponseTrends:
    """Median response times of the most recent checks, oldest first, and by state over
    those checks, counting only the contacts ``reader`` may see."""
    recent = list(
        db.scalars(
            select(ContactCheck)
            .order_by(ContactCheck.launched_at.desc(), ContactCheck.id.desc())
            .limit(limit)
        )
    )
    ids = [check.id for check in recent]
    if not ids:
        return ResponseTrends([], [])
    per_check = {
        check_id: (int(count), _seconds(joined))
        for check_id, count, joined in _grouped(db, reader, ids, CheckTarget.check_id)
    }
    over_time = [
        TrendPoint(
            check_id=check.id,
            title=check.title,
            launched_at=check.launched_at,
            asked=per_check[check.id][0],
            answered=len(per_check[check.id][1]),
            median_seconds=_median(per_check[check.id][1]),
        )
        for check in reversed(recent)
        if check.id in per_check
    ]
    names = dict(db.execute(select(MemberState.id, MemberState.name)).tuples().all())
    by_state = sorted(
        (
            StateTimes(
                label=names.get(state_id, "Regional") if state_id else "Regional",
                asked=int(count),
                answered=len(_seconds(joined)),
                median_seconds=_median(_seconds(joined)),
            )
            for state_id, count, joined in _grouped(db, reader, ids, CheckTarget.member_state_id)
        ),
        key=lambda row: row.label,
    )
    return ResponseTrends(over_time, by_state)


def minutes(seconds: float | None) -> str:
    """A response time as people read it (minutes, one decimal), or a dash."""
    return "—" if seconds is None else f"{seconds / 60:.1f}"


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" id="{chart_id}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def over_time_chart(points: list[TrendPoint], *, chart_id: str = "times-over-time") -> Markup:
    """Columns of the median response time (minutes) of each recent check, oldest first."""
    width, height, bottom, top = 640, 220, 36, 20
    largest = max((p.median_seconds or 0 for p in points), default=0) or 1
    slot = width / max(len(points), 1)
    description = "; ".join(
        f"{p.launched_at:%d %b %Y}: median {minutes(p.median_seconds)} min, "
        f"{p.answered} of {p.asked} answered"
        for p in points
    )
    parts = _open(
        chart_id,
        width,
        height,
        "Median response time of each communication check (minutes)",
        description or "No check with contacts you may see.",
    )
    if not points:
        parts.append('<text x="0" y="20" font-size="13">Nothing to show.</text>')
    for position, point in enumerate(points):
        x = position * slot + slot * 0.15
        label = f"{point.launched_at:%d %b %y}"
        if point.median_seconds is None:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom - 4}" font-size="10" '
                f'fill="{MUTED}" text-anchor="middle">no answer</text>'
            )
        else:
            bar = (height - bottom - top) * point.median_seconds / largest
            y = height - bottom - bar
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                f'height="{max(bar, 1):.1f}" fill="{COLOUR}"><title>{escape(point.title)}: '
                f"median {minutes(point.median_seconds)} min</title></rect>"
                f'<text x="{x + slot * 0.35:.1f}" y="{y - 4:.1f}" font-size="11" '
                f'text-anchor="middle">{minutes(point.median_seconds)}</text>'
            )
        parts.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{height - 14}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above


def by_state_chart(rows: list[StateTimes], *, chart_id: str = "times-by-state") -> Markup:
    """Horizontal bars of each state's median response time (minutes) over recent checks."""
    row_height, label_width, top, width = 24, 180, 8, 640
    height = top * 2 + row_height * max(len(rows), 1)
    largest = max((r.median_seconds or 0 for r in rows), default=0) or 1
    plot = width - label_width - 80
    description = "; ".join(
        f"{r.label}: median {minutes(r.median_seconds)} min, {r.answered} of {r.asked} answered"
        for r in rows
    )
    parts = _open(
        chart_id,
        width,
        height,
        "Median response time by member state over the recent checks (minutes)",
        description or "No contact you may see was asked.",
    )
    if not rows:
        parts.append(f'<text x="0" y="{top + 16}" font-size="13">Nothing to show.</text>')
    for position, row in enumerate(rows):
        y = top + position * row_height
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 16}" font-size="11" text-anchor="end">'
            f"{escape(row.label)}</text>"
        )
        if row.median_seconds is None:
            parts.append(
                f'<text x="{label_width + 4}" y="{y + 16}" font-size="11" fill="{MUTED}">'
                "no answer</text>"
            )
            continue
        length = round(plot * row.median_seconds / largest)
        parts.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{max(length, 1)}" '
            f'height="{row_height - 8}" fill="{COLOUR}"><title>{escape(row.label)}: median '
            f"{minutes(row.median_seconds)} min</title></rect>"
            f'<text x="{label_width + length + 6}" y="{y + 16}" font-size="12">'
            f"{minutes(row.median_seconds)} min</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above
