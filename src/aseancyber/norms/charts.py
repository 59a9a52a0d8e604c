"""Server-rendered SVG line charts of implementation progress (no JavaScript).

The geometry is computed here; ``norms/_chart.html`` draws it.
"""

from dataclasses import dataclass

from aseancyber.norms.regional import Series

WIDTH = 760
HEIGHT = 280
LEFT, RIGHT, TOP, BOTTOM = 48, 150, 16, 32
PALETTE = (
    "#1b4f72",
    "#b9770e",
    "#1e8449",
    "#7d3c98",
    "#c0392b",
    "#2e86c1",
    "#ca6f1e",
    "#117a65",
    "#6c3483",
    "#566573",
    "#a93226",
    "#138d75",
)


@dataclass(frozen=True)
class Line:
    name: str
    colour: str
    paths: list[str]  # one polyline per run of known values
    last_x: float
    last_y: float
    last_value: str
    width: float


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    description: str


def line_chart(series: list[Series], *, title: str) -> Chart | None:
    """The chart for ``series`` (the first is drawn heavier), or None with nothing to draw."""
    if not series or not series[0].points:
        return None
    days = [day for day, _ in series[0].points]
    first, last = days[0].toordinal(), days[-1].toordinal()
    span = max(1, last - first)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def x(day_ordinal: int) -> float:
        return round(LEFT + (day_ordinal - first) / span * plot_w, 1)

    def y(value: float) -> float:
        return round(TOP + (1 - value) * plot_h, 1)

    lines = []
    for index, item in enumerate(series):
        paths: list[str] = []
        run: list[str] = []
        last_point: tuple[float, float, float] | None = None
        for day, value in item.points:
            if value is None:
                if len(run) > 1:
                    paths.append(" ".join(run))
                run = []
                continue
            px, py = x(day.toordinal()), y(value)
            run.append(f"{px},{py}")
            last_point = (px, py, value)
        if len(run) > 1:
            paths.append(" ".join(run))
        if last_point is None:
            continue
        lines.append(
            Line(
                name=item.name,
                colour=PALETTE[index % len(PALETTE)],
                paths=paths,
                last_x=last_point[0],
                last_y=last_point[1],
                last_value=f"{round(last_point[2] * 100)}%",
                width=3.0 if index == 0 else 1.4,
            )
        )
    years = sorted({day.year for day in days})
    x_ticks = [
        Tick(x(max(first, day.toordinal())), str(day.year))
        for day in (d.replace(month=1, day=1) for d in (days[0].replace(year=yr) for yr in years))
        if first <= day.toordinal() <= last
    ]
    y_ticks = [Tick(y(v / 100), f"{v}%") for v in (0, 25, 50, 75, 100)]
    latest = ", ".join(f"{line.name} {line.last_value}" for line in lines)
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        lines=lines,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        plot_bottom=HEIGHT - BOTTOM,
        description=(
            f"{title}, quarterly, from {days[0]:%B %Y} to {days[-1]:%B %Y}. Latest: {latest}."
        ),
    )
