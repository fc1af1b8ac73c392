"""Zoom's error answers as the proxy passes them on: status and code kept, words checked.

Zoom's messages echo what the request named: "User ada@example.edu does not exist", "Meeting
does not exist: 81234567890", and for a reversible token the *decrypted* id the caller never
saw. So the message is default-deny like everything else: kept (and still scrubbed of
e-mail addresses and the request's decrypted values) only for codes whose texts name
nobody; for a code zoombridge knows, replaced by what that code means; otherwise a neutral
sentence. Field names of validation errors are kept, their messages are not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from zoombridge.zoom.errormap import ADVICE

__all__ = ["KEPT_MESSAGE_CODES", "sanitized_error"]

# Codes whose messages are fixed texts about tokens, scopes, parameters and rate limits.
KEPT_MESSAGE_CODES = frozenset({124, 300, 429, 4001, 4700, 4711})
MAX_MESSAGE = 300
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_FIELD = re.compile(r"[A-Za-z0-9_.\[\]]{1,100}")


def sanitized_error(
    status: int,
    body: bytes,
    pseudonymize: Callable[[str], str],
    revealed: Iterable[str] = (),
) -> dict[str, Any]:
    """The body to send for Zoom's error answer `body` (any bytes, maybe not JSON)."""
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        parsed = None
    if not isinstance(parsed, dict):
        return {"code": None, "message": f"Zoom answered {status} without a JSON error body"}
    code = parsed.get("code")
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    message = parsed.get("message")
    out: dict[str, Any] = {"code": code, "message": _message(status, code, message)}
    if code in KEPT_MESSAGE_CODES and isinstance(message, str):
        out["message"] = _scrub(message, pseudonymize, revealed)[:MAX_MESSAGE]
    fields = _fields(parsed.get("errors"))
    if fields:
        out["errors"] = fields
    return out


def _message(status: int, code: int | None, message: object) -> str:
    if code is not None and code in ADVICE:
        return f"Zoom error {code}: {ADVICE[code][1]}"
    numbered = f"HTTP {status}" + (f", code {code}" if code is not None else "")
    return f"Zoom refused the request ({numbered}); its message is withheld as it may name people"


def _scrub(text: str, pseudonymize: Callable[[str], str], revealed: Iterable[str]) -> str:
    for value in sorted(set(revealed), key=len, reverse=True):
        if value:
            text = text.replace(value, "[id]")
    return _EMAIL.sub(lambda found: pseudonymize(found.group(0)), text)


def _fields(errors: object) -> list[dict[str, str]]:
    if not isinstance(errors, list):
        return []
    fields = []
    for item in errors[:50]:
        field = item.get("field") if isinstance(item, dict) else None
        if isinstance(field, str) and _FIELD.fullmatch(field):
            fields.append({"field": field})
    return fields
