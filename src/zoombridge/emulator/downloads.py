"""Zoom's download host: `/rec/download/<file>` and the CDN it redirects to.

As Zoom does: a request with a valid Bearer token (the account's access token, a
`download_access_token`, or a webhook `download_token`) gets a 302 to a short-lived signed CDN
URL; anything else gets `200 text/html` ("Only the host can download..."), not a 401. The CDN
serves the bytes with Range support, and the fault knobs can make it slow or cut it off.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from zoombridge.emulator.events import complete_late_files
from zoombridge.emulator.world import EmuFile, EmuInstance, World

__all__ = ["cdn", "download", "stream_body"]

CDN_URL_LIFETIME = 300
CONTENT_TYPES = {
    "MP4": "video/mp4",
    "M4A": "audio/mp4",
    "MP3": "audio/mpeg",
    "VTT": "text/vtt",
    "TXT": "text/plain",
    "JSON": "application/json",
    "CSV": "text/csv",
}
CHUNK = 1 << 20
_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")

NOT_ALLOWED = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Error - Zoom</title></head><body><div class="error-message">
<h1>Only the host can download this recording</h1>
<p>Sorry, you cannot download this recording. Please contact the host.</p></div></body></html>"""
NOT_FOUND = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Error - Zoom</title></head><body><div class="error-message">
<h1>This recording does not exist.</h1></div></body></html>"""


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.query_params.get("access_token", "")  # old style; Zoom still accepts it


# With an account-level (admin) recording scope, a user-level app's token reads every user's
# recordings, as the API routes let it list them; without one, only its user's own.
ACCOUNT_READ = frozenset(
    {
        "cloud_recording:read:list_user_recordings:admin",
        "cloud_recording:read:list_recording_files:admin",
        "recording:read:admin",
    }
)


def _allowed(world: World, instance: EmuInstance, token: str) -> bool:
    if not token:
        return False
    issued, _ = world.tokens.valid_access(token)
    if issued is not None:
        if issued.user_id is None or issued.user_id == instance.host_id:
            return True
        return bool(ACCOUNT_READ & issued.scopes)
    return world.tokens.download_allows(token, instance.uuid)


def _signature(world: World, token: str, expires: int) -> str:
    key = f"emulator-cdn-{world.seed}".encode()
    return hmac.new(key, f"{token}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


async def download(request: Request) -> Response:
    world: World = request.app.state.world
    found = world.files_by_token.get(request.path_params["token"])
    if found is None:
        return HTMLResponse(NOT_FOUND)
    complete_late_files(world)
    instance, file = found
    if not _allowed(world, instance, _bearer(request)) or world.faults.take("html_downloads"):
        return HTMLResponse(NOT_ALLOWED)
    gone = file.deleted or file.trashed_at or instance.trashed_at or instance.recording_deleted
    if gone or file.status != "completed":
        return HTMLResponse(NOT_FOUND)
    expires = int(world.now().timestamp()) + CDN_URL_LIFETIME
    token = request.path_params["token"]
    location = (
        f"{world.web_base}/rec/cdn/{token}?exp={expires}&sig={_signature(world, token, expires)}"
    )
    return RedirectResponse(location, status_code=302)


async def cdn(request: Request) -> Response:
    world: World = request.app.state.world
    token = request.path_params["token"]
    expires_raw = request.query_params.get("exp", "")
    signature = request.query_params.get("sig", "")
    valid = expires_raw.isdigit() and hmac.compare_digest(
        signature.encode(), _signature(world, token, int(expires_raw)).encode()
    )
    if not valid or int(expires_raw) < world.now().timestamp() or token not in world.files_by_token:
        return Response(
            "<Error><Code>AccessDenied</Code></Error>", 403, media_type="application/xml"
        )
    _, file = world.files_by_token[token]
    return stream_body(world, request, file.body(), _content_type(file))


def _content_type(file: EmuFile) -> str:
    return CONTENT_TYPES.get(file.file_extension.upper(), "application/octet-stream")


def stream_body(world: World, request: Request, body: Any, content_type: str) -> Response:
    """Serve `body` (bytes or a MediaBody) honouring Range, with the download fault knobs."""
    size = len(body) if isinstance(body, bytes) else int(body.size)
    start, end = 0, size
    status = 200
    headers = {"Accept-Ranges": "bytes"}
    wanted = request.headers.get("range")
    if wanted:
        match = _RANGE.match(wanted.strip())
        if not match or int(match.group(1)) >= size:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        start = int(match.group(1))
        end = min(size, int(match.group(2)) + 1) if match.group(2) else size
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    stop = end
    if world.faults.take("truncate_downloads"):
        stop = start + (end - start) // 2
    chunks = _chunks(body, start, stop, world.faults.slow_download_bytes_per_second)
    return StreamingResponse(chunks, status, headers, media_type=content_type)


async def _chunks(body: Any, start: int, stop: int, rate: int) -> AsyncIterator[bytes]:
    chunk_size = min(CHUNK, max(1024, rate // 10)) if rate else CHUNK
    began = time.monotonic()
    sent = 0
    pieces = (
        (body[i : min(i + chunk_size, stop)] for i in range(start, stop, chunk_size))
        if isinstance(body, bytes)
        else body.iter_range(start, stop, chunk_size)
    )
    for piece in pieces:
        yield piece
        sent += len(piece)
        if rate:
            ahead = sent / rate - (time.monotonic() - began)
            if ahead > 0:
                await asyncio.sleep(ahead)
