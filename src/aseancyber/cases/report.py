"""The ministers' report section on coordination cases: counts by month, kind and state of
the embargo and disclosure, over the cases the report's reader may see (``visible_to``),
never a title or a participant."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Reader, visible_to
from aseancyber.cases.models import Case, CaseKind, EmbargoState
from aseancyber.reporting import (
    ReportSection,
    months,
    period_bounds,
    visible_count,
)


def report_section(db: Session, *, reader: Reader, start: date, end: date) -> ReportSection:
    """Cases opened in the period that ``reader`` may see, by month and outcome."""
    first, last = period_bounds(start, end)
    rows = db.execute(
        select(
            Case.kind, Case.created_at, Case.embargo_state, Case.public_at, Case.closed_at
        ).where(visible_to(reader, Case), Case.created_at >= first, Case.created_at <= last)
    ).all()
    result: list[tuple[str, str]] = [("Cases opened in the period", visible_count(len(rows)))]
    for kind in CaseKind:
        result.append(
            (f"{kind.value.capitalize()} cases", str(sum(1 for r in rows if r.kind is kind)))
        )
    embargoed = sum(
        1 for r in rows if r.embargo_state in {EmbargoState.ACTIVE, EmbargoState.REVISE}
    )
    result.append(("Under an active embargo now", str(embargoed)))
    result.append(("Made public", str(sum(1 for r in rows if r.public_at is not None))))
    result.append(("Closed", str(sum(1 for r in rows if r.closed_at is not None))))
    for label, begins, ends in months(start, end):
        opened = sum(1 for r in rows if begins <= r.created_at < ends)
        if opened:
            result.append((f"Opened in {label}", str(opened)))
    return ReportSection(
        "Cross-border vulnerability and incident coordination",
        result,
        "Cases opened in the period that the reader may see; months with none are not listed.",
    )
