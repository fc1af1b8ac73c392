"""The proxy's streaming sanitizer: equal to the transform of the parsed document however the
bytes are cut, malformed answers refused, and a garbled Zoom answer never passed on."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from proxy_helpers import caller, running_proxy

from zoombridge.clock import ManualClock
from zoombridge.emulator import World, build_world, create_app
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.privacy import Pseudonymizer
from zoombridge.privacy.endpoints import Endpoint
from zoombridge.privacy.plan import Plan, Values
from zoombridge.privacy.proxy import HOLD_BYTES
from zoombridge.privacy.proxy_keys import create_key
from zoombridge.privacy.rules_yaml import parse_rules
from zoombridge.privacy.stream import JsonStream, UpstreamJsonError
from zoombridge.privacy.transform import Sanitizer

RULES = b"""
version: 1
endpoints:
  - path: /v2/things
    response:
      next_page_token: string
      total: integer
      owner: {id: string, email: string}
      things:
        - id: string
          email: string
          size: number
          ok: boolean
          note: string
          tags: [string]
          ip: string
    transforms:
      - pseudonymize_reversibly: ["$.things[*].id", "$.owner.id"]
      - pseudonymize: ["$..email"]
      - redact: $.things[*].note
      - hash_ip: $.things[*].ip
"""

DOCUMENT = {
    "next_page_token": "abc",
    "total": 3,
    "owner": {"id": "U-owner", "email": "Owner+x@Example.EDU", "name": "Ada Lovelace"},
    "things": [
        {
            "id": "U-1",
            "email": "ada@example.edu",
            "size": 1.5e3,
            "ok": True,
            "note": "secret note",
            "tags": ["a", None, {"hidden": "Ada"}, 'b\u00e9\\"q'],
            "ip": "10.0.0.1",
            "name": "Ada",
        },
        {"id": {"nested": "ada@example.edu"}, "email": ["grace@example.edu"], "size": "big"},
        None,
        "Grace Hopper",
        {"id": "", "email": "  ", "ip": "not an ip", "size": -12, "ok": None},
    ],
    "unexpected": {"users": [{"email": "katherine@example.edu"}]},
}


@pytest.fixture
def endpoint() -> Endpoint:
    found = parse_rules(RULES, "test rules").decide("GET", "/v2/things").endpoint
    assert found is not None
    return found


def _streamed(values: Values, endpoint: Endpoint, data: bytes, size: int) -> bytes:
    stream = JsonStream(values, Plan.of(endpoint))
    out = b"".join(stream.feed(data[i : i + size]) for i in range(0, len(data), size))
    return out + stream.finish()


@pytest.mark.parametrize("size", [1, 2, 7, 64, 100_000])
def test_stream_equals_the_transform_however_the_bytes_are_cut(
    any_format: Pseudonymizer, endpoint: Endpoint, size: int
) -> None:
    sanitizer = Sanitizer(any_format)
    data = json.dumps(DOCUMENT, indent=2, ensure_ascii=False).encode()
    out = _streamed(Values(sanitizer), endpoint, data, size)
    assert json.loads(out) == sanitizer.document(DOCUMENT, endpoint)
    text = out.decode("ascii")  # non-ASCII goes out as escapes
    for secret in ("Ada", "Grace", "secret note", "U-1", "U-owner", "katherine", "10.0.0.1"):
        assert secret not in text


@pytest.mark.parametrize("number", ["-1.5e+3", "2.25", "7E-2", "12"])
def test_a_number_cut_anywhere_is_read_whole(
    zoombridge_format: Pseudonymizer, endpoint: Endpoint, number: str
) -> None:
    """A chunk may end inside a number (`2.|25`, `7E|-2`): its tail is in the next chunk."""
    sanitizer = Sanitizer(zoombridge_format)
    data = f'{{"total": {number}, "things": [{number}, {{"size": {number}}}]}}'.encode()
    for size in range(1, len(data) + 1):
        out = _streamed(Values(sanitizer), endpoint, data, size)
        assert json.loads(out) == sanitizer.document(json.loads(data), endpoint)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   ",
        b'{"things": [{"id": "x"}',  # cut short
        b'{"things": [{"id": "x"},]}',  # trailing comma
        b'{"total": 1,}',
        b'{"total": 1} {"total": 2}',  # two values
        b'{"total": NaN}',
        b'{"total": 1]',
        b'{"things": [1 2]}',
        b'{"owner" 1}',
        b'"just a string"',
        b'{"note": "\xff\xfe"}',  # not UTF-8
        b'{"total": 12',
    ],
)
def test_malformed_answers_are_refused(
    zoombridge_format: Pseudonymizer, endpoint: Endpoint, data: bytes
) -> None:
    for size in (1, len(data) or 1):
        with pytest.raises(UpstreamJsonError):
            _streamed(Values(Sanitizer(zoombridge_format)), endpoint, data, size)


class Garbling(httpx.AsyncBaseTransport):
    """Zoom's API answering /v2/users with `body` (the emulator for everything else)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, body: bytes, content_type: str) -> None:
        self.inner, self.body, self.content_type = inner, body, content_type

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/v2/users":
            return await self.inner.handle_async_request(request)
        return httpx.Response(200, headers={"Content-Type": self.content_type}, content=self.body)


@pytest.fixture
def world(zoom_clock: ManualClock) -> World:
    return build_world("small", seed=1, clock=zoom_clock)


async def _through(world: World, home: Path, body: bytes, content_type: str) -> httpx.Response:
    garbling = Garbling(EmulatorTransport(create_app(world)), body, content_type)
    async with running_proxy(world, home, transport=garbling) as proxy:
        key = create_key(proxy.keys.catalog, "k", [], world.now()).key
        async with caller(proxy, key) as api:
            return await api.get("/v2/users")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"users": [{"id": "x", "email": "ada@example.edu"},', "application/json"),
        (b'{"users": [{"id": NaN}]}', "application/json"),
        (b"<html>Zoom is down</html>", "text/html"),
        (b"", "application/json"),
    ],
)
async def test_a_garbled_zoom_answer_gets_a_clean_502(
    world: World, tmp_path: Path, body: bytes, content_type: str
) -> None:
    answer = await _through(world, tmp_path, body, content_type)
    assert answer.status_code == 502
    assert answer.json()["error"] == "zoom_answer_invalid"
    assert "ada@example.edu" not in answer.text


@pytest.mark.anyio
async def test_a_garbled_tail_after_the_held_part_cuts_the_answer(
    world: World, tmp_path: Path
) -> None:
    """Past the held bytes the status is sent: a bad tail must end the connection rather
    than leave the caller a well-formed but partial listing."""
    item = {"id": "x" * 20, "email": "ada@example.edu", "type": 1, "status": "active"}
    items = ",".join([json.dumps(item)] * (2 * HOLD_BYTES // len(json.dumps(item))))
    body = ('{"users": [' + items + ', {"id": tru').encode()

    async def read() -> AsyncIterator[bytes]:
        garbling = Garbling(EmulatorTransport(create_app(world)), body, "application/json")
        async with running_proxy(world, tmp_path, transport=garbling) as proxy:
            key = create_key(proxy.keys.catalog, "k", [], world.now()).key
            async with caller(proxy, key) as api, api.stream("GET", "/v2/users") as answer:
                assert answer.status_code == 200
                async for chunk in answer.aiter_bytes():
                    yield chunk

    with pytest.raises(UpstreamJsonError):
        async for _chunk in read():
            pass
