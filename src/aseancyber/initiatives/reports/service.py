"""The ministers' recommendations report (statement, TASK): HTML and PDF for a chosen period.

Every figure in the report is numbered and reproduced as a table in the data appendix;
every count is computed from what the reader may see. Sections on norms implementation,
confidence-building health and cross-border activity come from the other domains when this
node has them: :data:`OTHER_SECTIONS` declares them in the report's order, and a domain
fills its section through the :class:`~aseancyber.reporting.ReportSource` its manifest
declares, which returns aggregates only (never content) computed through the visibility
policy (see :mod:`aseancyber.reporting`). A domain that is not there is shown as "not
yet available on this node"; no figure is ever invented.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from aseancyber import reporting
from aseancyber.access.policy import Reader
from aseancyber.db import utcnow
from aseancyber.errors import Invalid
from aseancyber.initiatives.detection.index import Reasons
from aseancyber.initiatives.models import Initiative
from aseancyber.initiatives.norm_links import implementation as norms_implementation
from aseancyber.initiatives.overlaps import service as overlaps
from aseancyber.initiatives.overlaps.models import Overlap, OverlapStatus
from aseancyber.initiatives.reports import charts, gaps
from aseancyber.initiatives.reports.recommendations import Recommendation, derive, level_text
from aseancyber.reporting import ReportSection
from aseancyber.web.pdf import render_pdf
from aseancyber.web.templating import templates

Progress = Callable[[int, int, str], None]
MAX_OVERLAPS_SHOWN = 25
MERGE_SIMILARITY = 0.5  # text this alike under one body reads as one piece of work


@dataclass(frozen=True)
class OtherCapability:
    """A section after the report's own four that another capability fills: the domain
    whose :class:`~aseancyber.reporting.ReportSource` provides it, its title, and what it
    would show (said instead when this node cannot provide it)."""

    domain: str
    title: str
    what: str


# The report's sections from other capabilities, numbered 5, 6... in this order.
OTHER_SECTIONS: tuple[OtherCapability, ...] = (
    OtherCapability(
        "norms", "Norms implementation", "what states share with the Secretariat about each norm"
    ),
    OtherCapability("contacts", "Confidence-building health", "communication-check results"),
    OtherCapability(
        "requests", "Cross-border requests for assistance", "requests and response times"
    ),
    OtherCapability(
        "cases", "Cross-border vulnerability and incident coordination", "cases by month"
    ),
    OtherCapability("sharing", "Threat-information sharing volume", "objects shared by month"),
)


@dataclass(frozen=True)
class Figure:
    number: int
    title: str
    chart: Markup
    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class CoordinationOption:
    overlap: Overlap
    reasons: Reasons
    options: list[str]
    sentences: list[str]


@dataclass(frozen=True)
class OtherSection:
    domain: str
    title: str
    what: str
    section: ReportSection | None


@dataclass
class Report:
    start: date
    end: date
    generated_at: datetime
    initiatives: list[Initiative]
    summary: list[tuple[str, str]]
    figures: list[Figure] = field(default_factory=list)
    overlaps: list[CoordinationOption] = field(default_factory=list)  # reviewed (confirmed)
    overlaps_total: int = 0
    candidates: list[CoordinationOption] = field(default_factory=list)  # not yet reviewed
    candidates_total: int = 0
    coverage: gaps.Coverage | None = None
    other: list[OtherSection] = field(default_factory=list)
    by_pillar: dict[str, list[Initiative]] = field(default_factory=dict)
    recommendations: list[Recommendation] = field(default_factory=list)
    implementation: norms_implementation.Implementation | None = None

    def implementation_of(self, iso2: str) -> str:
        """A state's shared norms implementation, as the per-state table says it."""
        if self.implementation is None:
            return "not available on this node"
        return level_text(self.implementation.by_state.get(iso2))

    def figure(self, number: int) -> Figure:
        return self.figures[number - 1]


