"""Walking pages: never skip, never repeat, never loop; month windows; path ids."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zoombridge.errors import PageTokenExpired, PaginationError
from zoombridge.zoom.pagination import month_windows, paginate, path_id

pytestmark = pytest.mark.anyio


def _pages(items: list[int], size: int) -> dict[str | None, dict[str, Any]]:
    pages: dict[str | None, dict[str, Any]] = {}
    for index in range(0, max(len(items), 1), size):
        token = None if index == 0 else f"t{index}"
        following = f"t{index + size}" if index + size < len(items) else ""
        pages[token] = {
            "items": [{"id": i} for i in items[index : index + size]],
            "next_page_token": following,
        }
    return pages


async def _collect(fetch: Any) -> list[int]:
    return [item["id"] async for item in paginate(fetch, "items", item_key=lambda i: i["id"])]


async def test_all_pages_are_walked() -> None:
    pages = _pages(list(range(10)), 3)

    async def fetch(token: str | None) -> dict[str, Any]:
        return pages[token]

    assert await _collect(fetch) == list(range(10))


async def test_an_expired_token_restarts_the_window_without_skipping_or_repeating() -> None:
    pages = _pages(list(range(10)), 3)
    expired_once = {"t6"}

    async def fetch(token: str | None) -> dict[str, Any]:
        if token in expired_once:
            expired_once.discard(token)
            raise PageTokenExpired("The next page token is invalid or expired.")
        return pages[token]

    assert await _collect(fetch) == list(range(10))


async def test_items_added_while_restarting_are_still_yielded() -> None:
    state = {"items": list(range(7)), "expired": True}

    async def fetch(token: str | None) -> dict[str, Any]:
        if token == "t3" and state["expired"]:
            state["expired"] = False
            state["items"] = [99, *state["items"]]  # a new recording arrived meanwhile
            raise PageTokenExpired("expired")
        return _pages(state["items"], 3)[token]

    assert sorted(await _collect(fetch)) == [0, 1, 2, 3, 4, 5, 6, 99]


async def test_a_repeated_token_is_a_loop_not_an_endless_walk() -> None:
    async def fetch(token: str | None) -> dict[str, Any]:
        return {"items": [{"id": 1}], "next_page_token": "same"}

    with pytest.raises(PaginationError, match="same next_page_token twice"):
        await _collect(fetch)


async def test_endless_expiry_gives_up() -> None:
    async def fetch(token: str | None) -> dict[str, Any]:
        if token:
            raise PageTokenExpired("expired")
        return {"items": [{"id": 1}], "next_page_token": "next"}

    with pytest.raises(PageTokenExpired):
        await _collect(fetch)


def test_month_windows_follow_the_calendar() -> None:
    assert month_windows(date(2026, 1, 15), date(2026, 3, 2)) == [
        (date(2026, 1, 15), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 2)),
    ]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 800))
def test_month_windows_cover_the_range_exactly_once(start: date, days: int) -> None:
    end = date.fromordinal(start.toordinal() + days)
    windows = month_windows(start, end)
    assert windows[0][0] == start
    assert windows[-1][1] == end
    for (_, a_end), (b_start, _) in itertools.pairwise(windows):
        assert b_start.toordinal() == a_end.toordinal() + 1
    for a, b in windows:
        assert a <= b
        assert (a.year, a.month) == (b.year, b.month)


def test_backwards_range_is_refused() -> None:
    with pytest.raises(ValueError, match="ends"):
        month_windows(date(2026, 2, 1), date(2026, 1, 1))


@pytest.mark.parametrize(
    ("uuid", "encoded"),
    [
        ("/ajXp112QmuoKj4854875==", "%252FajXp112QmuoKj4854875%253D%253D"),
        ("ab//cdEF==", "ab%252F%252FcdEF%253D%253D"),
        ("4444AAAiAAAAAiAiAiiAii==", "4444AAAiAAAAAiAiAiiAii%3D%3D"),
        ("ab/cd+ef==", "ab%2Fcd%2Bef%3D%3D"),
        (85746065432, "85746065432"),
    ],
)
def test_meeting_uuids_are_encoded_as_zoom_wants(uuid: str | int, encoded: str) -> None:
    assert path_id(uuid) == encoded
