"""Zoom's rate limits as the server enforces them, with Zoom's 429 bodies and headers.

Per account and per label: at most N calls in any sliding window of one second (one minute
for Resource-intensive), by plan. Heavy and Resource-intensive share a daily quota; each host
may create or update 100 meetings/webinars per UTC day. The tables are written out here from
Zoom's rate-limit page on purpose, not imported from the client: the emulator is the check on
the client, so it must not share its numbers by construction.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, date
from typing import Literal

from zoombridge.clock import Clock, next_utc_midnight

__all__ = ["Limiter", "Refusal"]

Label = Literal["LIGHT", "MEDIUM", "HEAVY", "RESOURCE_INTENSIVE"]
HEADER_NAME = {
    "LIGHT": "Light",
    "MEDIUM": "Medium",
    "HEAVY": "Heavy",
    "RESOURCE_INTENSIVE": "Resource-intensive",
}

# (calls, window seconds) per plan and label; Zoom Phone has its own table.
WINDOWS: dict[str, dict[str, dict[Label, tuple[int, float]]]] = {
    "meetings": {
        "free": {
            "LIGHT": (4, 1),
            "MEDIUM": (2, 1),
            "HEAVY": (1, 1),
            "RESOURCE_INTENSIVE": (10, 60),
        },
        "pro": {
            "LIGHT": (30, 1),
            "MEDIUM": (20, 1),
            "HEAVY": (10, 1),
            "RESOURCE_INTENSIVE": (10, 60),
        },
        "business": {
            "LIGHT": (80, 1),
            "MEDIUM": (60, 1),
            "HEAVY": (40, 1),
            "RESOURCE_INTENSIVE": (20, 60),
        },
    },
    "phone": {
        "free": {
            "LIGHT": (20, 1),
            "MEDIUM": (10, 1),
            "HEAVY": (5, 1),
            "RESOURCE_INTENSIVE": (5, 60),
        },
        "pro": {
            "LIGHT": (20, 1),
            "MEDIUM": (10, 1),
            "HEAVY": (5, 1),
            "RESOURCE_INTENSIVE": (5, 60),
        },
        "business": {
            "LIGHT": (40, 1),
            "MEDIUM": (20, 1),
            "HEAVY": (10, 1),
            "RESOURCE_INTENSIVE": (10, 60),
        },
    },
}
SHARED_DAILY: dict[str, dict[str, int]] = {
    "meetings": {"free": 1_000, "pro": 30_000, "business": 60_000},
    "phone": {"free": 15_000, "pro": 15_000, "business": 30_000},
}
FREE_DAILY: dict[Label, int] = {"LIGHT": 6_000, "MEDIUM": 2_000, "HEAVY": 1_000}
HOST_DAILY = 100

PER_SECOND_MESSAGE = (
    "You have reached the maximum per-second rate limit for this API. Try again later."
)
DAILY_MESSAGE = (
    "You have reached the maximum daily rate limit for this API. Refer to the response header "
    "for details on when you can make another request."
)
HOST_MESSAGE = (
    "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests "
    "permitted for this particular user. You may resume these requests at GMT 00:00:00."
)


@dataclass(frozen=True)
class Refusal:
    message: str
    headers: dict[str, str]


class Limiter:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.enabled = True
        self.refusals = 0  # 429s answered, for benchmarks and tests
        self._windows: dict[tuple[str, str, str], deque[float]] = {}
        self._day: date | None = None
        self._daily: dict[str, int] = {}

    def check(
        self, account: str, plan: str, family: str, label: Label, host: str | None = None
    ) -> Refusal | None:
        """Count one call; a Refusal (a 429 to send) if it is over a limit."""
        if not self.enabled:
            return None
        refusal = self._check(account, plan, family, label, host)
        self.refusals += refusal is not None
        return refusal

    def _check(
        self, account: str, plan: str, family: str, label: Label, host: str | None
    ) -> Refusal | None:
        self._roll_day()
        limit, window = WINDOWS[family][plan][label]
        stamps = self._windows.setdefault((account, family, label), deque())
        now = self._clock.monotonic()
        while stamps and stamps[0] <= now - window:
            stamps.popleft()
        if len(stamps) >= limit:
            return Refusal(PER_SECOND_MESSAGE, self._headers(label, "QPS", limit, 0))
        refusal = self._check_daily(account, plan, family, label) or self._check_host(host, label)
        if refusal is not None:
            return refusal
        stamps.append(now)
        return None

    def exhaust_daily(self, account: str, plan: str, family: str = "meetings") -> None:
        self._roll_day()
        self._daily[f"{account}:{family}:shared"] = SHARED_DAILY[family][plan]

    def record_host_writes(self, host: str, count: int) -> None:
        """Fault/scenario knob: `host` has already made `count` create/update calls today."""
        self._roll_day()
        self._daily[f"host:{host}"] = count

    def host_count(self, host: str) -> int:
        self._roll_day()
        return self._daily.get(f"host:{host}", 0)

    def _check_daily(self, account: str, plan: str, family: str, label: Label) -> Refusal | None:
        if label in ("HEAVY", "RESOURCE_INTENSIVE"):
            key, quota = f"{account}:{family}:shared", SHARED_DAILY[family][plan]
        elif plan == "free" and family == "meetings":
            key, quota = f"{account}:{family}:{label}", FREE_DAILY[label]
        else:
            return None
        used = self._daily.get(key, 0)
        if used >= quota:
            headers = self._headers(label, "Daily-limit", quota, 0)
            resume = next_utc_midnight(self._clock.now())
            headers["Retry-After"] = resume.strftime("%Y-%m-%dT%H:%M:%SZ")
            return Refusal(DAILY_MESSAGE, headers)
        self._daily[key] = used + 1
        return None

    def _check_host(self, host: str | None, label: Label) -> Refusal | None:
        if host is None:
            return None
        key = f"host:{host}"
        used = self._daily.get(key, 0)
        if used >= HOST_DAILY:
            # As observed: the category headers of the call, no Retry-After.
            return Refusal(HOST_MESSAGE, {"X-RateLimit-Category": HEADER_NAME[label]})
        self._daily[key] = used + 1
        return None

    def _headers(self, label: Label, kind: str, limit: int, remaining: int) -> dict[str, str]:
        return {
            "X-RateLimit-Category": HEADER_NAME[label],
            "X-RateLimit-Type": kind,
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
        }

    def _roll_day(self) -> None:
        today = self._clock.now().astimezone(UTC).date()
        if today != self._day:
            self._day, self._daily = today, {}