def parse_period(
    start: str | None, end: str | None, *, today: date | None = None
) -> tuple[date, date]:
    """The report period from query text (default: the current calendar year)."""
    today = today or utcnow().date()
    try:
        first = date.fromisoformat(start) if start else date(today.year, 1, 1)
    except ValueError as error:
        raise Invalid("must be a date such as 2025-01-01", "start") from error
    try:
        last = date.fromisoformat(end) if end else date(first.year, 12, 31)
    except ValueError as error:
        raise Invalid("must be a date such as 2025-12-31", "end") from error
    if last < first:
        raise Invalid("must not be before the start of the period", "end")
    if (last - first).days > 366 * 20:
        raise Invalid("the period may span at most 20 years", "end")
    return first, last


def _options(overlap: Overlap, reasons: Reasons) -> list[str]:
    """The coordination options that follow from the evidence of one overlap."""
    options = []
    if reasons.different_bodies:
        options.append(
            f"Joint delivery: {reasons.bodies[0]} and {reasons.bodies[1]} run one programme "
            "together instead of two."
        )
        options.append(
            "A single lead body: one of the two bodies leads this work and the other contributes."
        )
    if reasons.overlap_months:
        options.append(
            f"A shared calendar: the two are active together from {reasons.overlap_from} to "
            f"{reasons.overlap_to}; schedule them so that participants are not asked twice."
        )
    elif overlap.text_similarity >= MERGE_SIMILARITY:
        options.append(
            "Merge: one body registered what reads as the same work twice; keep one record "
            "and one delivery."
        )
    if not options:
        options.append("Exchange plans between the two implementers before the next edition.")
    return options


def _option(overlap: Overlap) -> CoordinationOption:
    reasons = overlaps.reasons_of(overlap)
    return CoordinationOption(
        overlap, reasons, _options(overlap, reasons), overlaps.sentences(overlap)
    )


def _other_sections(
    db: Session,
    reader: Reader,
    start: date,
    end: date,
    sources: Sequence[reporting.ReportSource],
) -> list[OtherSection]:
    return [
        OtherSection(
            expected.domain,
            expected.title,
            expected.what,
            reporting.section_for(
                sources, expected.domain, db, reader=reader, start=start, end=end
            ),
        )
        for expected in OTHER_SECTIONS
    ]


def _money(amounts: dict[str, Decimal]) -> str:
    if not amounts:
        return "not stated"
    return "; ".join(f"{currency} {amount:,.0f}" for currency, amount in sorted(amounts.items()))


