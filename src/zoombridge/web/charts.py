"""Small charts drawn on the server as SVG: no script, nothing fetched from elsewhere."""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup, escape

__all__ = ["bar_chart"]

COLOURS = {
    "archived": "#2e7d32",
    "pending": "#9e9e9e",
    "processing": "#f9a825",
    "failed": "#c62828",
    "gone": "#6d4c41",
}
BAR_HEIGHT, GAP, LABEL_WIDTH, WIDTH = 18, 6, 90, 420


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
