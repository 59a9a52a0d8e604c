"""The norms section of the ministers' report: implementation the reader may see."""

from datetime import date

from sqlalchemy.orm import Session

from aseancyber.access.policy import Reader
from aseancyber.norms import regional
from aseancyber.reporting import ReportSection


def report_section(db: Session, *, reader: Reader, start: date, end: date) -> ReportSection | None:
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
