"""The ministers' report's sections from other capabilities: what a section is, where it
comes from (a :class:`ReportSource` a domain declares in its manifest), and the counting
helpers every section uses. A domain missing on this node, or a section that fails, is
"not yet available on this node": the report never shows an invented or estimated figure.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState
from aseancyber.access.policy import Reader

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportSection:
    """What another domain contributes: a title, aggregate rows, and a note on sources."""

    title: str
    rows: list[tuple[str, str]]
    note: str = ""


class SectionProvider(Protocol):
    """A domain's ``report_section(db, *, reader, start, end)``: aggregates computed through
    the visibility policy, or ``None`` when there is nothing to say."""

    def __call__(
        self, db: Session, *, reader: Reader, start: date, end: date
    ) -> ReportSection | None: ...


@dataclass(frozen=True)
class ReportSource:
    """A section a domain contributes to the ministers' report (declared in its manifest)."""

    domain: str
    section: SectionProvider


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The first and last instants (UTC) of a report's period."""
    return datetime.combine(start, time.min, tzinfo=UTC), datetime.combine(
        end, time.max, tzinfo=UTC
    )


NONE_VISIBLE = "none the reader may see"


def visible_count(count: int) -> str:
    """A count over what the reader may see: zero is said as such, never a bare "0" that
    would read as "none happened" (records out of the reader's sight may exist)."""
    return str(count) if count else NONE_VISIBLE


def months(start: date, end: date) -> list[tuple[str, datetime, datetime]]:
    """Each calendar month the period touches: its label and its [first, next) instants,
    clipped to the period (so a domain counts month by month with portable SQL)."""
    first = datetime.combine(start, time.min, tzinfo=UTC)
    last = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    found = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        following = (year + 1, 1) if month == 12 else (year, month + 1)
        begins = max(first, datetime(year, month, 1, tzinfo=UTC))
        ends = min(last, datetime(*following, 1, tzinfo=UTC))
        found.append((f"{year:04d}-{month:02d}", begins, ends))
        year, month = following
    return found


def section_for(
    sources: Sequence[ReportSource],
    domain: str,
    db: Session,
    *,
    reader: Reader,
    start: date,
    end: date,
) -> ReportSection | None:
    """The domain's section, or ``None`` when this node cannot provide it."""
    provider = next((s.section for s in sources if s.domain == domain), None)
    if provider is None:
        return None
    try:
        with db.begin_nested():  # a failing section leaves the report's transaction intact
            return provider(db, reader=reader, start=start, end=end)
    except (AttributeError, TypeError, KeyError, ValueError, SQLAlchemyError) as error:
        log.warning("report section %s is not available: %s", domain, error)
        return None


def installed_sources(request: Request) -> Sequence[ReportSource]:
    """FastAPI dependency: the report sections the app was assembled with (``app.state``)."""
    sources: Sequence[ReportSource] = request.app.state.report_sources
    return sources


InstalledSources = Annotated[Sequence[ReportSource], Depends(installed_sources)]


class ProgrammeProvider(Protocol):
    """The capacity-building programmes a member state takes part in, as the reader may see
    them (part 4 of the OEWG survey export; the initiatives manifest declares it)."""

    def __call__(
        self, db: Session, *, reader: Reader, state: MemberState
    ) -> list[dict[str, Any]]: ...


def installed_programmes(request: Request) -> ProgrammeProvider | None:
    """FastAPI dependency: the programme provider the app was assembled with, if any."""
    provider: ProgrammeProvider | None = request.app.state.survey_programmes
    return provider


InstalledProgrammes = Annotated[ProgrammeProvider | None, Depends(installed_programmes)]
