"""A host's week drawn on the server as SVG (no script, as the portal's other charts): one row
per day, hours across, each booking a bar, clashing bookings in red.

Days and hours are the viewer's chosen time zone's (a person plans in local days, and a
script-free page cannot ask the browser): a day is local midnight to midnight, 23 or 25
hours long when daylight saving starts or ends, and a bar sits at its wall-clock time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from markupsafe import Markup, escape

from zoombridge.meetings.agenda import AgendaItem, HostAgenda

__all__ = ["local_week", "week_timeline"]

LABEL, HOUR, ROW, BAR, TOP = 96, 28, 30, 20, 18
FILL = {"ours": "#3f51b5", "zoom": "#78909c", "clash": "#c62828"}


def local_week(moment: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """The week holding `moment` (naive: a wall-clock time in `zone`) from Monday 00:00 to
    the next Monday 00:00 in `zone`, both in UTC."""
    local = moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    return _midnight(monday, zone), _midnight(monday + timedelta(days=7), zone)


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def week_timeline(agenda: HostAgenda, zone: tzinfo = UTC) -> Markup:
    """The local days from `agenda.start` to `agenda.end`, bars placed by local hour."""
    first = agenda.start.astimezone(zone).date()
    days = max(1, (agenda.end.astimezone(zone).date() - first).days)
    width, height = LABEL + 24 * HOUR + 12, TOP + days * ROW + 4
    title = f"bookings of {agenda.email}"
    parts = [
        f'<svg class="timeline" role="img" width="{width}" height="{height}" '
        f'aria-label="{escape(title)}">'
    ]
    parts += _grid(days, height)
    for index in range(days):
        day = first + timedelta(days=index)
        begin, end = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
        y = TOP + index * ROW
        parts.append(f'<text x="0" y="{y + 15}">{day.strftime("%a %Y-%m-%d")}</text>')
        todays = [item for item in agenda.items if _touches(item, begin, end)]
        lanes = _lanes(todays)
        count = max(lanes, default=0) + 1
        parts += [
            _bar(item, (begin, end), zone, y, lane, count)
            for item, lane in zip(todays, lanes, strict=True)
        ]
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


def _touches(item: AgendaItem, begin: datetime, end: datetime) -> bool:
    return item.starts_at < end and item.ends_at > begin


def _hours(moment: datetime, zone: tzinfo) -> float:
    """The wall-clock hour of `moment` in `zone` (so 10:00 sits at 10 on a 23-hour day)."""
    local = moment.astimezone(zone)
    return local.hour + local.minute / 60 + local.second / 3600


def _bar(
    item: AgendaItem,
    day: tuple[datetime, datetime],
    zone: tzinfo,
    y: int,
    lane: int,
    lanes: int,
) -> str:
    """The part of `item` on the local `day` (a booking over midnight is drawn on both)."""
    begin, end = day
    start = _hours(item.starts_at, zone) if item.starts_at > begin else 0.0
    stop = _hours(item.ends_at, zone) if item.ends_at < end else 24.0
    x = LABEL + start * HOUR
    length = max(2.0, (stop - start) * HOUR)
    kind = "clash" if item.clash else item.source
    name = getattr(zone, "key", None) or str(zone)
    local_start, local_end = item.starts_at.astimezone(zone), item.ends_at.astimezone(zone)
    when = f"{local_start:%H:%M}–{local_end:%H:%M} {name}"
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
