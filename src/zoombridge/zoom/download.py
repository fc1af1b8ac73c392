"""Streaming a recording file from Zoom, refusing anything that is not the file.

Zoom answers a download whose token is missing, expired or wrong with `200 text/html`
("Only the host can download this recording..."), and older paths with a 59-byte JSON
`{"errorCode":124,...}`. Scripts that trusted the status saved those pages as videos. Here the
first bytes are sniffed before anything is yielded: an HTML page, or a JSON error where media
was expected, raises NotMediaError. The stream also checks it got every byte it was promised.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpcore
import httpx

from zoombridge.errors import NotMediaError, TransportError, ZoomNotFound, ZoomServerError

__all__ = ["Download", "default_timeout", "looks_like_error_page", "open_download"]

SNIFF_BYTES = 1024
JSON_EXTENSIONS = frozenset({"JSON"})
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_ERROR_KEYS = frozenset({"errorCode", "errorMessage", "code", "message", "status", "error"})

# httpcore reads a response 64 KiB at a time, and each read is a trip through anyio (a cancel
# scope, two epoll calls to pause and resume the socket, a copy to split the bigger block the
# socket had ready): for a backfill's gigabytes that per-read cost, not the network, set the
# pace of the one event loop. Reading up to 1 MiB takes whatever the socket holds (asyncio
# reads at most 256 KiB at once), a quarter of the trips. Only buffer sizes change: the
# bytes, their order and every timeout stay the same, for every httpx client in the process.
READ_BYTES = 1024 * 1024
if httpcore.AsyncHTTP11Connection.READ_NUM_BYTES < READ_BYTES:
    httpcore.AsyncHTTP11Connection.READ_NUM_BYTES = READ_BYTES


def default_timeout(seconds: float) -> httpx.Timeout:
    """Every phase bounded: a dead peer is noticed within `seconds`, never a hang."""
    return httpx.Timeout(seconds, connect=min(10.0, seconds))


class Download:
    """An open download. `start` is where the bytes begin (non-zero only when resumed)."""

    def __init__(self, response: httpx.Response, url: str, start: int, total: int | None) -> None:
        self.response = response
        self.url = url
        self.start = start
        self.total_size = total
        self.content_type = response.headers.get("content-type", "")
        self.received = 0
        self._head = b""
        self._stream = response.aiter_raw()

    @property
    def resumed(self) -> bool:
        return self.start > 0

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """The body from `start`, in the chunks the network delivers."""
        if self._head:
            head, self._head = self._head, b""
            self.received += len(head)
            yield head
        try:
            async for chunk in self._stream:
                self.received += len(chunk)
                yield chunk
        except httpx.TransportError as exc:
            raise self._broken(f"{type(exc).__name__} after {self.received} bytes") from None
        expected = None if self.total_size is None else self.total_size - self.start
        if expected is not None and self.received != expected:
            raise self._broken(f"got {self.received} of {expected} bytes")

    async def _sniff(self, expected_extension: str | None) -> None:
        while len(self._head) < SNIFF_BYTES:
            try:
                chunk = await anext(self._stream)
            except StopAsyncIteration:
                break
            except httpx.TransportError as exc:
                raise self._broken(type(exc).__name__) from None
            self._head += chunk
        reason = looks_like_error_page(self.content_type, self._head, expected_extension)
        if reason:
            raise NotMediaError(
                f"Zoom served {reason} instead of the recording file "
                "(an expired download token, missing permission, or a deleted file); "
                "nothing was saved",
                status=self.response.status_code,
                method="GET",
                path=_safe_path(self.url),
            )

    def _broken(self, detail: str) -> TransportError:
        return TransportError(
            f"download of {_safe_path(self.url)} broke off: {detail}; it can be resumed",
            method="GET",
            path=_safe_path(self.url),
        )


def looks_like_error_page(content_type: str, head: bytes, expected_extension: str | None) -> str:
    """A description of the error page `head` is, or "" if it may be the real file."""
    kind = content_type.split(";")[0].strip().lower()
    start = head.lstrip()[:64].lower()
    if kind == "text/html" or start.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "an HTML page"
    wants_json = (expected_extension or "").upper() in JSON_EXTENSIONS
    if kind == "application/json" and not wants_json:
        return "a JSON error body"
    if start.startswith(b"{") and _is_error_object(head):
        return "a JSON error body"
    return ""


def _is_error_object(head: bytes) -> bool:
    if len(head) >= SNIFF_BYTES:
        return False  # a real JSON file (timeline, summary) is longer than an error body
    try:
        body: Any = json.loads(head)
    except ValueError:
        return False
    return isinstance(body, dict) and bool(body) and set(body) <= _ERROR_KEYS


@asynccontextmanager
async def open_download(
    http: httpx.AsyncClient,
    url: str,
    bearer: str,
    offset: int,
    expected_extension: str | None,
) -> AsyncIterator[Download]:
    """GET `url` with the bearer token, following Zoom's redirect to the file."""
    headers = {"Authorization": f"Bearer {bearer}", "Accept": "*/*"}
    if offset > 0:
        headers["Range"] = f"bytes={offset}-"
    request = http.build_request("GET", url, headers=headers)
    try:
        response = await http.send(request, stream=True, follow_redirects=True)
    except httpx.TransportError as exc:
        raise TransportError(
            f"cannot start the download of {_safe_path(url)}: {type(exc).__name__}",
            method="GET",
            path=_safe_path(url),
        ) from None
    try:
        start, total = _check_status(response, url, offset)
        download = Download(response, url, start, total)
        await download._sniff(expected_extension)
        yield download
    finally:
        await response.aclose()


def _check_status(response: httpx.Response, url: str, offset: int) -> tuple[int, int | None]:
    status = response.status_code
    path = _safe_path(url)
    if status == 206:
        match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
        if not match or int(match.group(1)) != offset:
            raise TransportError(f"Zoom answered a resume of {path} with a wrong range")
        total = match.group(3)
        return offset, None if total == "*" else int(total)
    if status == 200:
        length = response.headers.get("content-length")
        return 0, int(length) if length and length.isdigit() else None
    if status == 404:
        raise ZoomNotFound(f"Zoom has no file at {path} (404)", status=404, path=path)
    if status >= 500:
        raise ZoomServerError(f"Zoom failed serving {path} ({status})", status=status, path=path)
    raise NotMediaError(
        f"Zoom refused the download of {path} ({status}); nothing was saved",
        status=status,
        method="GET",
        path=path,
    )


def _safe_path(url: str) -> str:
    """The URL without its query string, which may carry signatures or tokens."""
    return httpx.URL(url).copy_with(query=None).path
