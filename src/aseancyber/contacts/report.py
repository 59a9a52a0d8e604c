"""The confidence-building section of the ministers' report: communication checks."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Reader
from aseancyber.contacts import check_results
from aseancyber.contacts.models import ContactCheck
from aseancyber.reporting import ReportSection, period_bounds


def report_section(db: Session, *, reader: Reader, start: date, end: date) -> ReportSection | None:
    check_model = ContactCheck
    first, last = period_bounds(start, end)
    found = db.scalars(
        select(check_model)
        .where(check_model.launched_at >= first, check_model.launched_at <= last)
        .order_by(check_model.launched_at)
    ).all()
    rows = []
    for check in found:
        overall = check_results.results(db, reader=reader, check=check).overall
        median = "—" if overall.median_seconds is None else f"{overall.median_seconds / 60:.0f} min"
        rows.append(
            (
                f"{check.launched_at.date().isoformat()} {check.title}",
                f"{overall.answered} of {overall.asked} contacts answered; median {median}",
            )
        )
    if not rows:
        rows.append(("Communication checks in the period", "0"))
    return ReportSection(
        "Confidence-building health",
        rows,
        "Communication checks of the points of contact the reader may see.",
    )
