"""Stored objects over HTTP with byte ranges, so a player can seek in an hour-long recording
without the portal reading it from the start, and a download can resume.

One range per request (what players and browsers ask for); several ranges get the whole
object, as RFC 9110 allows. A range past the end gets 416 with the object's size."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import quote

from fastapi import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from zoombridge.archive.library_detail import MediaObject
from zoombridge.errors import StorageError
from zoombridge.storage import Store

__all__ = ["Unsatisfiable", "requested_range", "stream_object"]

RANGE = re.compile(r"bytes=([0-9]{0,15})-([0-9]{0,15})")  # 15 digits: petabytes


class Unsatisfiable(Exception):
    """The range asked for lies outside the object."""


def requested_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end exclusive) for one range; None for the whole object (no header, several
    ranges, or one we do not understand); Unsatisfiable when it lies past the end."""
    if not header:
        return None
    found = RANGE.fullmatch(header.strip())
    if found is None:
        return None
    first, last = found.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if not length or not size:
            raise Unsatisfiable
        return max(0, size - length), size
    start = int(first)
    if last and int(last) < start:
        return None  # not a valid range: RFC 9110 says to ignore it
    if start >= size:
        raise Unsatisfiable
    return start, min(size, int(last) + 1) if last else size


async def stream_object(
    request: Request, store: Store, item: MediaObject, *, attachment: bool
) -> Response:
    """The object (or the part the Range header asks for) as it lies in storage. Its size is
    asked of the store first: a missing object is a 404 before any byte is promised."""
    try:
        size = (await store.info(item.storage_key)).size
    except FileNotFoundError:
        raise HTTPException(
            404, "the stored file is missing: run zoombridge archive verify"
        ) from None
    except StorageError as exc:
        raise HTTPException(502, f"the storage could not be read: {exc}") from None
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=3600",
        "Content-Disposition": _disposition(item.filename, attachment=attachment),
    }
    try:
        wanted = requested_range(request.headers.get("range"), size)
    except Unsatisfiable:
        headers["Content-Range"] = f"bytes */{size}"
        return Response(status_code=416, headers=headers)
    if wanted is None:
        start, end, status = 0, size, 200
    else:
        start, end = wanted
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)

    async def body() -> AsyncIterator[bytes]:
        if end > start:
            async for chunk in store.read_stream(item.storage_key, (start, end)):
                yield chunk

    return StreamingResponse(body(), status, headers=headers, media_type=item.content_type)


def _disposition(filename: str, *, attachment: bool) -> str:
    kind = "attachment" if attachment else "inline"
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename)[:150] or "recording"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename[:150])}"
