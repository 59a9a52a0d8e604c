"""The ministers' report section on threat-information sharing: STIX objects added in the
period by month and by type, counted over the objects (of readable collections) that the
report's reader may see, never an object's content."""

from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Reader
from aseancyber.reporting import (
    ReportSection,
    months,
    period_bounds,
    visible_count,
)
from aseancyber.sharing.models import StixObject
from aseancyber.sharing.objects_service import visible_in

TOP_TYPES = 8


def report_section(db: Session, *, reader: Reader, start: date, end: date) -> ReportSection:
    """Objects shared in the period that ``reader`` may see: by month and by STIX type."""
    first, last = period_bounds(start, end)
    # TLP marking definitions are stored in every collection by the platform itself.
    visible = and_(visible_in(reader), StixObject.type != "marking-definition")
    objects = func.count(func.distinct(StixObject.stix_id))

    def count(begins: object, ends: object, *, inclusive: bool) -> int:
        upper = StixObject.date_added <= ends if inclusive else StixObject.date_added < ends
        return (
            db.scalar(select(objects).where(visible, StixObject.date_added >= begins, upper)) or 0
        )

    total = count(first, last, inclusive=True)
    versions = (
        db.scalar(
            select(func.count(StixObject.id)).where(
                visible, and_(StixObject.date_added >= first, StixObject.date_added <= last)
            )
        )
        or 0
    )
    result: list[tuple[str, str]] = [
        ("Objects shared in the period", visible_count(total)),
        ("Object versions added", str(versions)),
    ]
    by_type = db.execute(
        select(StixObject.type, objects)
        .where(visible, StixObject.date_added >= first, StixObject.date_added <= last)
        .group_by(StixObject.type)
        .order_by(objects.desc(), StixObject.type)
        .limit(TOP_TYPES)
    ).all()
    result.extend((f"Type {kind}", str(n)) for kind, n in by_type)
    for label, begins, ends in months(start, end):
        shared = db.scalar(
            select(objects).where(
                visible, StixObject.date_added >= begins, StixObject.date_added < ends
            )
        )
        if shared:
            result.append((f"Shared in {label}", str(shared)))
    return ReportSection(
        "Threat-information sharing volume",
        result,
        "STIX objects (marking definitions aside) added to the collections the reader may "
        "read, that the reader may see; months with none are not listed.",
    )
