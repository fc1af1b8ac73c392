"""Choosing the host, inside the scheduling lock.

A named host is taken if free, else refused with the conflicting meeting named (Konviva's
behaviour). "Any host of pool P" takes the least-loaded free host: licensed hosts first (they
can run two meetings at once), then the lowest peak load while the meeting runs, then the
fewest bookings that week, then e-mail order so the choice is reproducible. A host who cannot
host this kind of meeting (no webinar add-on, not active) or has spent today's writes is
passed over, and the refusal says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from zoombridge.db.meeting_models import HostBooking, PoolHost
from zoombridge.errors import HostBusy, HostDailyLimitReached, NoFreeHost, SchedulingRefused
from zoombridge.meetings.budget import take_write
from zoombridge.meetings.conflicts import Busy, Conflict, capacity_of, first_conflict, peak_load
from zoombridge.meetings.recurrence import Span

__all__ = ["Choice", "bookings_of", "choose_host", "conflict_for", "refuse_busy"]

LOAD_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Choice:
    host: PoolHost
    writes_left: int


def bookings_of(
    session: Session,
    connection_id: int,
    host_ids: Sequence[str],
    window: Span | Sequence[Span],
    *,
    except_meeting: int | None = None,
) -> dict[str, list[Busy]]:
    """Each host's bookings that touch `window` (or any of several spans: a series), leaving
    out one meeting's own (an edit)."""
    spans = [window] if isinstance(window, Span) else list(window)
    touching = or_(
        *(and_(HostBooking.starts_at < w.end, HostBooking.ends_at > w.start) for w in spans)
    )
    query = select(
        HostBooking.host_user_id,
        HostBooking.starts_at,
        HostBooking.ends_at,
        HostBooking.webinar,
        HostBooking.topic,
        HostBooking.zoom_id,
        HostBooking.scheduled_meeting_id,
    ).where(
        HostBooking.connection_id == connection_id,
        HostBooking.host_user_id.in_(host_ids),
        touching,
    )
    found: dict[str, list[Busy]] = {h: [] for h in host_ids}
    for host, start, end, webinar, topic, zoom_id, meeting in session.execute(query):
        if except_meeting is not None and meeting == except_meeting:
            continue
        label = f"{topic or 'untitled'} (Zoom meeting {zoom_id or 'being created'})"
        found[host].append(Busy(Span(start, end), webinar, label))
    return found


def conflict_for(
    host: PoolHost, plan: str, wanted: Sequence[Span], webinar: bool, bookings: Sequence[Busy]
) -> Conflict | None:
    return first_conflict(wanted, webinar, bookings, capacity_of(host.user_type, plan))


def refuse_busy(host: PoolHost, conflict: Conflict, *, advice: bool = True) -> HostBusy:
    when = conflict.at.strftime("%Y-%m-%d %H:%M UTC")
    then = " Choose another time or host, or schedule from a pool." if advice else ""
    return HostBusy(
        f"{host.email} is not free at {when}: {conflict.busy.label} — {conflict.reason}.{then}",
        conflict={"meeting": conflict.busy.label, "at": conflict.at.isoformat()},
    )


def choose_host(
    session: Session,
    connection_id: int,
    plan: str,
    candidates: Sequence[PoolHost],
    wanted: Sequence[Span],
    webinar: bool,
    now: datetime,
    *,
    named: bool,
) -> Choice:
    """The host to book (one write counted for it), or the refusal that says why none."""
    able, unable = _able(candidates, webinar)
    if named and unable:
        raise SchedulingRefused(unable[0])
    ids = [h.user_id for h in able]
    busy = bookings_of(session, connection_id, ids, wanted) if wanted else {i: [] for i in ids}
    load = _load(session, connection_id, ids, _window(wanted, now))
    free, conflicts = [], []
    for host in able:
        conflict = conflict_for(host, plan, wanted, webinar, busy[host.user_id])
        if conflict is None:
            free.append(host)
        else:
            conflicts.append(refuse_busy(host, conflict, advice=named))
    if named and conflicts:
        raise conflicts[0]
    ranked = sorted(free, key=lambda h: _rank(h, wanted, busy[h.user_id], load, plan))
    spent: list[str] = []
    for host in ranked:
        try:
            return Choice(host, take_write(session, connection_id, host.user_id, host.email, now))
        except HostDailyLimitReached as exc:
            if named:
                raise
            spent.append(str(exc))
    raise NoFreeHost(_why_none(len(candidates), unable, conflicts, spent))


def _able(candidates: Sequence[PoolHost], webinar: bool) -> tuple[list[PoolHost], list[str]]:
    able, unable = [], []
    for host in candidates:
        if host.status != "active":
            unable.append(f"{host.email} cannot host: the Zoom user is {host.status}")
        elif webinar and not host.webinar:
            unable.append(f"{host.email} cannot host webinars: no webinar add-on in Zoom")
        else:
            able.append(host)
    return able, unable


def _window(wanted: Sequence[Span], now: datetime) -> Span:
    """The bookings to read: the meeting's own time, and a week around it for the load."""
    if not wanted:
        return Span(now, now + LOAD_WINDOW)
    start, end = min(s.start for s in wanted), max(s.end for s in wanted)
    return Span(start - LOAD_WINDOW / 2, max(end, start + LOAD_WINDOW / 2))


def _load(
    session: Session, connection_id: int, host_ids: Sequence[str], window: Span
) -> dict[str, int]:
    """How many bookings each host has in the week around the meeting (counted by the
    database: the rows themselves are not needed)."""
    query = (
        select(HostBooking.host_user_id, func.count())
        .where(
            HostBooking.connection_id == connection_id,
            HostBooking.host_user_id.in_(host_ids),
            HostBooking.starts_at < window.end,
            HostBooking.ends_at > window.start,
        )
        .group_by(HostBooking.host_user_id)
    )
    return {host: count for host, count in session.execute(query)}


def _rank(
    host: PoolHost,
    wanted: Sequence[Span],
    bookings: Sequence[Busy],
    load: dict[str, int],
    plan: str,
) -> tuple[int, int, int, str]:
    peak = max((peak_load(bookings, span) for span in wanted), default=0)
    two_at_once = capacity_of(host.user_type, plan) > 1
    return (0 if two_at_once else 1, peak, load.get(host.user_id, 0), host.email)


def _why_none(
    pool_size: int, unable: list[str], conflicts: list[HostBusy], spent: list[str]
) -> str:
    if pool_size == 0:
        return "the pool has no hosts; add some with `zoombridge meetings pool`"
    reasons = unable + [str(c) for c in conflicts] + spent
    return f"no host of the pool is free then ({pool_size} tried): " + " | ".join(reasons[:5])
