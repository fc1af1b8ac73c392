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
    width, height = LABEL + 24 * HOUR + 12, TOP + days * ROW + 4
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
        todays = [item for item in agenda.items if _touches(item, day)]
        lanes = _lanes(todays)
        count = max(lanes, default=0) + 1
        parts += [_bar(item, day, y, lane, count) for item, lane in zip(todays, lanes, strict=True)]
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


def _lanes(items: list[AgendaItem]) -> list[int]:
    """A lane for each booking so that overlapping ones sit one above the other (a clash is
    seen as two bars, not one hiding the other); `items` are in start order."""
    ends: list[datetime] = []  # when each lane is free again
    chosen = []
    for item in items:
        lane = next((i for i, end in enumerate(ends) if end <= item.starts_at), len(ends))
        if lane == len(ends):
            ends.append(item.ends_at)
        else:
            ends[lane] = item.ends_at
        chosen.append(lane)
    return chosen


def _touches(item: AgendaItem, day: datetime) -> bool:
    return item.starts_at < day + timedelta(days=1) and item.ends_at > day


def _bar(item: AgendaItem, day: datetime, y: int, lane: int, lanes: int) -> str:
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
    tall = BAR / lanes
    return (
        f'<rect class="booking {kind}" x="{x:.1f}" y="{y + 3 + lane * tall:.1f}" '
        f'width="{length:.1f}" height="{tall - 1:.1f}" '
        f'fill="{FILL.get(kind, FILL["ours"])}"{ident}>'
        f"<title>{escape(said)}</title></rect>"
    )
