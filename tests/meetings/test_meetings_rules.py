"""Zoom's scheduling rules as pure functions: recurrences expanded in the meeting's own
time zone, and the concurrency check compared with a brute-force minute-by-minute count."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zoombridge.errors import InvalidInput
from zoombridge.meetings.conflicts import Busy, capacity_of, first_conflict
from zoombridge.meetings.drafts import generate_passcode
from zoombridge.meetings.recurrence import Span, spans_of

MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York, before DST


def starts(spans: list[Span]) -> list[str]:
    return [s.start.strftime("%a %m-%d %H:%M") for s in spans]


def test_weekly_series_keeps_local_time_across_daylight_saving() -> None:
    spans = spans_of(
        8, MONDAY, 60, "America/New_York", {"type": 2, "weekly_days": "2,4", "end_times": 4}
    )
    assert starts(spans) == [
        "Mon 03-02 15:00",
        "Wed 03-04 15:00",
        "Mon 03-09 14:00",
        "Wed 03-11 14:00",
    ]


def test_monthly_last_weekday_and_day_clamped_to_the_month() -> None:
    last_friday = {"type": 3, "monthly_week": -1, "monthly_week_day": 6, "end_times": 3}
    assert starts(spans_of(8, datetime(2026, 1, 31, 9, tzinfo=UTC), 30, "UTC", last_friday)) == [
        "Fri 02-27 09:00",
        "Fri 03-27 09:00",
        "Fri 04-24 09:00",
    ]
    day_31 = {"type": 3, "monthly_day": 31, "end_times": 3}
    assert starts(spans_of(8, datetime(2026, 1, 31, 9, tzinfo=UTC), 30, "UTC", day_31)) == [
        "Sat 01-31 09:00",
        "Sat 02-28 09:00",
        "Tue 03-31 09:00",
    ]


def test_series_ends_by_count_or_date_and_no_fixed_time_never_busy() -> None:
    daily = {"type": 1, "repeat_interval": 2, "end_date_time": "2026-03-07T00:00:00Z"}
    assert len(spans_of(8, MONDAY, 60, "UTC", daily)) == 3
    assert len(spans_of(8, MONDAY, 60, "UTC", {"type": 1, "end_times": 60})) == 60
    assert len(spans_of(8, MONDAY, 60, "UTC", {"type": 1})) == 7  # Zoom's default
    assert spans_of(3, MONDAY, 60, "UTC", None) == []
    assert spans_of(6, None, None) == []


@pytest.mark.parametrize(
    ("recurrence", "says"),
    [
        ({"type": 4}, "type"),
        ({"type": 1, "repeat_interval": 100}, "repeat_interval"),
        ({"type": 2, "weekly_days": "1,8"}, "weekly_days"),
        ({"type": 3, "monthly_week": 2}, "go together"),
        ({"type": 1, "end_times": 61}, "end_times"),
        ({"type": 1, "end_times": 2, "end_date_time": "2026-04-01T00:00:00Z"}, "together"),
        ({"type": 1, "end_date_time": "soon"}, "ISO-8601"),
        ("weekly", "object"),
    ],
)
def test_bad_recurrences_are_named(recurrence: object, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        spans_of(8, MONDAY, 60, "UTC", recurrence)  # type: ignore[arg-type]


def test_capacity_follows_licence_and_plan() -> None:
    assert capacity_of(2, "business") == 2
    assert capacity_of(2, "pro") == 1
    assert capacity_of(1, "business") == 1


def brute_force_ok(wanted: list[Span], webinar: bool, busy: list[Busy], capacity: int) -> bool:
    for span in wanted:
        minute = span.start
        while minute < span.end:
            running = [b for b in busy if b.span.start <= minute < b.span.end]
            if running and (webinar or any(b.webinar for b in running)):
                return False
            if len(running) + 1 > capacity:
                return False
            minute += timedelta(minutes=1)
    return True


spans = st.builds(
    lambda start, length: Span(
        MONDAY + timedelta(minutes=start), MONDAY + timedelta(minutes=start + length)
    ),
    st.integers(0, 300),
    st.integers(1, 120),
)


@settings(max_examples=300, deadline=None)
@given(
    wanted=st.lists(spans, min_size=1, max_size=3),
    webinar=st.booleans(),
    booked=st.lists(st.tuples(spans, st.booleans()), max_size=6),
    capacity=st.sampled_from([1, 2]),
)
def test_the_conflict_check_agrees_with_a_minute_by_minute_count(
    wanted: list[Span], webinar: bool, booked: list[tuple[Span, bool]], capacity: int
) -> None:
    busy = [Busy(span, is_webinar, f"m{n}") for n, (span, is_webinar) in enumerate(booked)]
    conflict = first_conflict(wanted, webinar, busy, capacity)
    assert (conflict is None) == brute_force_ok(wanted, webinar, busy, capacity)


@pytest.mark.parametrize(
    "rule",
    [
        {"length": 6, "only_allow_numeric": True},
        {"length": 10, "have_special_character": True, "have_upper_and_lower_characters": True},
        {"length": 8, "consecutive_characters_length": 4},
    ],
)
def test_generated_passcodes_meet_the_rule(rule: dict[str, object]) -> None:
    for _ in range(50):
        code = generate_passcode(rule)
        assert 8 <= len(code) <= 10
        assert len(code) >= int(rule["length"])  # type: ignore[call-overload]
        if rule.get("only_allow_numeric"):
            assert code.isdigit()
        if rule.get("have_special_character"):
            assert any(c in "@-_*" for c in code)
        if rule.get("consecutive_characters_length"):
            assert longest_ascending_run(code) < 4  # Zoom: at most n-1 in a row


def longest_ascending_run(code: str) -> int:
    longest = run = 1
    for a, b in itertools.pairwise(code):
        run = run + 1 if ord(b) == ord(a) + 1 else 1
        longest = max(longest, run)
    return longest
