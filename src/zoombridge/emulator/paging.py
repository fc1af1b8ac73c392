"""Zoom-style paging: page_size (default 30, at most 300) and opaque 15-minute page tokens."""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from starlette.datastructures import QueryParams

from zoombridge.clock import Clock

__all__ = ["PageTokens", "page_of"]

TOKEN_LIFETIME = timedelta(minutes=15)
DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 300
_ALPHABET = string.ascii_letters + string.digits


class PagingError(Exception):
    """An invalid page_size or an unknown/expired token (Zoom: 400, code 300)."""


@dataclass
class _Cursor:
    key: str
    offset: int
    issued: datetime


class PageTokens:
    def __init__(self, clock: Clock, rng: random.Random) -> None:
        self._clock = clock
        self._rng = rng
        self._cursors: dict[str, _Cursor] = {}

    def issue(self, key: str, offset: int) -> str:
        self._forget_expired()
        token = "".join(self._rng.choice(_ALPHABET) for _ in range(35))
        self._cursors[token] = _Cursor(key, offset, self._clock.now())
        return token

    def resolve(self, token: str, key: str, force_expired: bool = False) -> int:
        cursor = self._cursors.get(token)
        if (
            force_expired
            or cursor is None
            or cursor.key != key
            or self._clock.now() - cursor.issued > TOKEN_LIFETIME
        ):
            raise PagingError("The next page token is invalid or expired.")
        return cursor.offset

    def _forget_expired(self) -> None:
        if len(self._cursors) < 10_000:
            return
        limit = self._clock.now() - TOKEN_LIFETIME
        self._cursors = {t: c for t, c in self._cursors.items() if c.issued >= limit}


def page_size(query: QueryParams) -> int:
    raw = query.get("page_size")
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or int(raw) < 1:
        raise PagingError("Invalid field: page_size.")
    return min(int(raw), MAX_PAGE_SIZE)


def page_of(
    tokens: PageTokens,
    query: QueryParams,
    key: str,
    items: list[dict[str, Any]],
    items_key: str,
    *,
    force_expired: bool = False,
    with_page_count: bool = True,
) -> dict[str, Any]:
    """One page of `items` with Zoom's envelope (caller adds from/to and the like)."""
    size = page_size(query)
    token = query.get("next_page_token") or ""
    offset = tokens.resolve(token, key, force_expired) if token else 0
    chunk = items[offset : offset + size]
    following = offset + size
    envelope: dict[str, Any] = {
        "next_page_token": tokens.issue(key, following) if following < len(items) else "",
        "page_size": size,
        "total_records": len(items),
    }
    if with_page_count:
        envelope["page_count"] = math.ceil(len(items) / size) if items else 0
    envelope[items_key] = chunk
    return envelope
