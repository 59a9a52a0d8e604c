"""Coverage gaps: who is served by which initiatives, and what nobody covers.

Everything is computed from the initiatives the reader may see (so a count never reveals
an initiative the reader could not open) and, when given, active in a period.

A norm counts as *addressed* by an initiative only from its substance, not from a tag: an
initiative that names one of the norm's practical actions addresses it, and so does one
tagged with at most :data:`FOCUS_LIMIT` norms. A workshop tagged with all eleven norms and
no practical action *touches* them: it is shown (Table B2) but never fills a gap, so one
broad event cannot hide four missing norms.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState
from aseancyber.access.policy import Reader
from aseancyber.community.models import SectoralBody
from aseancyber.db import utcnow
from aseancyber.initiatives import service
from aseancyber.initiatives.models import THEME_LABELS, Initiative, Theme
from aseancyber.initiatives.norm_links import service as norm_links


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


FOCUS_LIMIT = 3
"""An initiative tagged with more norms than this, none of them through a practical action,
touches those norms rather than addresses them."""


def addressed_norms(initiative: Initiative) -> tuple[set[str], set[str]]:
    """The letters of the norms ``initiative`` addresses, and those it only touches."""
    by_action = {link.norm.letter for link in initiative.norm_links if link.action is not None}
    tagged = set(initiative.norms)
    if len(tagged) <= FOCUS_LIMIT:
        return tagged, set()
    return by_action, tagged - by_action


@dataclass(frozen=True)
class StateLine:
    """One member state's row of the implementation table (Table D)."""

    iso2: str
    name: str
    initiatives: int
    themes: int  # themes served, of len(Theme)
    norms: list[str]  # letters addressed by substance
    gaps: list[str]  # letters no initiative addresses for the state
    touched_only: list[str]  # of the gaps, those that broad initiatives tag


@dataclass(frozen=True)
class Coverage:
    initiatives: int
    states_by_themes: Matrix
    norms_by_states: Matrix
    bodies_by_themes: Matrix
    by_year: list[tuple[int, int]]
    themes_by_year: dict[int, dict[str, int]]
    findings: list[str] = field(default_factory=list)
    not_yet_members: list[str] = field(default_factory=list)  # states not (fully) judged, why
    touched_by_states: Matrix | None = None  # norms tagged only by broad initiatives
    states: list[StateLine] = field(default_factory=list)
    broad: list[Initiative] = field(default_factory=list)  # tagged widely, no action named


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
    # One that joined during the period is judged from the day it joined: only initiatives
    # active from then on count for it.
    joined_during = {
        state.iso2: state.accession_date
        for state in states
        if start is not None and start < state.accession_date <= last_day
    }
    not_yet_members += [
        f"{state.name} joined ASEAN on {state.accession_date:%d %B %Y}, during this period; "
        "it is judged from that day only."
        for state in states
        if state.iso2 in joined_during
    ]
    bodies = list(db.scalars(select(SectoralBody).order_by(SectoralBody.code)))
    theme_columns = [(theme.value, THEME_LABELS[theme]) for theme in Theme]
    state_rows = [(state.iso2, state.name) for state in states]
    known_states = {state.iso2 for state in states}
    state_theme: Counter[tuple[str, str]] = Counter()
    norm_state: Counter[tuple[str, str]] = Counter()
    touched_state: Counter[tuple[str, str]] = Counter()
    broad: list[Initiative] = []
    body_theme: Counter[tuple[str, str]] = Counter()
    by_year: Counter[int] = Counter()
    themes_by_year: dict[int, Counter[str]] = {}
    for initiative in initiatives:
        themes = [theme.value for theme in initiative.themes]
        served = [
            iso2
            for iso2 in initiative.states
            if iso2 in known_states
            and (iso2 not in joined_during or _active_in(initiative, joined_during[iso2], end))
        ]
        addressed, touched = addressed_norms(initiative)
        if touched:
            broad.append(initiative)
        for iso2 in served:
            for theme in themes:
                state_theme[(iso2, theme)] += 1
            for norm in addressed:
                norm_state[(norm, iso2)] += 1
            for norm in touched:
                touched_state[(norm, iso2)] += 1
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
    norm_rows = [(norm.letter, f"({norm.letter}) {norm.short_name}") for norm in norms]
    norm_pages = {norm.letter: norm_links.norm_url(norm.letter) for norm in norms}
    state_columns = [(state.iso2, state.iso2) for state in states]
    norms_by_states = Matrix(
        "Norms addressed, by member state", norm_rows, state_columns, dict(norm_state), norm_pages
    )
    touched_by_states = Matrix(
        f"Norms only tagged by broad initiatives (more than {FOCUS_LIMIT} norms, no practical "
        "action), by member state",
        norm_rows,
        state_columns,
        dict(touched_state),
        norm_pages,
    )
    bodies_by_themes = Matrix(
        "Sectoral bodies by theme",
        [(body.code, body.code) for body in bodies],
        theme_columns,
        dict(body_theme),
    )
    findings = _findings(states_by_themes, norms_by_states, touched_by_states, len(initiatives))
    lines = _state_lines(states_by_themes, norms_by_states, touched_by_states, initiatives)
    return Coverage(
        initiatives=len(initiatives),
        states_by_themes=states_by_themes,
        norms_by_states=norms_by_states,
        bodies_by_themes=bodies_by_themes,
        by_year=sorted(by_year.items()),
        themes_by_year={year: dict(counts) for year, counts in sorted(themes_by_year.items())},
        findings=findings,
        not_yet_members=not_yet_members,
        touched_by_states=touched_by_states,
        states=lines,
        broad=broad,
    )


def _state_lines(
    states_by_themes: Matrix,
    norms_by_states: Matrix,
    touched_by_states: Matrix,
    initiatives: list[Initiative],
) -> list[StateLine]:
    served: Counter[str] = Counter()
    for initiative in initiatives:
        served.update(set(initiative.states))
    lines = []
    for iso2, name in states_by_themes.rows:
        norms = [letter for letter, _ in norms_by_states.rows if norms_by_states.cell(letter, iso2)]
        gaps = [letter for letter, _ in norms_by_states.rows if letter not in norms]
        lines.append(
            StateLine(
                iso2=iso2,
                name=name,
                initiatives=served[iso2],
                themes=len(
                    [t for t, _ in states_by_themes.columns if states_by_themes.cell(iso2, t)]
                ),
                norms=norms,
                gaps=gaps,
                touched_only=[g for g in gaps if touched_by_states.cell(g, iso2)],
            )
        )
    return lines


def _findings(
    states_by_themes: Matrix, norms_by_states: Matrix, touched_by_states: Matrix, total: int
) -> list[str]:
    if total == 0:
        return ["No initiative visible to you is active in this period, so no gap can be judged."]
    found = []
    state_rows = states_by_themes.rows
    names = dict(state_rows)
    for letter, label in norms_by_states.rows:
        missing = norms_by_states.empty_in_row(letter)
        touched = [m for m in missing if touched_by_states.cell(letter, m)]
        broad_note = (
            f" (broad initiatives tag it for {_names([names[m] for m in touched])} without "
            "addressing it)"
            if touched
            else ""
        )
        if len(missing) == len(state_rows):
            found.append(f"No initiative addresses norm {label} in any member state{broad_note}.")
        elif missing:
            found.append(
                f"No initiative addresses norm {label} in {len(missing)} state"
                f"{'s' if len(missing) != 1 else ''}: {_names([names[m] for m in missing])}"
                f"{broad_note}."
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
