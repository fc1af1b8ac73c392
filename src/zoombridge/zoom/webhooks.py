"""Zoom webhooks: verify on the raw body, answer URL validation, parse events into models.

Zoom signs `"v0:" + x-zm-request-timestamp + ":" + raw body` with HMAC-SHA256 keyed by the
app's secret token and sends `x-zm-signature: v0=<hex>`. Verification uses the raw bytes (a
re-serialised body may differ), compares in constant time, and refuses timestamps more than
five minutes away from now, so a captured request cannot be replayed later.

    event = receive(secret, headers, body, now=clock.now())
    if isinstance(event, UrlValidation): return event.response
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field, ValidationError

from zoombridge.errors import WebhookRejected
from zoombridge.zoom.models import RecordingMeeting, ZoomModel
from zoombridge.zoom.phone import PhoneRecording

__all__ = [
    "MAX_BODY_BYTES",
    "TOLERANCE_SECONDS",
    "UrlValidation",
    "WebhookEvent",
    "parse_event",
    "receive",
    "sign",
    "url_validation_response",
    "verify",
]

TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 1 << 20  # a recording.completed with 150 files is ~100 KB


class WebhookEvent(ZoomModel):
    event: str
    event_ts: int
    payload: dict[str, Any]
    download_token: str | None = Field(default=None, repr=False)

    @property
    def object(self) -> dict[str, Any]:
        obj = self.payload.get("object")
        return obj if isinstance(obj, dict) else {}

    @property
    def account_id(self) -> str | None:
        value = self.payload.get("account_id")
        return value if isinstance(value, str) else None

    def dedupe_key(self) -> str:
        """Same for Zoom's retries of one delivery, different for different deliveries."""
        canonical = json.dumps(
            {"event": self.event, "event_ts": self.event_ts, "payload": self.payload},
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    def recording(self) -> RecordingMeeting | None:
        """The recorded instance of a `recording.*` event."""
        if not self.event.startswith("recording.") or "uuid" not in self.object:
            return None
        return RecordingMeeting.model_validate(self.object)

    def phone_recordings(self) -> list[PhoneRecording]:
        """The recordings of a `phone.recording_*` event."""
        items = self.object.get("recordings") if self.event.startswith("phone.recording") else None
        return [PhoneRecording.model_validate(r) for r in items or [] if isinstance(r, dict)]


@dataclass(frozen=True)
class UrlValidation:
    """Zoom's `endpoint.url_validation` challenge and the answer it expects."""

    plain_token: str
    response: dict[str, str]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    message = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def url_validation_response(secret: str, plain_token: str) -> dict[str, str]:
    encrypted = hmac.new(secret.encode(), plain_token.encode(), hashlib.sha256).hexdigest()
    return {"plainToken": plain_token, "encryptedToken": encrypted}


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: datetime,
    tolerance: int = TOLERANCE_SECONDS,
    max_bytes: int = MAX_BODY_BYTES,
) -> None:
    """Raise WebhookRejected unless `body` is a fresh request signed with `secret`."""
    if not secret:
        raise WebhookRejected(
            "no webhook secret is configured; refusing unverifiable events",
            status=503,
            reason="no_secret",
        )
    if len(body) > max_bytes:
        raise WebhookRejected(
            f"body of {len(body)} bytes exceeds {max_bytes}", status=413, reason="oversized"
        )
    lower = {k.lower(): v for k, v in headers.items()}
    signature = lower.get("x-zm-signature", "")
    timestamp = lower.get("x-zm-request-timestamp", "")
    if not signature or not timestamp:
        raise WebhookRejected(
            "missing x-zm-signature or x-zm-request-timestamp header", reason="unsigned"
        )
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise WebhookRejected(
            "x-zm-request-timestamp is not a Unix time in seconds", reason="bad_timestamp"
        )
    skew = abs(now.timestamp() - int(timestamp))
    if skew > tolerance:
        raise WebhookRejected(
            f"timestamp is {skew:.0f}s away from now (limit {tolerance}s)", reason="stale"
        )
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise WebhookRejected("signature does not match the body", reason="bad_signature")


def parse_event(body: bytes) -> WebhookEvent:
    """The event in a (verified) body; WebhookRejected(400) if it is not a Zoom event."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRejected("body is not JSON", status=400, reason="malformed") from None
    if not isinstance(data, dict):
        raise WebhookRejected("body is not a JSON object", status=400, reason="malformed")
    try:
        event = WebhookEvent.model_validate(data)
        # A recording event's object is read later, by the archive: a malformed one is refused
        # now, while Zoom (or whoever signed it) still gets told, instead of stored.
        event.recording()
        event.phone_recordings()
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
        raise WebhookRejected(
            f"not a Zoom event (bad or missing: {fields})", status=400, reason="malformed"
        ) from None
    return event


def receive(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: datetime,
    tolerance: int = TOLERANCE_SECONDS,
    max_bytes: int = MAX_BODY_BYTES,
) -> WebhookEvent | UrlValidation:
    """Verify, then parse; URL validation comes back with the answer to send."""
    verify(secret, headers, body, now=now, tolerance=tolerance, max_bytes=max_bytes)
    event = parse_event(body)
    if event.event == "endpoint.url_validation":
        plain = event.payload.get("plainToken")
        if not isinstance(plain, str) or not plain or len(plain) > 256:
            raise WebhookRejected(
                "url_validation without a usable plainToken", status=400, reason="malformed"
            )
        return UrlValidation(plain, url_validation_response(secret, plain))
    return event
