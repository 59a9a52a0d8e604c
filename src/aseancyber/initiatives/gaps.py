"""Coverage gaps: who is served by which initiatives, and what nobody covers.

Everything is computed from the initiatives the reader may see (so a count never reveals
an initiative the reader could not open) and, when given, active in a period.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Reader
from aseancyber.community.models import MemberState, SectoralBody
from aseancyber.db import utcnow
from aseancyber.initiatives import norm_links, service
from aseancyber.initiatives.models import THEME_LABELS, Initiative, Theme


@dataclass(frozen=True)
class Matrix:
    """Counts of initiatives by row and column, with the labels to show."""

    title: str
    rows: list[tuple[str, str]]  # (key, label)
    columns: list[tuple[str, str]]
    cells: dict[tuple[str, str], int]
    links: dict[str, str] = field(default_factory=dict)  # row key -> page that explains it

    def cell(self, row: str, column: str) -> int:
        return self.cells.get((row, column), 0)

    @property
    def maximum(self) -> int:
        return max(self.cells.values(), default=0)

    def empty_in_row(self, row: str) -> list[str]:
        return [key for key, _ in self.columns if not self.cell(row, key)]


@dataclass(frozen=True)
class Coverage:
    initiatives: int
    states_by_themes: Matrix
    norms_by_states: Matrix
    bodies_by_themes: Matrix
    by_year: list[tuple[int, int]]
    themes_by_year: dict[int, dict[str, int]]
    findings: list[str] = field(default_factory=list)
    not_yet_members: list[str] = field(default_factory=list)  # states not judged, and why


def _active_in(initiative: Initiative, start: date | None, end: date | None) -> bool:
    if start is None and end is None:
        return True
    if initiative.start_on is None:
        return False
    last = initiative.end_on or initiative.start_on
    return (end is None or initiative.start_on <= end) and (start is None or last >= start)


def visible_in_period(
    db: Session, *, reader: Reader, start: date | None = None, end: date | None = None
) -> list[Initiative]:
    """The initiatives ``reader`` may see that are active at some point in the period."""
    return [
        initiative
        for initiative in service.all_visible(db, reader=reader)
        if _active_in(initiative, start, end)
    ]


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def coverage(
    db: Session, *, reader: Reader, start: date | None = None, end: date | None = None
) -> Coverage:
    """The three coverage matrices, findings in plain language, and trends by year."""
    initiatives = visible_in_period(db, reader=reader, start=start, end=end)
    everyone = list(db.scalars(select(MemberState).order_by(MemberState.name)))
    # A state is judged only for a period in which it was a member of ASEAN: no gap is
    # flagged for the years before it joined.
    last_day = end or utcnow().date()
    states = [state for state in everyone if state.accession_date <= last_day]
    not_yet_members = [
        f"{state.name} joined ASEAN on {state.accession_date:%d %B %Y}, after this period; "
        "it is not judged for it."
        for state in everyone
        if state.accession_date > last_day
    ]
    bodies = list(db.scalars(select(SectoralBody).order_by(SectoralBody.code)))
    theme_columns = [(theme.value, THEME_LABELS[theme]) for theme in Theme]
    state_rows = [(state.iso2, state.name) for state in states]
    known_states = {state.iso2 for state in states}
    state_theme: Counter[tuple[str, str]] = Counter()
    norm_state: Counter[tuple[str, str]] = Counter()
    body_theme: Counter[tuple[str, str]] = Counter()
    by_year: Counter[int] = Counter()
    themes_by_year: dict[int, Counter[str]] = {}
    for initiative in initiatives:
        themes = [theme.value for theme in initiative.themes]
        served = [iso2 for iso2 in initiative.states if iso2 in known_states]
        for iso2 in served:
            for theme in themes:
                state_theme[(iso2, theme)] += 1
            for norm in initiative.norms:
                norm_state[(norm, iso2)] += 1
        body = initiative.sectoral_body.code if initiative.sectoral_body else None
        if body:
            for theme in themes:
                body_theme[(body, theme)] += 1
        if initiative.start_on is not None:
            year = initiative.start_on.year
            by_year[year] += 1
            yearly = themes_by_year.setdefault(year, Counter())
            for theme in themes:
                yearly[theme] += 1
    states_by_themes = Matrix(
        "Member states by theme", state_rows, theme_columns, dict(state_theme)
    )
    norms = norm_links.catalogue(db)
    norms_by_states = Matrix(
        "Norms by member state",
        [(norm.letter, f"({norm.letter}) {norm.short_name}") for norm in norms],
        [(state.iso2, state.iso2) for state in states],
        dict(norm_state),
        {norm.letter: norm_links.norm_url(norm.letter) for norm in norms},
    )
    bodies_by_themes = Matrix(
        "Sectoral bodies by theme",
        [(body.code, body.code) for body in bodies],
        theme_columns,
        dict(body_theme),
    )
    findings = _findings(
        states_by_themes, norms_by_states, bodies_by_themes, state_rows, len(initiatives)
    )
    return Coverage(
        initiatives=len(initiatives),
        states_by_themes=states_by_themes,
        norms_by_states=norms_by_states,
        bodies_by_themes=bodies_by_themes,
        by_year=sorted(by_year.items()),
        themes_by_year={year: dict(counts) for year, counts in sorted(themes_by_year.items())},
        findings=findings,
        not_yet_members=not_yet_members,
    )


def _findings(
    states_by_themes: Matrix,
    norms_by_states: Matrix,
    bodies_by_themes: Matrix,
    state_rows: list[tuple[str, str]],
    total: int,
) -> list[str]:
    if total == 0:
        return ["No initiative visible to you is active in this period, so no gap can be judged."]
    found = []
    names = dict(state_rows)
    for letter, label in norms_by_states.rows:
        missing = norms_by_states.empty_in_row(letter)
        if len(missing) == len(state_rows):
            found.append(f"No initiative addresses norm {label} in any member state.")
        elif missing:
            found.append(
                f"No initiative addresses norm {label} in {len(missing)} state"
                f"{'s' if len(missing) != 1 else ''}: {_names([names[m] for m in missing])}."
            )
    for theme, label in states_by_themes.columns:
        missing = [iso2 for iso2, _ in state_rows if not states_by_themes.cell(iso2, theme)]
        if missing and len(missing) < len(state_rows):
            found.append(f"{label}: no initiative serves {_names([names[m] for m in missing])}.")
        elif missing:
            found.append(f"{label}: no initiative serves any member state.")
    for iso2, name in state_rows:
        if not any(states_by_themes.cell(iso2, theme) for theme, _ in states_by_themes.columns):
            found.append(f"{name} benefits from no initiative in this period.")
    return found
