"""A minimal HTTP/1.1 keep-alive load generator on raw asyncio streams.

httpx spends about 1.5 ms of CPU per request, which caps a Python load generator near the
emulator's own speed on a 2-core machine; this one spends a fraction of that, so the figure
it reports is the server's.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

__all__ = ["read_response", "requests_per_second"]


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The status and body of one keep-alive response (the servers here send a length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return int(head[9:12]), await reader.readexactly(length)


async def _connection(host: str, port: int, request: bytes, stop: float) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    done = 0
    try:
        while time.monotonic() < stop:
            writer.write(request)
            status, body = await read_response(reader)
            if status != 200:
                raise RuntimeError(f"answered {status}: {body[:200]!r}")
            done += 1
    finally:
        writer.close()
    return done


async def requests_per_second(
    url: str, headers: dict[str, str], seconds: float, connections: int = 8
) -> float:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [
        f"GET {target} HTTP/1.1",
        f"Host: {parts.netloc}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    await _connection(host, port, request, time.monotonic() + 0.5)  # warm up
    began = time.monotonic()
    counts = await asyncio.gather(
        *(_connection(host, port, request, began + seconds) for _ in range(connections))
    )
    return sum(counts) / (time.monotonic() - began)
