"""Where the report's sections on other capabilities come from, when this node has them.

A domain may provide ``aseancyber.<domain>.report.report_section(db, *, reader, start, end)``
returning a :class:`ReportSection` of aggregates computed through the visibility policy.
Until it does, two adapters read the aggregates the norms and contacts domains already
expose (the norms heat map, the communication-check results). Anything else, or an
adapter whose domain is missing or has changed shape, is "not yet available on this node":
the report never shows an invented or estimated figure.
"""

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aseancyber.access.policy import Reader

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportSection:
    """What another domain contributes: a title, aggregate rows, and a note on sources."""

    title: str
    rows: list[tuple[str, str]]
    note: str = ""


Provider = Callable[..., ReportSection | None]


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


def _norms(db: Session, *, reader: Reader, start: date, end: date) -> ReportSection | None:
    regional = importlib.import_module("aseancyber.norms.regional")
    heat = regional.heat_map(db, reader=reader, as_of=end)
    rows = []
    for norm in heat.norms:
        level = heat.norm_levels.get(norm.id)
        shared = sum(heat.cells[(state.id, norm.id)].shared for state in heat.states)
        letter = getattr(norm, "letter", getattr(norm, "code", ""))
        text = "no assessment visible" if level is None else f"{round(level * 100)}% implemented"
        rows.append((f"Norm ({letter})", f"{text}; {shared} assessment rows visible"))
    level = heat.region_level
    rows.append(("Region", "no assessment visible" if level is None else f"{round(level * 100)}%"))
    return ReportSection(
        "Norms implementation",
        rows,
        f"Self-assessments as of {end.isoformat()} that the reader may see.",
    )


@dataclass(frozen=True)
class Implementation:
    """Norms implementation the reader may see, by member state (ISO2): the state's level
    over all norms and each norm's, ``None`` where nothing is shared with the reader."""

    by_state: dict[str, float | None]
    by_state_norm: dict[tuple[str, str], float | None]  # (iso2, norm letter)


def implementation(db: Session, *, reader: Reader, as_of: date) -> Implementation | None:
    """From the norms heat map, when this node has the norms capability; else ``None``."""
    try:
        regional = importlib.import_module("aseancyber.norms.regional")
        with db.begin_nested():
            heat = regional.heat_map(db, reader=reader, as_of=as_of)
    except (ImportError, AttributeError, SQLAlchemyError) as error:
        log.warning("norms implementation is not available: %s", error)
        return None
    return Implementation(
        by_state={state.iso2: heat.state_levels.get(state.id) for state in heat.states},
        by_state_norm={
            (state.iso2, norm.letter): heat.cells[(state.id, norm.id)].level
            for state in heat.states
            for norm in heat.norms
        },
    )


def _contacts(db: Session, *, reader: Reader, start: date, end: date) -> ReportSection | None:
    models = importlib.import_module("aseancyber.contacts.models")
    checks = importlib.import_module("aseancyber.contacts.check_results")
    check_model: Any = models.ContactCheck
    first, last = period_bounds(start, end)
    found = db.scalars(
        select(check_model)
        .where(check_model.launched_at >= first, check_model.launched_at <= last)
        .order_by(check_model.launched_at)
    ).all()
    rows = []
    for check in found:
        overall = checks.results(db, reader=reader, check=check).overall
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


BUILT_IN: dict[str, Provider] = {"norms": _norms, "contacts": _contacts}


def section_for(
    domain: str, db: Session, *, reader: Reader, start: date, end: date
) -> ReportSection | None:
    """The domain's section, or ``None`` when this node cannot provide it."""
    provider: Provider | None = None
    try:
        module = importlib.import_module(f"aseancyber.{domain}.report")
        provider = getattr(module, "report_section", None)
    except ImportError:
        provider = None
    provider = provider or BUILT_IN.get(domain)
    if provider is None:
        return None
    try:
        with db.begin_nested():  # a failing adapter leaves the report's transaction intact
            return provider(db, reader=reader, start=start, end=end)
    except (ImportError, AttributeError, TypeError, KeyError, ValueError, SQLAlchemyError) as error:
        log.warning("report section %s is not available: %s", domain, error)
        return None
