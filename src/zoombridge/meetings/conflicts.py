"""Zoom's concurrency rules, as a pure check over a host's bookings.

A host may run one meeting at a time on a Basic or Pro plan, or when the user is not
licensed; two at a time when licensed on a Business, Education or Enterprise account
(Zoom KB0068522). A webinar is never next to anything else: not next to a meeting, not
next to another webinar. Meetings without a fixed time have no spans, so they neither
block nor are blocked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from zoombridge.meetings.recurrence import Span

__all__ = ["Busy", "Conflict", "capacity_of", "first_conflict", "peak_load"]

LICENSED = 2
TWO_AT_A_TIME_PLANS = {"business", "business_plus", "education", "enterprise"}


@dataclass(frozen=True)
class Busy:
    """One booking of the host: when, whether a webinar, and what to name in a refusal."""

    span: Span
    webinar: bool
    label: str


@dataclass(frozen=True)
class Conflict:
    """The booking that makes the new meeting impossible, and when they collide."""

    busy: Busy
    at: datetime
    reason: str


def capacity_of(user_type: int, plan: str) -> int:
    """How many meetings the host may run at once."""
    return 2 if user_type == LICENSED and plan.lower() in TWO_AT_A_TIME_PLANS else 1


def first_conflict(
    wanted: Sequence[Span], webinar: bool, bookings: Iterable[Busy], capacity: int
) -> Conflict | None:
    """The first booking that stops the host from taking every span in `wanted`, or None."""
    if not wanted:
        return None
    lo, hi = min(s.start for s in wanted), max(s.end for s in wanted)
    near = sorted((b for b in bookings if b.span.start < hi and lo < b.span.end), key=_start)
    for span in sorted(wanted):
        overlapping = [b for b in near if b.span.overlaps(span)]
        for busy in overlapping:
            if webinar or busy.webinar:
                reason = "a webinar cannot run next to another meeting or webinar"
                return Conflict(busy, max(busy.span.start, span.start), reason)
        if peak_load(overlapping, span) + 1 > capacity:
            busy, at = _peak_booking(overlapping, span)
            many = "one meeting" if capacity == 1 else f"{capacity} meetings"
            return Conflict(busy, at, f"the host can run {many} at a time")
    return None


def peak_load(bookings: Sequence[Busy], within: Span) -> int:
    """The most bookings that run at the same moment inside `within`."""
    return _sweep(bookings, within)[0]


def _sweep(bookings: Sequence[Busy], within: Span) -> tuple[int, datetime | None]:
    edges: list[tuple[datetime, int]] = []
    for busy in bookings:
        start, end = max(busy.span.start, within.start), min(busy.span.end, within.end)
        if start < end:
            edges += [(start, 1), (end, -1)]
    edges.sort(key=lambda edge: (edge[0], edge[1]))  # an end before a start at the same time
    load = peak = 0
    peak_at: datetime | None = None
    for when, step in edges:
        load += step
        if load > peak:
            peak, peak_at = load, when
    return peak, peak_at


def _peak_booking(bookings: Sequence[Busy], within: Span) -> tuple[Busy, datetime]:
    """A booking running at the busiest moment (the one to name in the refusal)."""
    _, at = _sweep(bookings, within)
    moment = at or within.start
    running = [b for b in bookings if b.span.start <= moment < b.span.end]
    return min(running or list(bookings), key=_start), moment


def _start(busy: Busy) -> datetime:
    return busy.span.start
