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
from datetime import UTC, date, datetime, time
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


def _contacts(db: Session, *, reader: Reader, start: date, end: date) -> ReportSection | None:
    models = importlib.import_module("aseancyber.contacts.models")
    checks = importlib.import_module("aseancyber.contacts.checks_service")
    check_model: Any = models.ContactCheck
    first = datetime.combine(start, time.min, tzinfo=UTC)
    last = datetime.combine(end, time.max, tzinfo=UTC)
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
