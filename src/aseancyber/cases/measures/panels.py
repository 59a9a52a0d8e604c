"""The cases' dashboard panel (declared in the domain's manifest)."""

from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor
from aseancyber.cases.measures import service as measures
from aseancyber.plugins import Panel


def case_measures(db: Session, actor: Actor) -> Panel | None:
    """Open cases by sector, V->F and F->P times and good histories, over visible cases."""
    figures = measures.for_reader(db, reader=actor)
    if not figures["cases"]:
        return None
    return Panel(
        "Coordination cases",
        "cases/panel.html",
        {"m": figures},
        more_href="/cases/measures",
        more_label="All case measures",
    )
