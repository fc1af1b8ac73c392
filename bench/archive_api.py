"""API economy: API calls per archived meeting against the minimum the listing (and the
participants counts) need.

Target (issue #3): within 10% of the minimum, zero 429s, on the Pro plan's rate limits. The
account is the `paging` scenario (one host with 700 recorded meetings in the last month)
with a few more users who recorded nothing. The minimum is computed from the same world the
emulator serves (same seed): one users page per status, and for every user that can host,
one page of up to 300 per one-month window (Zoom's widest range) back to the start date.
Calls are counted by the emulator, split by endpoint family.
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, date, datetime
from typing import Any

from bench import servers
from bench.archive_common import bridge_settings, request_counts, run_sync, scratch, start_date
from bench.archive_server import SEED
from zoombridge.app import ZoomBridge
from zoombridge.emulator import build_world
from zoombridge.emulator.world import World
from zoombridge.zoom.pagination import month_windows

__all__ = ["minimum_calls", "run"]

SCENARIO = "paging"
PLAN = "pro"
PAGE_SIZE = 300
USER_STATUSES = 3  # active, inactive, pending: one page each
NOT_API = ("oauth token", "download (redirect)", "download (bytes)", "emulator controls")
TOLERANCE = 1.10


def minimum_calls(world: World, first: date, last: date) -> int:
    """Users pages, plus for each possible host one call per window (more past 300), plus
    the participants counts: one usage-report page per 300 meetings in each window that has
    recordings (the only source of that metadata; the listing has no participant count)."""
    # zoombridge lists calendar months (Zoom's one-month rule read safely); rolling
    # one-month windows would save a call per host on some start dates (noted, not done).
    windows = month_windows(first, last)
    calls = USER_STATUSES
    for user in world.users.values():
        if user.status == "pending":
            continue
        held = [i for i in world.instances_by_host.get(user.id, []) if i.has_recording()]
        for start, end in windows:
            count = sum(1 for i in held if start <= i.start_time.date() <= end)
            calls += max(1, math.ceil(count / PAGE_SIZE))  # the listing
            calls += math.ceil(count / PAGE_SIZE)  # the participants report
    return calls


def recorded_meetings(world: World, first: date, last: date) -> int:
    """The meetings with recordings a complete sync must list."""
    return sum(
        1
        for user in world.users.values()
        if user.status != "pending"
        for i in world.instances_by_host.get(user.id, [])
        if i.has_recording() and first <= i.start_time.date() <= last
    )


def run(
    scenario: str = SCENARIO, overrides: dict[str, object] | None = None
) -> list[dict[str, Any]]:
    overrides = {"users": 5, **(overrides or {})}
    world = build_world(scenario, SEED, plan=PLAN, **overrides)
    first, last = start_date(), datetime.now(UTC).date()
    minimum = minimum_calls(world, first, last)
    expected = recorded_meetings(world, first, last)
    with servers.archive_emulator(scenario, plan=PLAN, overrides=overrides) as base:
        with scratch("api") as home:
            settings = bridge_settings(base, home, plan=PLAN)
            # An installed archive: the first run's credential check (two calls, once per
            # installation) is not part of what a sync costs.
            ZoomBridge(settings).catalog().dispose()
            synced = asyncio.run(run_sync(settings))
        counts = request_counts(base)
        refusals = servers.rate_limit_refusals(base)
    summary = synced.summary
    api = {name: n for name, n in counts.items() if name not in NOT_API}
    calls = sum(api.values())
    meetings = max(1, summary.meetings)
    split = ", ".join(f"{name} {n}" for name, n in sorted(api.items()))
    return [
        {
            "name": f"archive API calls per meeting, {summary.meetings} meetings (Pro)",
            "value": calls / meetings,
            "unit": "calls",
            "target": TOLERANCE * minimum / meetings,
            "lower_is_better": True,
            "baseline": minimum / meetings,
            "extra": (
                f"{calls} calls vs minimum {minimum}: {split}; {refusals} x 429 "
                f"(client saw {summary.rate_limited}); {summary.verified} files in "
                f"{summary.duration_s:.0f} s"
            ),
            # Fewer calls only count when the sync listed everything and finished cleanly.
            "ok_extra": refusals == 0
            and summary.rate_limited == 0
            and not summary.failed
            and summary.error is None
            and summary.meetings == expected,
        }
    ]