def build(
    db: Session,
    *,
    reader: Reader,
    start: date,
    end: date,
    sources: Sequence[reporting.ReportSource],
    progress: Progress | None = None,
) -> Report:
    """Gather every section and figure of the report for ``reader`` and the period; the
    other capabilities' sections come from ``sources`` (every manifest's report sections)."""
    steps = 5

    def step(number: int, what: str) -> None:
        if progress is not None:
            progress(number, steps, what)

    initiatives = gaps.visible_in_period(db, reader=reader, start=start, end=end)
    ids = {initiative.id for initiative in initiatives}
    step(1, "initiatives in the period")

    pillars: Counter[str] = Counter()
    bodies: Counter[str] = Counter()
    by_pillar: dict[str, list[Initiative]] = {}
    budgets: dict[str, Decimal] = {}
    states: set[str] = set()
    for initiative in initiatives:
        pillar = initiative.pillar.name if initiative.pillar else "No pillar given (cross-pillar)"
        pillars[pillar] += 1
        by_pillar.setdefault(pillar, []).append(initiative)
        bodies[initiative.sectoral_body.code if initiative.sectoral_body else "No body given"] += 1
        states.update(initiative.states)
        if initiative.budget_amount is not None and initiative.budget_currency:
            currency = initiative.budget_currency
            budgets[currency] = budgets.get(currency, Decimal(0)) + initiative.budget_amount
    step(2, "initiatives by pillar and body")

    visible_overlaps = [
        overlap
        for overlap in db.scalars(
            overlaps.visible_statement(reader).order_by(Overlap.score.desc(), Overlap.id)
        ).unique()
        if overlap.status is not OverlapStatus.DISMISSED
        and (overlap.first_id in ids or overlap.second_id in ids)
    ]
    # A pair merged after review is one initiative now: counted as merged, never an option.
    merged = [o for o in visible_overlaps if o.first.merged_into_id or o.second.merged_into_id]
    visible_overlaps = [o for o in visible_overlaps if o not in merged]
    # Only a coordinator's review makes a candidate an overlap; the rest go to the annex.
    reviewed = [o for o in visible_overlaps if o.status is OverlapStatus.CONFIRMED]
    unreviewed = [o for o in visible_overlaps if o.status is OverlapStatus.OPEN]
    options = [_option(overlap) for overlap in reviewed[:MAX_OVERLAPS_SHOWN]]
    candidates = [_option(overlap) for overlap in unreviewed[:MAX_OVERLAPS_SHOWN]]
    pairs: Counter[str] = Counter()
    for overlap in reviewed:
        reasons = overlaps.reasons_of(overlap)
        first, second = (reasons.bodies[0] or "no body"), (reasons.bodies[1] or "no body")
        pairs[" / ".join(sorted([first, second]))] += 1
    step(3, "overlaps and coordination options")

    coverage = gaps.coverage(db, reader=reader, start=start, end=end)
    implementation = norms_implementation.implementation(db, reader=reader, as_of=end)
    advice = derive(coverage, implementation, pairs)
    step(4, "coverage gaps and recommendations")
    other = _other_sections(db, reader, start, end, sources)
    step(5, "other domains")

    summary = [
        ("Initiatives active in the period", str(len(initiatives))),
        ("Sectoral bodies running them", str(len([b for b in bodies if b != "No body given"]))),
        ("Member states benefiting", str(len(states))),
        ("Overlaps confirmed by review (section 3)", str(len(reviewed))),
        ("Candidates not yet reviewed (annex, not findings)", str(len(unreviewed))),
        ("Duplicates merged after review (counted once)", str(len(merged))),
        ("Stated budgets", _money(budgets)),
    ]
    figure_data = [
        ("Initiatives by pillar", sorted(pillars.items(), key=lambda kv: (-kv[1], kv[0])), "bar"),
        (
            "Initiatives by sectoral body",
            sorted(bodies.items(), key=lambda kv: (-kv[1], kv[0])),
            "bar",
        ),
        ("Initiatives by starting year", [(str(y), n) for y, n in coverage.by_year], "column"),
        (
            "Overlaps confirmed by review, by pair of bodies",
            sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0])),
            "bar",
        ),
        (
            "Member states served, by number of initiatives",
            sorted(
                (
                    (
                        name,
                        sum(
                            coverage.states_by_themes.cell(iso2, t)
                            for t, _ in coverage.states_by_themes.columns
                        ),
                    )
                    for iso2, name in coverage.states_by_themes.rows
                ),
                key=lambda kv: (-kv[1], kv[0]),
            ),
            "bar",
        ),
    ]
    figures = []
    for number, (title, values, kind) in enumerate(figure_data, start=1):
        chart = (
            charts.column_chart(values, title=title)
            if kind == "column"
            else charts.bar_chart(values, title=title)
        )
        figures.append(Figure(number, title, chart, ("Label", "Count"), list(values)))
    return Report(
        start=start,
        end=end,
        generated_at=utcnow(),
        initiatives=initiatives,
        summary=summary,
        figures=figures,
        overlaps=options,
        overlaps_total=len(reviewed),
        candidates=candidates,
        candidates_total=len(unreviewed),
        coverage=coverage,
        other=other,
        by_pillar=dict(sorted(by_pillar.items())),
        recommendations=advice,
        implementation=implementation,
    )


def render_html(report: Report, *, standalone: bool = True) -> str:
    """The report as one HTML document (standalone: with its own styles, for files and PDF)."""
    template = templates.env.get_template("initiatives/report_document.html")
    return template.render(
        report=report, shade=charts.shade, standalone=standalone, focus_limit=gaps.FOCUS_LIMIT
    )


REPORT_CSS = """
@page {
  size: A4;
  margin: 18mm 16mm;
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 9pt; }
}
"""


def render(report: Report, *, format: str) -> tuple[bytes, str, str]:
    """The report as (content, media type, file name) in ``html`` or ``pdf``."""
    html = render_html(report)
    name = f"ministers-report-{report.start.isoformat()}-{report.end.isoformat()}"
    if format == "html":
        return html.encode(), "text/html; charset=utf-8", f"{name}.html"
    if format == "pdf":
        return render_pdf(html, stylesheet=REPORT_CSS), "application/pdf", f"{name}.pdf"
    raise Invalid("must be html or pdf", "format")
