"""Zoom's error answers mapped onto zoombridge's exception tree, with advice a person can use.

Zoom's body is `{"code": <int>, "message": "..."}` (validation errors add `errors[]`); the HTTP
status gives the class and `code` the meaning. The tables below decide the branch of the tree
(retry / fix something / skip this item) and say what to do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from zoombridge.errors import (
    AuthenticationError,
    DailyLimitReached,
    HostDailyLimitReached,
    MissingScopes,
    PageTokenExpired,
    RateLimited,
    ZoomError,
    ZoomNotFound,
    ZoomRequestError,
    ZoomServerError,
)
from zoombridge.zoom.ratelimit import daily_resume, parse_retry_after

__all__ = ["ADVICE", "error_from_response", "zoom_error_body"]

# code -> (exception class, what the person should do)
ADVICE: dict[int, tuple[type[ZoomError], str]] = {
    124: (AuthenticationError, "the access token was refused; check the app is activated"),
    200: (
        ZoomRequestError,
        "the account or user lacks the permission, plan or add-on this call needs",
    ),
    300: (ZoomRequestError, "a parameter was rejected; see Zoom's message"),
    404: (ZoomNotFound, "Zoom has no such file (e.g. a deleted phone recording)"),
    1001: (
        ZoomNotFound,
        "the user is not on this Zoom account (deleted, or a typo in the e-mail)",
    ),
    1010: (ZoomNotFound, "the user does not belong to this Zoom account"),
    2001: (AuthenticationError, "the account id is wrong or the account was closed"),
    3000: (
        ZoomRequestError,
        "Zoom cannot do this for that meeting/webinar (check schedule_for and the host's "
        "scheduling privilege)",
    ),
    3001: (ZoomNotFound, "the meeting does not exist or has expired"),
    3003: (ZoomRequestError, "only the meeting's host may do this"),
    3018: (ZoomRequestError, "a Personal Meeting ID cannot be deleted"),
    3161: (
        ZoomRequestError,
        "the host is not allowed to host or schedule meetings; give them a licence or the "
        "scheduling privilege",
    ),
    3301: (ZoomNotFound, "there is no cloud recording for this meeting (deleted or never made)"),
    3303: (ZoomRequestError, "the meeting is still in progress; try after it ends"),
    3309: (ZoomRequestError, "the account has no cloud storage left to recover into"),
    3310: (ZoomRequestError, "the recording is locked by a simulive webinar or Zoom IQ"),
    12702: (ZoomRequestError, "Zoom keeps participant data for 12 months only"),
}

_SCOPES = re.compile(r"scopes?\s*:?\s*\[([^\]]*)\]", re.IGNORECASE)


def zoom_error_body(response: httpx.Response) -> tuple[int | None, str, list[Any]]:
    """Zoom's (code, message, errors) from an error response, tolerating non-JSON bodies."""
    try:
        body = response.json()
    except ValueError:
        text = response.text[:200].strip().replace("\n", " ")
        return None, text or response.reason_phrase, []
    if not isinstance(body, dict):
        return None, str(body)[:200], []
    code = body.get("code")
    message = str(body.get("message") or body.get("reason") or response.reason_phrase)
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    return (code if isinstance(code, int) else None), message, errors or []


def error_from_response(
    response: httpx.Response, method: str, path: str, now: datetime, host: str | None = None
) -> ZoomError:
    """The exception for one failed Zoom response (status >= 400)."""
    status = response.status_code
    code, message, errors = zoom_error_body(response)
    ctx: dict[str, Any] = {
        "status": status,
        "code": code,
        "zoom_message": message,
        "method": method,
        "path": path,
        "request_id": response.headers.get("x-zm-trackingid")
        or response.headers.get("x-zm-request-id"),
    }
    head = (
        f"Zoom {method} {path} failed ({status}{f'/{code}' if code is not None else ''}): {message}"
    )
    if status == 429:
        return _rate_limit_error(head, message, response.headers, now, ctx, host)
    if status >= 500:
        return ZoomServerError(f"{head}; Zoom had a server problem, retrying later", **ctx)
    if code in (4711, 4700) or "does not contain scope" in message:
        scopes = _missing_scopes(message)
        named = ", ".join(scopes) or "(Zoom did not name them)"
        return MissingScopes(
            f"{head}; add these scopes to the Zoom app and re-activate it: {named}",
            scopes=scopes,
            **ctx,
        )
    if code == 300 and "page token" in message.lower():
        return PageTokenExpired(f"{head}; the listing restarts from its first page", **ctx)
    if status == 401:
        return AuthenticationError(f"{head}; {ADVICE[124][1]}", **ctx)
    if code in ADVICE:
        cls, advice = ADVICE[code]
        return cls(f"{head}; {advice}{_field_errors(errors)}", **ctx)
    if status == 404:
        return ZoomNotFound(f"{head}; Zoom does not know this object", **ctx)
    return ZoomRequestError(f"{head}{_field_errors(errors)}", **ctx)


def _rate_limit_error(
    head: str,
    message: str,
    headers: Mapping[str, str],
    now: datetime,
    ctx: dict[str, Any],
    host: str | None,
) -> ZoomError:
    retry_at = parse_retry_after(headers.get("retry-after"), now)
    lowered = message.lower()
    if "meeting create/update" in lowered or "for this particular user" in lowered:
        resume = daily_resume(retry_at, now)
        return HostDailyLimitReached(
            f"{head}; the host's 100 daily create/update calls are used up until "
            f"{resume:%Y-%m-%d %H:%M} UTC",
            host=host or "(unknown host)",
            resume_at=resume,
            **ctx,
        )
    daily = "daily" in lowered or headers.get("x-ratelimit-type", "").lower() == "daily-limit"
    if daily:
        resume = daily_resume(retry_at, now)
        category = headers.get("x-ratelimit-category", "?")
        return DailyLimitReached(
            f"{head}; paused until {resume:%Y-%m-%d %H:%M} UTC",
            category=category,
            resume_at=resume,
            **ctx,
        )
    wait = (retry_at - now).total_seconds() if retry_at else None
    return RateLimited(f"{head}; slowing down", retry_after=wait, **ctx)


def _missing_scopes(message: str) -> list[str]:
    match = _SCOPES.search(message)
    if not match:
        return []
    return [s.strip() for s in re.split(r"[,\s]+", match.group(1)) if s.strip()]


def _field_errors(errors: list[Any]) -> str:
    parts = [
        f"{e.get('field')}: {e.get('message')}"
        for e in errors
        if isinstance(e, dict) and e.get("field")
    ]
    return f" ({'; '.join(parts)})" if parts else ""
