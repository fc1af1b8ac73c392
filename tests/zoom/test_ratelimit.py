"""The client's rate budget: pacing, daily quotas, per-host cap, Retry-After in every form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoombridge.clock import ManualClock
from zoombridge.errors import DailyLimitReached, HostDailyLimitReached
from zoombridge.zoom.ratelimit import Category, RateBudget, _Pacer, parse_retry_after

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 5, 31, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("2", NOW + timedelta(seconds=2)),
        ("0.5", NOW + timedelta(seconds=0.5)),
        ("2026-06-01T00:00:00Z", datetime(2026, 6, 1, tzinfo=UTC)),
        ("2026-06-01T00:00:00+00:00", datetime(2026, 6, 1, tzinfo=UTC)),
        ("Mon, 01 Jun 2026 00:00:00 GMT", datetime(2026, 6, 1, tzinfo=UTC)),
        ("-5", NOW),
    ],
)
def test_retry_after_is_read_in_every_form_zoom_has_used(header: str, expected: datetime) -> None:
    assert parse_retry_after(header, NOW) == expected


@pytest.mark.parametrize("header", [None, "", "soon", "nan", "2026-13-45T99:00:00Z"])
def test_unreadable_retry_after_gives_none(header: str | None) -> None:
    assert parse_retry_after(header, NOW) is None


async def test_medium_calls_are_paced_just_under_the_pro_rate() -> None:
    clock = ManualClock(NOW)
    budget = RateBudget("pro", clock=clock)
    start = clock.monotonic()
    for _ in range(200):
        await budget.acquire(Category.MEDIUM)
    elapsed = clock.monotonic() - start
    rate = 199 / elapsed
    assert 20 * 0.9 <= rate <= 20  # Pro allows 20/s; we stay under, never over


async def test_categories_are_paced_independently() -> None:
    clock = ManualClock(NOW)
    budget = RateBudget("business", clock=clock)
    for _ in range(50):
        await budget.acquire(Category.HEAVY)
    before = clock.monotonic()
    await budget.acquire(Category.LIGHT)
    assert clock.monotonic() == before  # Light calls did not wait behind Heavy ones


async def test_shared_heavy_daily_quota_pauses_until_midnight_and_says_so() -> None:
    clock = ManualClock(NOW)
    budget = RateBudget("pro", clock=clock)
    budget._days.counts["meetings:Heavy+Resource-intensive"] = 29_999
    budget._days.day = NOW.date()
    await budget.acquire(Category.HEAVY)
    with pytest.raises(DailyLimitReached) as caught:
        await budget.acquire(Category.RESOURCE_INTENSIVE)
    assert caught.value.resume_at == datetime(2026, 6, 1, tzinfo=UTC)
    assert "until 2026-06-01 00:00 UTC" in str(caught.value)
    await budget.acquire(Category.LIGHT)  # other categories go on
    clock.advance(2 * 3600)
    await budget.acquire(Category.HEAVY)  # a new UTC day: resumed


async def test_a_daily_429_pauses_every_category_sharing_the_quota() -> None:
    clock = ManualClock(NOW)
    budget = RateBudget("business", clock=clock)
    budget.pause_daily(Category.HEAVY, None, "Zoom answered 429")
    assert budget.paused_until(Category.RESOURCE_INTENSIVE) == datetime(2026, 6, 1, tzinfo=UTC)
    assert budget.paused_until(Category.MEDIUM) is None


async def test_free_plan_counts_each_category_daily() -> None:
    clock = ManualClock(NOW)
    budget = RateBudget("free", clock=clock)
    budget._days.counts["meetings:Medium"] = 2_000
    budget._days.day = NOW.date()
    with pytest.raises(DailyLimitReached):
        await budget.acquire(Category.MEDIUM)


def test_host_cap_is_one_hundred_writes_per_utc_day() -> None:
    clock = ManualClock(NOW)
    budget = RateBudget("pro", clock=clock)
    for _ in range(100):
        budget.acquire_host_write("Host@Example.edu")
    with pytest.raises(HostDailyLimitReached) as caught:
        budget.acquire_host_write("host@example.edu")
    assert "host@example.edu is at Zoom's daily limit" in str(caught.value)
    assert caught.value.resume_at == datetime(2026, 6, 1, tzinfo=UTC)
    budget.acquire_host_write("other@example.edu")
    clock.advance(2 * 3600)
    budget.acquire_host_write("host@example.edu")


async def test_qps_headers_lower_the_pace_but_never_raise_it() -> None:
    clock = ManualClock(NOW)
    budget = RateBudget("business", clock=clock)
    budget.observe(Category.LIGHT, {"x-ratelimit-type": "QPS", "x-ratelimit-limit": "10"})
    assert budget.rate(Category.LIGHT) == pytest.approx(9.5)
    budget.observe(Category.LIGHT, {"x-ratelimit-type": "QPS", "x-ratelimit-limit": "500"})
    assert budget.rate(Category.LIGHT) == pytest.approx(9.5)


async def test_daily_remaining_zero_header_pauses() -> None:
    clock = ManualClock(NOW)
    budget = RateBudget("pro", clock=clock)
    budget.observe(
        Category.HEAVY, {"x-ratelimit-type": "Daily-limit", "x-ratelimit-remaining": "0"}
    )
    with pytest.raises(DailyLimitReached):
        await budget.acquire(Category.HEAVY)


async def test_a_hold_after_429_delays_the_whole_category() -> None:
    clock = ManualClock(NOW)
    budget = RateBudget("pro", clock=clock)
    budget.hold(Category.MEDIUM, 3.0)
    before = clock.monotonic()
    await budget.acquire(Category.MEDIUM)
    assert clock.monotonic() - before == pytest.approx(3.0)


@settings(suppress_health_check=[HealthCheck.large_base_example])  # needs > limit calls
@given(
    st.lists(st.tuples(st.floats(0, 0.5), st.floats(0, 0.5)), min_size=200, max_size=200),
    st.sampled_from([2, 10, 20, 60]),
)
def test_zoom_never_sees_more_than_the_limit_whatever_the_jitter(
    delays: list[tuple[float, float]], limit: int
) -> None:
    """Zoom counts each call somewhere between our send and our receipt of its answer. With
    up to half a second each way, one of Zoom's windows still never holds limit + 1 calls."""
    pacer = _Pacer(limit, 1.0, 0.95)
    now, stamps = 0.0, []
    for to_zoom, back in delays:
        now += pacer.reserve(now)
        while (wait := pacer.window_wait(now)) > 0:
            now += wait
        slot = pacer.record(now)
        stamps.append(now + to_zoom)
        slot.at = now + to_zoom + back  # the answer arrives; a sequential caller goes on
        now = slot.at
    stamps.sort()
    for index in range(len(stamps) - limit):
        assert stamps[index + limit] - stamps[index] > 1.0


