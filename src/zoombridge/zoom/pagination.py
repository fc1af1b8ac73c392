"""Walking Zoom's paged lists without losing or looping, and the ids that go in paths.

Zoom pages with `next_page_token` (empty string: no more pages). A token lives 15 minutes;
if one expires mid-walk, the walk restarts the same window from its first page and skips the
items it already yielded, so nothing is skipped and nothing is yielded twice. A token that
comes back a second time means Zoom's paging loops, which is an error, not an endless walk.
Date ranges are limited to one month, so long ranges are split into calendar months.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from zoombridge.errors import PageTokenExpired, PaginationError

__all__ = ["month_windows", "paginate", "path_id"]

log = logging.getLogger("zoombridge.zoom.pagination")

FetchPage = Callable[[str | None], Awaitable[dict[str, Any]]]
ItemKey = Callable[[dict[str, Any]], Hashable]

MAX_RESTARTS = 5


async def paginate(
    fetch: FetchPage,
    items_key: str,
    *,
    item_key: ItemKey,
    max_restarts: int = MAX_RESTARTS,
) -> AsyncIterator[dict[str, Any]]:
    """Yield every item of a paged list once.

    `fetch(token)` returns one page (token None for the first); `items_key` names the list in
    it (`users`, `meetings`...); `item_key(item)` identifies an item across a restart.
    """
    seen_items: set[Hashable] = set()
    restarts = 0
    while True:
        try:
            async for item in _walk(fetch, items_key):
                key = item_key(item)
                if key in seen_items:
                    continue
                seen_items.add(key)
                yield item
            return
        except PageTokenExpired:
            restarts += 1
            if restarts > max_restarts:
                raise
            log.info("page token expired; restarting the window (%d)", restarts)


async def _walk(fetch: FetchPage, items_key: str) -> AsyncIterator[dict[str, Any]]:
    used_tokens: set[str] = set()
    token: str | None = None
    while True:
        page = await fetch(token)
        for item in page.get(items_key) or []:
            yield item
        token = page.get("next_page_token") or None
        if token is None:
            return
        if token in used_tokens:
            raise PaginationError(
                f"Zoom returned the same next_page_token twice while listing {items_key}; "
                "stopping instead of looping"
            )
        used_tokens.add(token)


def month_windows(start: date, end: date) -> list[tuple[date, date]]:
    """Split [start, end] (both inclusive, as Zoom's from/to are) into calendar-month windows."""
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    windows = []
    current = start
    while current <= end:
        last_day = calendar.monthrange(current.year, current.month)[1]
        window_end = min(end, current.replace(day=last_day))
        windows.append((current, window_end))
        current = window_end + timedelta(days=1)
    return windows


def path_id(value: str | int) -> str:
    """A meeting id or UUID encoded for a URL path segment.

    Zoom wants a UUID that starts with `/` or contains `//` encoded twice
    (`/ajX==` -> `%252FajX%253D%253D`); any other UUID is encoded once.
    """
    text = str(value)
    once = quote(text, safe="")
    if text.startswith("/") or "//" in text:
        return quote(once, safe="")
    return once
