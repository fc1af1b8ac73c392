"""Small charts drawn on the server as SVG: no script, nothing fetched from elsewhere."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

from markupsafe import Markup, escape

__all__ = ["bar_chart", "daily_chart"]

COLOURS = {
    "archived": "#2e7d32",
    "pending": "#9e9e9e",
    "processing": "#f9a825",
    "failed": "#c62828",
    "gone": "#6d4c41",
}
BAR_HEIGHT, GAP, LABEL_WIDTH, WIDTH = 18, 6, 90, 280


def bar_chart(values: Mapping[str, int], title: str = "files by state") -> Markup:
    """Horizontal bars, one per key, longest = full width, the count written beside it."""
    rows = list(values.items())
    top = max((value for _, value in rows), default=0) or 1
    height = max(1, len(rows)) * (BAR_HEIGHT + GAP)
    parts = [
        f'<svg class="bars" role="img" width="{WIDTH + LABEL_WIDTH + 60}" height="{height}" '
        f'aria-label="{escape(title)}">'
    ]
    for index, (label, value) in enumerate(rows):
        y = index * (BAR_HEIGHT + GAP)
        length = round(WIDTH * value / top)
        colour = COLOURS.get(label, "#3f51b5")
        parts += [
            f'<text x="0" y="{y + 13}">{escape(label)}</text>',
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{colour}"><title>{escape(label)}: {value}</title></rect>',
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 13}">{value}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label is escaped above


def daily_chart(
    days: Sequence[tuple[date, int]], title: str, label: Callable[[int], str] = str
) -> Markup:
    """Columns, one per day, oldest left, under a line naming the busiest day's value;
    hovering a column names its day and value."""
    column, height, top_pad = 14, 80, 18
    top = max((value for _, value in days), default=0)
    width = max(len(days) * column, 260)
    parts = [
        f'<svg class="days" role="img" width="{width}" height="{height + top_pad + 18}" '
        f'aria-label="{escape(title)}">',
        f'<text x="0" y="12">most in a day: {escape(label(top))}</text>',
    ]
    for index, (day, value) in enumerate(days):
        bar = round(height * value / (top or 1))
        parts.append(
            f'<rect x="{index * column}" y="{top_pad + height - max(bar, 1)}" '
            f'width="{column - 3}" height="{max(bar, 1)}" '
            f'fill="{"#3f51b5" if value else "#dde1e7"}"><title>{day.isoformat()}: '
            f"{escape(label(value))}</title></rect>"
        )
    if days:
        y = height + top_pad + 15
        parts.append(f'<text x="0" y="{y}">{days[0][0]}</text>')
        parts.append(f'<text x="{width}" y="{y}" text-anchor="end">{days[-1][0]}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text is escaped above
