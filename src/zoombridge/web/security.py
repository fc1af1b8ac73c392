"""What every portal response and request goes through: security headers, CSRF tokens,
redirect targets that cannot leave the site."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

__all__ = [
    "LOGIN_CSRF_COOKIE",
    "SESSION_COOKIE",
    "add_security_headers",
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


async def add_security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.url.path != "/health":  # pages and answers about people are never cached
        response.headers.setdefault("Cache-Control", "no-store")
    if request.url.scheme == "https":  # once reached over HTTPS, never over HTTP again
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


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
