"""Zoom's rate limits, kept on our side so that we pace instead of tripping them.

Zoom limits each *account* per "rate limit label" (category) and plan; Zoom Phone has its own
table. Heavy and Resource-intensive calls also share a daily cap, and every host may create or
update at most 100 meetings/webinars per UTC day. `RateBudget` paces each category to a little
under Zoom's rate, counts the daily quotas, and pauses a category until 00:00 UTC when Zoom says
a daily quota is spent. Share one `RateBudget` between clients on the same account.

Several processes (workers on one or many machines) share one account's budget through a
`SharedPacer`: each call also reserves the account-wide next slot of its category there, and a
429 seen by one process holds the category for all of them.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Literal, Protocol

from zoombridge.clock import Clock, SystemClock, next_utc_midnight
from zoombridge.errors import DailyLimitReached, HostDailyLimitReached

__all__ = [
    "Category",
    "Family",
    "Plan",
    "RateBudget",
    "SharedPacer",
    "Slot",
    "daily_resume",
    "parse_retry_after",
]

log = logging.getLogger("zoombridge.zoom.ratelimit")

Plan = Literal["free", "pro", "business"]
Family = Literal["meetings", "phone"]


class Category(StrEnum):
    LIGHT = "Light"
    MEDIUM = "Medium"
    HEAVY = "Heavy"
    RESOURCE_INTENSIVE = "Resource-intensive"


L, M, H, RI = Category.LIGHT, Category.MEDIUM, Category.HEAVY, Category.RESOURCE_INTENSIVE

# (calls, per seconds), from Zoom's rate-limit page.
WINDOWS: dict[Family, dict[Plan, dict[Category, tuple[int, float]]]] = {
    "meetings": {
        "free": {L: (4, 1), M: (2, 1), H: (1, 1), RI: (10, 60)},
        "pro": {L: (30, 1), M: (20, 1), H: (10, 1), RI: (10, 60)},
        "business": {L: (80, 1), M: (60, 1), H: (40, 1), RI: (20, 60)},
    },
    # Zoom Phone needs a paid plan; a "free" setting gets the Pro table.
    "phone": {
        "free": {L: (20, 1), M: (10, 1), H: (5, 1), RI: (5, 60)},
        "pro": {L: (20, 1), M: (10, 1), H: (5, 1), RI: (5, 60)},
        "business": {L: (40, 1), M: (20, 1), H: (10, 1), RI: (10, 60)},
    },
}

# Daily quotas. A tuple of categories shares one counter.
DAILY: dict[Family, dict[Plan, dict[tuple[Category, ...], int]]] = {
    "meetings": {
        "free": {(L,): 6_000, (M,): 2_000, (H,): 1_000, (RI,): 30_000},
        "pro": {(H, RI): 30_000},
        "business": {(H, RI): 60_000},
    },
    "phone": {
        "free": {(H, RI): 15_000},
        "pro": {(H, RI): 15_000},
        "business": {(H, RI): 30_000},
    },
}

HOST_WRITES_PER_DAY = 100

# Across processes the send-time causality check of `_Pacer` cannot see the other senders, so
# the shared spacing keeps more room for their scheduling and network jitter: at 0.8 a call
# may reach Zoom up to a quarter of a window late (0.25 s of a 1 s window) without a 429. At
# 0.9 (0.11 s) two workers on a loaded 2-core machine drew one from the Free plan's Medium.
SHARED_SAFETY = 0.8
# A shared slot woken later than this part of the interval is given up for a new one (at
# most this many times; then the call goes, late but spaced by the local pacer).
SHARED_LATE_FRACTION = 0.25
SHARED_LATE_RETRIES = 3


class SharedPacer(Protocol):
    """An account-wide next-slot clock shared by every process (see `zoombridge.db.pacing`).

    Times are seconds measured on the pacer's own clock, so that the clocks of several machines
    never have to agree."""

    async def reserve(self, key: str, interval_s: float) -> float:
        """Take the next slot for `key`, pushing it `interval_s` on; the seconds to wait for it."""
        ...

    async def hold(self, key: str, seconds: float) -> None:
        """Nobody sends on `key` for the next `seconds` (a 429's Retry-After)."""
        ...


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """When to try again, from a Retry-After header in any form Zoom has used.

    Accepts delta seconds (`"2"`), an HTTP-date (`"Wed, 21 Oct 2026 07:28:00 GMT"`) and an
    ISO-8601 datetime (`"2020-05-31T00:00:00Z"`, Zoom's daily-limit form). None if unreadable.
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return now + timedelta(seconds=max(0.0, seconds)) if seconds == seconds else None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def daily_resume(until: datetime | None, now: datetime) -> datetime:
    """When a spent daily quota is usable again: `until` if it is still ahead, else 00:00 UTC."""
    return until if until and until > now else next_utc_midnight(now)


@dataclass
class Slot:
    """One call's place in the window: its send time, moved to its completion time when the
    answer arrives. Zoom counted the call somewhere in between."""

    at: float


class _Pacer:
    """Spaces calls evenly, and never lets `limit` calls into a window a little longer than
    Zoom's. The window is judged by causality: a new call is sent only a full window after
    the call `limit` places back *completed*, so however late Zoom saw that one, the two can
    never share one of Zoom's windows (network jitter and stalls cannot cause a 429)."""

    def __init__(self, limit: int, window: float, safety: float) -> None:
        self.limit = limit
        self.window = window / safety
        self.spacing = window / (limit * safety)
        self.next_slot = 0.0
        self._sent: deque[Slot] = deque(maxlen=limit)

    @property
    def rate(self) -> float:
        return 1.0 / self.spacing

    def reserve(self, now: float) -> float:
        """Plan the next evenly spaced slot; return how long to wait for it.

        The plan stays anchored: a caller that comes late (a slow answer) may use up to two
        missed slots at once instead of losing them; `window_wait` still caps any burst.
        """
        planned = max(self.next_slot, now - 2 * self.spacing)
        self.next_slot = planned + self.spacing
        return max(0.0, planned - now)

    def window_wait(self, now: float) -> float:
        """How long until one more call fits in the window, judged at the moment of sending."""
        if len(self._sent) < self.limit:
            return 0.0
        return max(0.0, self._sent[0].at + self.window - now)

    def record(self, now: float) -> Slot:
        slot = Slot(now)
        self._sent.append(slot)
        return slot

    def hold(self, until: float) -> None:
        self.next_slot = max(self.next_slot, until)


@dataclass
class _DayCounter:
    day: date | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def bump(self, key: str, today: date) -> int:
        if self.day != today:
            self.day, self.counts = today, {}
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]

    def get(self, key: str, today: date) -> int:
        return self.counts.get(key, 0) if self.day == today else 0