def test_without_jitter_the_pace_is_just_under_zoom_s_rate() -> None:
    pacer = _Pacer(20, 1.0, 0.95)
    now = 0.0
    for _ in range(400):
        now += pacer.reserve(now)
        while (wait := pacer.window_wait(now)) > 0:
            now += wait
        pacer.record(now)
    assert 0.9 * 20 <= 400 / now <= 20


def test_waiters_woken_late_by_a_stall_still_respect_the_window() -> None:
    pacer = _Pacer(5, 1.0, 0.95)
    for at in (0.0, 0.1, 0.2, 0.3, 0.4):
        pacer.record(at)
    # The loop stalled; a waiter whose planned slot (0.5) passed long ago wakes at 0.6.
    assert pacer.window_wait(0.6) == pytest.approx(1.0 / 0.95 - 0.6)
    assert pacer.window_wait(1.06) == 0.0


async def test_the_window_counts_from_when_the_answer_came() -> None:
    clock = ManualClock(NOW)
    budget = RateBudget("pro", clock=clock)
    slots = [await budget.acquire(Category.MEDIUM) for _ in range(20)]
    clock.advance(5.0)  # the first call's answer took five seconds
    budget.done(slots[0])
    before = clock.monotonic()
    await budget.acquire(Category.MEDIUM)
    assert clock.monotonic() - before == pytest.approx(1.0 / 0.95)


class SlowSharedPacer:
    """A shared slot clock whose first answer arrives late (a loaded machine, a slow
    database): the slot it hands out has passed by the time the caller could use it."""

    def __init__(self, clock: ManualClock, late_s: float) -> None:
        self.clock, self.late_s, self.reserved = clock, late_s, 0

    async def reserve(self, key: str, interval_s: float) -> float:
        self.reserved += 1
        if self.reserved == 1:
            self.clock.advance(self.late_s)
        return 0.0

    async def hold(self, key: str, seconds: float) -> None:
        return None


@pytest.mark.parametrize(("late_s", "reservations"), [(0.005, 1), (1.0, 2)])
async def test_a_shared_slot_answered_too_late_is_given_up_for_a_new_one(
    late_s: float, reservations: int
) -> None:
    clock = ManualClock(NOW)
    shared = SlowSharedPacer(clock, late_s)
    budget = RateBudget("pro", clock=clock, shared=shared, account="acct")
    await budget.acquire(Category.MEDIUM)
    # Medium on Pro is ~20/s: 1 s late would crowd the next process's slot; 5 ms would not.
    assert shared.reserved == reservations
