"""Zoom's time text: what the client sends is UTC whatever zone the caller's datetime is in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from zoombridge.zoom.meetings import MeetingRequest
from zoombridge.zoom.models import utc_text

BERLIN_WINTER = timezone(timedelta(hours=1))


def test_utc_text_converts_aware_times_to_utc() -> None:
    assert utc_text(datetime(2026, 1, 15, 13, 30, tzinfo=BERLIN_WINTER)) == "2026-01-15T12:30:00Z"
    assert utc_text(datetime(2026, 1, 15, 12, 30, tzinfo=UTC)) == "2026-01-15T12:30:00Z"


def test_utc_text_takes_a_naive_time_as_utc() -> None:
    assert utc_text(datetime(2026, 1, 15, 12, 30)) == "2026-01-15T12:30:00Z"


def test_a_meeting_start_with_an_offset_is_sent_as_the_same_moment_in_utc() -> None:
    start = datetime(2026, 1, 15, 9, 0, tzinfo=BERLIN_WINTER)
    assert (
        MeetingRequest(topic="t", start_time=start).body()["start_time"] == "2026-01-15T08:00:00Z"
    )


def test_a_naive_meeting_start_stays_local_to_the_meeting_timezone() -> None:
    body = MeetingRequest(start_time=datetime(2026, 1, 15, 9, 0), timezone="Europe/Berlin").body()
    assert body["start_time"] == "2026-01-15T09:00:00"
