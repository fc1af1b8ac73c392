"""The baseline: the cheapest possible ASGI app on the same uvicorn, for ratios.

`/list` answers a fixed JSON page of the same size as an emulator page; `/download` streams
the requested number of bytes from one buffer. Whatever the emulator loses against this is
the emulator's own cost.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import uvicorn

PAGE = json.dumps(
    {
        "page_size": 30,
        "users": [
            {
                "id": f"u{i}",
                "email": f"user{i}@example.edu",
                "first_name": "Ada",
                "last_name": "Lovelace",
                "type": 2,
                "status": "active",
                "timezone": "UTC",
                "pmi": 1234567890,
                "verified": 1,
                "dept": "Physics",
                "created_at": "2025-01-01T00:00:00Z",
                "role_id": "2",
            }
            for i in range(30)
        ],
    }
).encode()
CHUNK = bytes(1 << 20)


def make_app(download_bytes: int) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/download":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"video/mp4"),
                        (b"content-length", str(download_bytes).encode()),
                    ],
                }
            )
            sent = 0
            while sent < download_bytes:
                piece = CHUNK[: min(len(CHUNK), download_bytes - sent)]
                sent += len(piece)
                await send(
                    {
                        "type": "http.response.body",
                        "body": piece,
                        "more_body": sent < download_bytes,
                    }
                )
            return
        body = PAGE if path == "/list" else b"{}"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


if __name__ == "__main__":
    port, size = int(sys.argv[1]), int(sys.argv[2])
    uvicorn.run(make_app(size), host="127.0.0.1", port=port, log_level="warning")
