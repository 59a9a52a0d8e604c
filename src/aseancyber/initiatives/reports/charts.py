"""Server-rendered SVG charts: no JavaScript, the same markup in the page and in the PDF."""

from markupsafe import Markup, escape

BAR_COLOURS = ("#1f5f99", "#3b8ea5", "#5aa469", "#d9a13b", "#c8553d", "#7d5ba6")


def bar_chart(
    values: list[tuple[str, int]], *, title: str, width: int = 640, unit: str = "initiatives"
) -> Markup:
    """A horizontal bar chart, one labelled bar per value, with the number at its end."""
    row_height, label_width, top = 24, 240, 8
    height = top * 2 + row_height * max(len(values), 1)
    largest = max((value for _, value in values), default=0) or 1
    plot = width - label_width - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    if not values:
        parts.append(f'<text x="0" y="{top + 16}" font-size="13">Nothing to show.</text>')
    for position, (label, value) in enumerate(values):
        y = top + position * row_height
        length = round(plot * value / largest)
        colour = BAR_COLOURS[position % len(BAR_COLOURS)]
        text = label if len(label) <= 36 else label[:35] + "…"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 16}" font-size="11" text-anchor="end">'
            f"{escape(text)}</text>"
            f'<rect x="{label_width}" y="{y + 4}" width="{max(length, 1)}" '
            f'height="{row_height - 8}" '
            f'fill="{colour}"><title>{escape(label)}: {value} {escape(unit)}</title></rect>'
            f'<text x="{label_width + length + 6}" y="{y + 16}" font-size="12">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above


def column_chart(values: list[tuple[str, int]], *, title: str, width: int = 640) -> Markup:
    """A vertical column chart (for trends by year)."""
    height, bottom, top = 200, 24, 16
    largest = max((value for _, value in values), default=0) or 1
    slot = width / max(len(values), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    if not values:
        parts.append('<text x="0" y="20" font-size="13">Nothing to show.</text>')
    for position, (label, value) in enumerate(values):
        bar = (height - bottom - top) * value / largest
        x = position * slot + slot * 0.15
        y = height - bottom - bar
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{max(bar, 1):.1f}" '
            f'fill="{BAR_COLOURS[0]}"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 4:.1f}" font-size="11" '
            f'text-anchor="middle">{value}</text>'
            f'<text x="{x + slot * 0.35:.1f}" y="{height - 6}" font-size="11" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above


def shade(value: int, maximum: int) -> str:
    """A background colour for a heat-map cell (white for zero, deeper blue for more)."""
    if value <= 0 or maximum <= 0:
        return "#ffffff"
    strength = 0.15 + 0.85 * value / maximum
    red = round(255 - (255 - 31) * strength)
    green = round(255 - (255 - 95) * strength)
    blue = round(255 - (255 - 153) * strength)
    return f"#{red:02x}{green:02x}{blue:02x}"


SHADE_LEVELS = 10


def shade_class(value: int, maximum: int) -> str:
    """The heat-map cell class (``shade-0`` white to ``shade-10`` deepest) for pages, whose
    security policy allows no inline style; the colours are :func:`shade`'s, in steps."""
    if value <= 0 or maximum <= 0:
        return "shade-0"
    return f"shade-{max(1, round(SHADE_LEVELS * min(value, maximum) / maximum))}"


def shade_stylesheet() -> str:
    """The CSS rules of the shade classes (kept in site.css; a test checks they agree)."""
    rules = [".shade-0 { background: #ffffff; }"]
    for level in range(1, SHADE_LEVELS + 1):
        colour = shade(level, SHADE_LEVELS)
        rules.append(f".shade-{level} {{ background: {colour}; }}")
    return "\n".join(rules)
