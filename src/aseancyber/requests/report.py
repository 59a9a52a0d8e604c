"""The ministers' report section on cross-border requests: aggregates only (counts and
median response times by kind, escalations, preservations), computed over the requests the
report's reader may see (``visible_to``), never a subject, a party or an id."""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Reader, visible_to
from aseancyber.reporting import ReportSection, period_bounds, visible_count
from aseancyber.requests.models import (
    REQUEST_KIND_LABELS,
    CrossBorderRequest,
    PreservationOutcome,
    RequestEscalation,
    RequestKind,
)
from aseancyber.requests.workflow import hours_between, median_of


def _median_text(values: list[float]) -> str:
    median = median_of(values)
    return "—" if median is None else f"{median:.1f} h"


def report_section(db: Session, *, reader: Reader, start: date, end: date) -> ReportSection:
    """Requests sent in the period that ``reader`` may see: how many, how fast, escalated."""
    first, last = period_bounds(start, end)
    in_period = (
        visible_to(reader, CrossBorderRequest),
        CrossBorderRequest.sent_at >= first,
        CrossBorderRequest.sent_at <= last,
    )
    rows = db.execute(
        select(
            CrossBorderRequest.kind,
            CrossBorderRequest.sent_at,
            CrossBorderRequest.acknowledged_at,
            CrossBorderRequest.answered_at,
            CrossBorderRequest.outcome,
        ).where(*in_period)
    ).all()
    escalated = (
        db.scalar(
            select(func.count(func.distinct(RequestEscalation.request_id)))
            .join(CrossBorderRequest, CrossBorderRequest.id == RequestEscalation.request_id)
            .where(*in_period)
        )
        or 0
    )
    acknowledged = [
        hours_between(r.sent_at, r.acknowledged_at) or 0.0 for r in rows if r.acknowledged_at
    ]
    answered = [hours_between(r.sent_at, r.answered_at) or 0.0 for r in rows if r.answered_at]
    result: list[tuple[str, str]] = [
        ("Requests sent in the period", visible_count(len(rows))),
        (
            "Acknowledged (median time to acknowledge)",
            f"{len(acknowledged)} ({_median_text(acknowledged)})",
        ),
        ("Answered or refused (median time)", f"{len(answered)} ({_median_text(answered)})"),
        ("Escalated for a missed deadline", str(escalated)),
    ]
    for kind in RequestKind:
        count = sum(1 for r in rows if r.kind is kind)
        if count:
            result.append((REQUEST_KIND_LABELS[kind], str(count)))
    preserved = sum(
        1
        for r in rows
        if r.outcome in {PreservationOutcome.PRESERVED, PreservationOutcome.PARTIAL_DISCLOSURE}
    )
    if any(r.kind is RequestKind.PRESERVATION for r in rows):
        result.append(("24/7 requests whose data was preserved", str(preserved)))
    return ReportSection(
        "Cross-border requests for assistance",
        result,
        "Requests sent in the period that the reader may see; times are from sending.",
    )
