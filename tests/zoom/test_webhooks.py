"""Webhook verification on the raw body, URL validation, parsing of Zoom's own examples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from zoombridge.errors import WebhookRejected
from zoombridge.zoom.webhooks import (
    MAX_BODY_BYTES,
    UrlValidation,
    WebhookEvent,
    parse_event,
    receive,
    sign,
    url_validation_response,
    verify,
)

SECRET = "whsec-test"
NOW = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)
TS = str(int(NOW.timestamp()))
EXAMPLES = Path(__file__).parents[1] / "contract" / "zoom-api" / "examples" / "webhooks"


def _headers(body: bytes, ts: str = TS, secret: str = SECRET) -> dict[str, str]:
    return {"x-zm-request-timestamp": ts, "x-zm-signature": sign(secret, ts, body)}


def test_the_documented_url_validation_answer() -> None:
    example = json.loads((EXAMPLES / "endpoint.url_validation.json").read_text())
    plain = example["request"]["body"]["payload"]["plainToken"]
    answer = url_validation_response(SECRET, plain)
    assert answer["plainToken"] == plain
    assert len(answer["encryptedToken"]) == 64
    assert int(answer["encryptedToken"], 16) >= 0


def test_url_validation_is_answered_only_when_signed() -> None:
    body = json.dumps(
        {"event": "endpoint.url_validation", "event_ts": 1, "payload": {"plainToken": "abc"}}
    ).encode()
    result = receive(SECRET, _headers(body), body, now=NOW)
    assert isinstance(result, UrlValidation)
    assert result.response == url_validation_response(SECRET, "abc")
    with pytest.raises(WebhookRejected):
        receive(SECRET, {}, body, now=NOW)


def _official_events() -> list[tuple[str, bytes]]:
    """Every example event body Zoom publishes: the single files and the two full sets."""
    bodies: list[tuple[str, bytes]] = []
    for path in sorted(EXAMPLES.glob("*.json")):
        data = json.loads(path.read_text())
        if "event" in data and "payload" in data:
            bodies.append((path.stem, path.read_bytes()))
        for name, event in data.get("events", {}).items():
            bodies.append((name, json.dumps(event).encode()))
    return bodies


OFFICIAL = _official_events()


def test_all_official_events_are_covered() -> None:
    assert len(OFFICIAL) > 150  # 105 meeting-side + 71 phone events, plus the single files


@pytest.mark.parametrize(("name", "body"), OFFICIAL, ids=[n for n, _ in OFFICIAL])
def test_every_official_example_verifies_and_parses(name: str, body: bytes) -> None:
    data = json.loads(body)
    event = receive(SECRET, _headers(body), body, now=NOW)
    if data["event"] == "endpoint.url_validation":
        assert isinstance(event, UrlValidation)
        return
    assert isinstance(event, WebhookEvent)
    assert event.event == data["event"]
    if event.event.startswith("recording.") and "uuid" in event.object:
        recording = event.recording()
        assert recording is not None
        assert recording.uuid == data["payload"]["object"]["uuid"]
    if event.event.startswith("phone.recording") and "recordings" in event.object:
        ids = [r.id for r in event.phone_recordings()]
        assert ids == [r["id"] for r in data["payload"]["object"]["recordings"]]


def test_download_token_is_read_but_never_shown() -> None:
    body = (EXAMPLES / "recording.completed.json").read_bytes()
    event = parse_event(body)
    assert event.download_token
    assert event.download_token not in repr(event)


def test_retries_of_one_delivery_share_a_dedupe_key() -> None:
    body = (EXAMPLES / "recording.completed.json").read_bytes()
    same = json.dumps(json.loads(body), indent=4).encode()  # re-serialised retry
    assert parse_event(body).dedupe_key() == parse_event(same).dedupe_key()
    other = json.loads(body)
    other["event_ts"] += 1
    assert parse_event(json.dumps(other).encode()).dedupe_key() != parse_event(body).dedupe_key()


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing"),
        ({"x-zm-request-timestamp": TS}, "missing"),
        ({"x-zm-signature": "v0=00"}, "missing"),
        ({"x-zm-request-timestamp": "yesterday", "x-zm-signature": "v0=00"}, "Unix time"),
        ({"x-zm-request-timestamp": "1" * 40, "x-zm-signature": "v0=00"}, "Unix time"),
    ],
)
def test_missing_or_malformed_headers_are_refused(headers: dict[str, str], reason: str) -> None:
    with pytest.raises(WebhookRejected, match=reason) as caught:
        verify(SECRET, headers, b"{}", now=NOW)
    assert caught.value.status == 401


@pytest.mark.parametrize("skew", [-301, 301, 86400])
def test_stale_or_future_timestamps_are_refused(skew: int) -> None:
    ts = str(int(NOW.timestamp()) + skew)
    with pytest.raises(WebhookRejected, match="away from now"):
        verify(SECRET, _headers(b"{}", ts), b"{}", now=NOW)


@pytest.mark.parametrize("skew", [-300, 0, 300])
def test_timestamps_inside_five_minutes_pass(skew: int) -> None:
    ts = str(int(NOW.timestamp()) + skew)
    verify(SECRET, _headers(b"{}", ts), b"{}", now=NOW)


def test_a_tampered_body_is_refused() -> None:
    body = (EXAMPLES / "recording.completed.json").read_bytes()
    headers = _headers(body)
    tampered = body.replace(b"My Personal Recording", b"My Personal Recordinh")
    with pytest.raises(WebhookRejected, match="does not match"):
        verify(SECRET, headers, tampered, now=NOW)


def test_reserialised_json_does_not_verify_only_the_raw_body_does() -> None:
    body = (EXAMPLES / "recording.completed.json").read_bytes()
    compact = json.dumps(json.loads(body), separators=(",", ":")).encode()
    with pytest.raises(WebhookRejected):
        verify(SECRET, _headers(body), compact, now=NOW)


def test_the_wrong_secret_is_refused() -> None:
    with pytest.raises(WebhookRejected):
        verify(SECRET, _headers(b"{}", secret="other"), b"{}", now=NOW)


def test_an_oversized_body_is_refused_before_hashing() -> None:
    body = b"{" + b" " * MAX_BODY_BYTES + b"}"
    with pytest.raises(WebhookRejected) as caught:
        verify(SECRET, _headers(body), body, now=NOW)
    assert caught.value.status == 413


def test_no_secret_configured_refuses_everything() -> None:
    with pytest.raises(WebhookRejected) as caught:
        verify("", _headers(b"{}"), b"{}", now=NOW)
    assert caught.value.status == 503


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1,2]",
        b'{"event": 5}',
        b'{"payload": {}}',
        b"\xff\xfe",
        b'{"event":"x","event_ts":"soon","payload":{}}',
    ],
)
def test_malformed_signed_bodies_are_refused_with_400(body: bytes) -> None:
    with pytest.raises(WebhookRejected) as caught:
        receive(SECRET, _headers(body), body, now=NOW)
    assert caught.value.status == 400


def test_url_validation_without_a_plain_token_is_refused() -> None:
    body = json.dumps({"event": "endpoint.url_validation", "event_ts": 1, "payload": {}}).encode()
    with pytest.raises(WebhookRejected, match="plainToken"):
        receive(SECRET, _headers(body), body, now=NOW)
