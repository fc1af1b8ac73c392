"""A host's week drawn on the server as SVG (no script, as the portal's other charts): one row
per day, hours across, each booking a bar, clashing bookings in red."""

from __future__ import annotations

from datetime import datetime, timedelta

from markupsafe import Markup, escape

from zoombridge.meetings.agenda import AgendaItem, HostAgenda

__all__ = ["week_timeline"]

LABEL, HOUR, ROW, BAR, TOP = 96, 28, 30, 20, 18
FILL = {"ours": "#3f51b5", "zoom": "#78909c", "clash": "#c62828"}


def week_timeline(agenda: HostAgenda) -> Markup:
    """The days from `agenda.start` to `agenda.end` (UTC), bars placed by the hour."""
    days = max(1, -(-int((agenda.end - agenda.start).total_seconds()) // 86400))
    width, height = LABEL + 24 * HOUR + 4, TOP + days * ROW + 4
    title = f"bookings of {agenda.email}"
    parts = [
        f'<svg class="timeline" role="img" width="{width}" height="{height}" '
        f'aria-label="{escape(title)}">'
    ]
    parts += _grid(days, height)
    for index in range(days):
        day = agenda.start + timedelta(days=index)
        y = TOP + index * ROW
        parts.append(f'<text x="0" y="{y + 15}">{day.strftime("%a %Y-%m-%d")}</text>')
        parts += [_bar(item, day, y) for item in agenda.items if _touches(item, day)]
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text is escaped


def _grid(days: int, height: int) -> list[str]:
    lines = []
    for hour in range(0, 25, 3):
        x = LABEL + hour * HOUR
        lines.append(
            f'<line x1="{x}" y1="{TOP - 4}" x2="{x}" y2="{height}" class="hour" stroke="#dde1e7"/>'
        )
        lines.append(f'<text x="{x}" y="11" text-anchor="middle">{hour:02d}</text>')
    return lines


def _touches(item: AgendaItem, day: datetime) -> bool:
    return item.starts_at < day + timedelta(days=1) and item.ends_at > day


def _bar(item: AgendaItem, day: datetime, y: int) -> str:
    """The part of `item` on `day` (a booking over midnight is drawn on both days)."""
    start = max(item.starts_at, day)
    end = min(item.ends_at, day + timedelta(days=1))
    x = LABEL + (start - day).total_seconds() / 3600 * HOUR
    length = max(2.0, (end - start).total_seconds() / 3600 * HOUR)
    kind = "clash" if item.clash else item.source
    when = f"{item.starts_at:%H:%M}–{item.ends_at:%H:%M} UTC"
    said = f"{item.topic} ({when}{', webinar' if item.webinar else ''})"
    if item.clash:
        said += f" — {item.clash}"
    ident = f' data-meeting="{item.meeting_id}"' if item.meeting_id else ""
    return (
        f'<rect class="booking {kind}" x="{x:.1f}" y="{y + 3}" width="{length:.1f}" '
        f'height="{BAR}" fill="{FILL.get(kind, FILL["ours"])}"{ident}>'
        f"<title>{escape(said)}</title></rect>"
    )
