"""What every portal response and request goes through: security headers, CSRF tokens,
redirect targets that cannot leave the site."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "LOGIN_CSRF_COOKIE",
    "SESSION_COOKIE",
    "SecurityHeaders",
    "new_csrf_token",
    "safe_next",
    "same_token",
]

SESSION_COOKIE = "zb_session"
LOGIN_CSRF_COOKIE = "zb_login_csrf"  # double-submit token for the sign-in form (no session yet)

# Everything the portal serves comes from itself: no inline script, no third-party origin,
# and no other site may frame it (clickjacking).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


_ENCODED = [(name.lower().encode(), value.encode()) for name, value in HEADERS.items()]
_NO_STORE = (b"cache-control", b"no-store")
_HSTS = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeaders:
    """Adds HEADERS to every response, `no-store` to all but /health, HSTS over HTTPS.

    Plain ASGI with the headers encoded once: Starlette's `@app.middleware("http")` wraps
    each request in tasks and streams, about 0.85 ms of CPU a request, which alone kept the
    webhook receiver from its 500 events/s (see bench/webhook_ingest.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(_ENCODED)
        if scope.get("path") != "/health":  # pages and answers about people are never cached
            extra.append(_NO_STORE)
        if scope.get("scheme") == "https":  # once reached over HTTPS, never over HTTP again
            extra.append(_HSTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                added = [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in; anything that could leave the site ("//x",
    "https://x", "/\\x", control characters) becomes "/"."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 32 or c == "\\" for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target
