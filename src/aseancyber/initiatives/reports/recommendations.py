"""The ministers' report's recommendations: a prioritised list derived from the figures of
the report itself, each naming the tables it comes from, so a reader can check every one.

Nothing here is a judgement typed in by hand: a recommendation exists because a count in
the appendix says so (a norm no initiative addresses for some states, a member state no
initiative serves, overlaps confirmed by review, initiatives tagged too broadly to be
judged). The rules, in order of priority:

1. A member state served by no initiative in the period.
2. A norm that no initiative addresses for half or more of the member states judged, or for
   a state whose shared implementation of that norm is below :data:`LOW_IMPLEMENTATION`.
3. Any other norm gap; bodies whose overlaps were confirmed by review.
4. Initiatives tagged with many norms and no practical action (their coverage can't be judged).
"""

from collections import Counter
from dataclasses import dataclass

from aseancyber.initiatives.norm_links.implementation import Implementation
from aseancyber.initiatives.reports.gaps import FOCUS_LIMIT, Coverage

LOW_IMPLEMENTATION = 0.5


@dataclass(frozen=True)
class Recommendation:
    priority: int  # 1 first
    text: str
    sources: tuple[str, ...]  # the tables and figures of the report it is drawn from
    weight: int = 0  # how many states or records it concerns (orders within a priority)


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def level_text(level: float | None) -> str:
    return "not shared" if level is None else f"{round(level * 100)}%"


def derive(
    coverage: Coverage,
    implementation: Implementation | None,
    confirmed_by_bodies: Counter[str],
) -> list[Recommendation]:
    """The recommendations the report's own figures support, most urgent first."""
    found: list[Recommendation] = []
    names = {line.iso2: line.name for line in coverage.states}
    judged = len(coverage.states)
    if coverage.initiatives == 0 or judged == 0:
        return found
    for line in coverage.states:
        if line.initiatives == 0:
            found.append(
                Recommendation(
                    1,
                    f"{line.name} benefits from no initiative in this period: ask the sectoral "
                    "bodies to include it in their next capacity-building plans.",
                    ("Table A", "Table D", "Figure 5"),
                    judged,
                )
            )
    for letter, label in coverage.norms_by_states.rows:
        missing = [line.iso2 for line in coverage.states if letter in line.gaps]
        if not missing:
            continue
        levels = {
            iso2: implementation.by_state_norm.get((iso2, letter)) if implementation else None
            for iso2 in missing
        }
        low = [
            iso2
            for iso2, level in levels.items()
            if level is not None and level < LOW_IMPLEMENTATION
        ]
        urgent = len(missing) * 2 >= judged or bool(low)
        where = _names([names[iso2] for iso2 in missing])
        if implementation is not None:
            shared = "; ".join(f"{names[iso2]} {level_text(levels[iso2])}" for iso2 in missing)
            evidence = f" Implementation shared with you: {shared}."
        else:
            evidence = " Norms implementation is not available on this node."
        touched = [iso2 for iso2 in missing if letter in _touched(coverage, iso2)]
        broad = (
            f" Initiatives tagged with more than {FOCUS_LIMIT} norms mention it for "
            f"{_names([names[iso2] for iso2 in touched])} without addressing it."
            if touched
            else ""
        )
        sources = ("Table B", "Table D") + (("Table B2",) if touched else ())
        found.append(
            Recommendation(
                2 if urgent else 3,
                f"Norm {label}: no initiative addresses it for {where}.{evidence}{broad} "
                "Plan capacity building on this norm with the states concerned.",
                sources,
                len(missing),
            )
        )
    for pair, count in confirmed_by_bodies.items():
        found.append(
            Recommendation(
                3,
                f"{pair}: {count} overlap{'s' if count != 1 else ''} confirmed by review; agree "
                "a lead body or joint delivery (section 3).",
                ("Figure 4",),
                count,
            )
        )
    if coverage.broad:
        found.append(
            Recommendation(
                4,
                f"{len(coverage.broad)} initiative{'s' if len(coverage.broad) != 1 else ''} "
                f"tag more than {FOCUS_LIMIT} norms without naming a practical action, so "
                "whether they address those norms can't be judged; their owners should name "
                "the practical actions they deliver.",
                ("Table B2", "Initiatives counted"),
                len(coverage.broad),
            )
        )
    return sorted(found, key=lambda r: (r.priority, -r.weight, r.text))


def _touched(coverage: Coverage, iso2: str) -> list[str]:
    for line in coverage.states:
        if line.iso2 == iso2:
            return line.touched_only
    return []