class RateBudget:
    """Per-account pacing and daily quotas for one plan.

    `safety` keeps pacing a little under Zoom's published rate, so that clock skew between us
    and Zoom never turns into a 429.
    """

    def __init__(
        self,
        plan: Plan = "pro",
        *,
        clock: Clock | None = None,
        safety: float = 0.95,
        shared: SharedPacer | None = None,
        account: str = "",
    ):
        if not 0 < safety <= 1:
            raise ValueError("safety must be in (0, 1]")
        if shared is not None and not account:
            raise ValueError("a shared pacer needs the account id its slots belong to")
        self.plan: Plan = plan
        self._clock = clock or SystemClock()
        self._safety = safety
        self.shared = shared
        self._account = account
        self._shared_holds: dict[tuple[Family, Category], float] = {}
        self._pacers: dict[tuple[Family, Category], _Pacer] = {}
        self._days = _DayCounter()
        self._paused: dict[tuple[Family, Category], tuple[datetime, str]] = {}
        self._paused_hosts: dict[str, datetime] = {}

    def rate(self, category: Category, family: Family = "meetings") -> float:
        """The paced rate in calls per second for this category."""
        return self._pacer(family, category).rate

    async def acquire(self, category: Category, family: Family = "meetings") -> Slot:
        """Wait for this category's next slot; raise DailyLimitReached if its quota is spent.

        Pass the returned slot to `done` when the answer arrives.
        """
        self._check_paused(family, category)
        self._count_daily(family, category)
        if self.shared is not None:
            await self._share_hold(family, category)
        pacer = self._pacer(family, category)
        planned = pacer.reserve(self._clock.monotonic())
        if planned > 0:
            await self._clock.sleep(planned)
        # Judged now, by real times: a plan made before a stall may be stale.
        while (wait := pacer.window_wait(self._clock.monotonic())) > 0:
            await self._clock.sleep(wait)
        if self.shared is not None:
            await self._acquire_shared(family, category, pacer)
        return pacer.record(self._clock.monotonic())

    def _shared_key(self, family: Family, category: Category) -> str:
        return f"{self._account}:{family}:{category.value}"

    async def _share_hold(self, family: Family, category: Category) -> None:
        """Pass a 429's hold from `hold` (which cannot wait) on to the other processes."""
        assert self.shared is not None
        until = self._shared_holds.pop((family, category), None)
        if until is not None and (left := until - self._clock.monotonic()) > 0:
            await self.shared.hold(self._shared_key(family, category), left)

    async def _acquire_shared(self, family: Family, category: Category, pacer: _Pacer) -> None:
        """The account-wide slot, after the local one (which keeps this process's share even)."""
        assert self.shared is not None
        interval = pacer.spacing * self._safety / min(self._safety, SHARED_SAFETY)
        key = self._shared_key(family, category)
        for _ in range(SHARED_LATE_RETRIES):
            asked = self._clock.monotonic()
            wait = await self.shared.reserve(key, interval)
            if wait > 0:
                await self._clock.sleep(wait)
            # A slot is a moment, not a licence: woken well after it (a loaded machine, a
            # slow database answer), this call would crowd the next process's slot, so it
            # takes a new one instead.
            if self._clock.monotonic() - (asked + wait) <= interval * SHARED_LATE_FRACTION:
                return

    def done(self, slot: Slot) -> None:
        """The call's answer arrived (or it failed): Zoom counted it no later than now."""
        slot.at = max(slot.at, self._clock.monotonic())

    def acquire_host_write(self, host: str) -> None:
        """Count one meeting/webinar create or update for `host` (Zoom allows 100 a day)."""
        now = self._clock.now()
        paused = self._paused_hosts.get(host.lower())
        if paused and paused > now:
            raise _host_limit(host, paused)
        count = self._days.bump(f"host:{host.lower()}", now.date())
        if count > HOST_WRITES_PER_DAY:
            raise _host_limit(host, next_utc_midnight(now))

    def host_writes_today(self, host: str) -> int:
        now = self._clock.now()
        return self._days.get(f"host:{host.lower()}", now.date())

    def hold(self, category: Category, seconds: float, family: Family = "meetings") -> None:
        """After a per-second 429: nobody in this category sends for `seconds`.

        With a shared pacer the hold reaches every process at this one's next call."""
        until = self._clock.monotonic() + max(0.0, seconds)
        self._pacer(family, category).hold(until)
        if self.shared is not None:
            earlier = self._shared_holds.get((family, category), 0.0)
            self._shared_holds[(family, category)] = max(earlier, until)

    def pause_daily(
        self, category: Category, until: datetime | None, reason: str, family: Family = "meetings"
    ) -> datetime:
        """Zoom said the daily quota is spent: stop sending in the categories that share it."""
        resume = daily_resume(until, self._clock.now())
        for cat in self._sharing(family, category):
            self._paused[(family, cat)] = (resume, reason)
        log.warning(
            "Zoom daily limit for %s %s calls reached; paused until %s UTC",
            family,
            category.value,
            resume.strftime("%Y-%m-%d %H:%M"),
        )
        return resume

    def pause_host(self, host: str, until: datetime | None = None) -> datetime:
        resume = daily_resume(until, self._clock.now())
        self._paused_hosts[host.lower()] = resume
        return resume

    def paused_until(self, category: Category, family: Family = "meetings") -> datetime | None:
        entry = self._paused.get((family, category))
        return entry[0] if entry and entry[0] > self._clock.now() else None

    def observe(
        self, category: Category, headers: Mapping[str, str], family: Family = "meetings"
    ) -> None:
        """Learn from Zoom's X-RateLimit-* headers when it sends them."""
        kind = headers.get("x-ratelimit-type", "").lower()
        limit = _int_header(headers, "x-ratelimit-limit")
        remaining = _int_header(headers, "x-ratelimit-remaining")
        current = self._pacer(family, category)
        if kind == "qps" and limit and limit < current.limit:
            # Zoom says the limit is lower than our table: adopt it (never a higher one).
            _, window = WINDOWS[family][self.plan][category]
            lowered = _Pacer(limit, window, self._safety)
            lowered.next_slot = current.next_slot
            self._pacers[(family, category)] = lowered
        if kind == "daily-limit" and remaining == 0:
            self.pause_daily(category, None, "X-RateLimit-Remaining is 0", family)

    def _pacer(self, family: Family, category: Category) -> _Pacer:
        key = (family, category)
        if key not in self._pacers:
            limit, window = WINDOWS[family][self.plan][category]
            self._pacers[key] = _Pacer(limit, window, self._safety)
        return self._pacers[key]

    def _sharing(self, family: Family, category: Category) -> tuple[Category, ...]:
        for group in DAILY[family][self.plan]:
            if category in group:
                return group
        return (category,)

    def _check_paused(self, family: Family, category: Category) -> None:
        entry = self._paused.get((family, category))
        if entry and entry[0] > self._clock.now():
            resume, reason = entry
            raise DailyLimitReached(
                f"Zoom's daily limit for {category.value} calls is used up ({reason}); "
                f"zoombridge pauses them until {resume:%Y-%m-%d %H:%M} UTC and resumes then.",
                category=category.value,
                resume_at=resume,
            )

    def _count_daily(self, family: Family, category: Category) -> None:
        group = self._sharing(family, category)
        quota = DAILY[family][self.plan].get(group)
        if quota is None:
            return
        now = self._clock.now()
        key = f"{family}:" + "+".join(c.value for c in group)
        if self._days.get(key, now.date()) >= quota:
            self.pause_daily(category, None, f"{quota} calls counted today", family)
            self._check_paused(family, category)
        self._days.bump(key, now.date())


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    try:
        return int(headers.get(name, ""))
    except ValueError:
        return None


def _host_limit(host: str, resume: datetime) -> HostDailyLimitReached:
    return HostDailyLimitReached(
        f"host {host} is at Zoom's daily limit of {HOST_WRITES_PER_DAY} meeting create/update "
        f"calls until {resume:%Y-%m-%d %H:%M} UTC; queue the change or pick another host.",
        host=host,
        resume_at=resume,
    )
