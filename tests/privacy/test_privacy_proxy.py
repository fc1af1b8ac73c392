"""The privacy proxy end to end against the emulator: what passes, sanitized; what is
refused, with nothing sent to Zoom; keys, networks, rate limits, errors and stale tokens."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from privacy_helpers import KEY, SALT
from proxy_helpers import caller, leaked, running_proxy, secrets_of, zoom_targets

from zoombridge.clock import ManualClock
from zoombridge.emulator import World, build_world
from zoombridge.privacy import PrivacyKeys, PseudonymOptions, make_pseudonymizer
from zoombridge.privacy.proxy import PrivacyProxy, zoom_category
from zoombridge.privacy.proxy_keys import KeyRefused, create_key, revoke_key
from zoombridge.privacy.rules_yaml import default_rules
from zoombridge.privacy.transform import Sanitizer

pytestmark = pytest.mark.anyio


@pytest.fixture
def world(zoom_clock: ManualClock) -> World:
    return build_world("demo", seed=1, clock=zoom_clock)


@pytest.fixture
async def proxy(world: World, tmp_path: Path) -> AsyncIterator[PrivacyProxy]:
    async with running_proxy(world, tmp_path) as running:
        yield running


@pytest.fixture
def key(proxy: PrivacyProxy, world: World) -> str:
    return create_key(proxy.keys.catalog, "analytics", [], world.now()).key


@pytest.fixture
async def api(proxy: PrivacyProxy, key: str) -> AsyncIterator[httpx.AsyncClient]:
    async with caller(proxy, key) as client:
        yield client


async def _direct(proxy: PrivacyProxy, target: str) -> tuple[int, bytes]:
    """Zoom's own answer to `target`, through the same client, not sanitized."""
    category, family = zoom_category(target.partition("?")[0])
    upstream = target.removeprefix("/v2")
    async with proxy.client.passthrough("GET", upstream, category=category, family=family) as got:
        return got.status_code, await got.aread()


async def test_allowed_endpoints_answer_sanitized(
    api: httpx.AsyncClient, proxy: PrivacyProxy, world: World
) -> None:
    secrets = secrets_of(world)
    for target in zoom_targets(world):
        answer = await api.get(target)
        assert answer.status_code == 200, (target, answer.text)
        assert answer.json(), target
        assert not leaked(answer.text, secrets), (target, leaked(answer.text, secrets))
        assert answer.headers["X-Zoombridge-Rules"] == default_rules().sha256
        assert answer.headers["X-Zoombridge-Salt-Fingerprint"] == proxy.pseudonymizer.fingerprint()
        assert answer.headers["X-Zoombridge-Pseudonyms"] == "zoombridge"
        assert answer.headers["Cache-Control"] == "no-store"
    people = (await api.get(zoom_targets(world)[5])).json()["participants"]
    assert len(people) > 1
    assert all(p["user_email"].startswith("zt~") for p in people)


async def test_the_stream_equals_the_rules_applied_to_the_whole_answer(
    api: httpx.AsyncClient, proxy: PrivacyProxy, world: World
) -> None:
    """What the proxy streams is exactly what the transform makes of Zoom's parsed answer."""
    reference = Sanitizer(make_pseudonymizer("zoombridge", PrivacyKeys.of(SALT, KEY)))
    rules = default_rules()
    _, body = await _direct(proxy, "/v2/users?page_size=300")
    original = json.loads(body)
    expected = reference.document(original, rules.decide("GET", "/v2/users").endpoint)
    assert (await api.get("/v2/users?page_size=300")).json() == expected


async def test_pseudonymous_ids_work_in_later_urls(api: httpx.AsyncClient, world: World) -> None:
    users = (await api.get("/v2/users")).json()["users"]
    token = users[0]["id"]
    assert token.startswith("zp~")
    meetings = await api.get(f"/v2/users/{token}/meetings")
    assert meetings.status_code == 200, meetings.text
    listed = meetings.json()["meetings"]
    assert listed
    assert {m["host_id"] for m in listed} == {token}  # one person, one token everywhere


async def test_uuid_spellings_reach_zoom_as_written(
    api: httpx.AsyncClient, proxy: PrivacyProxy, world: World
) -> None:
    """Plain with one literal `/`, `%2F` and `%252F` are allowed by the rules and reach Zoom
    untouched: the proxy answers what Zoom answers for each spelling."""
    uuid = next(
        i.uuid for i in world.instances.values() if i.uuid.count("/") == 1 and i.uuid[0] != "/"
    )
    spellings = [uuid, quote(uuid, safe=""), quote(quote(uuid, safe=""), safe="")]
    statuses = []
    for spelling in spellings:
        target = f"/v2/past_meetings/{spelling}"
        assert proxy.rules.decide("GET", target).allowed, spelling
        through = await api.get(target)
        assert through.status_code == (await _direct(proxy, target))[0], spelling
        statuses.append(through.status_code)
    assert statuses[2] == 200  # Zoom's documented double encoding
    assert (await api.get(f"/v2/past_meetings/{spellings[2]}")).json()["uuid"] == uuid


@pytest.mark.parametrize(
    ("method", "target", "status"),
    [
        ("GET", "/v2/users/", 403),  # trailing slash
        ("GET", "//v2/users", 403),
        ("GET", "/v2//users", 403),
        ("GET", "/v2/users/abc/meetings/extra", 403),  # an extra segment
        ("GET", "/v2/accounts/me/recordings", 403),  # an endpoint no rule lists
        ("GET", "/v2/past_meetings/ab/cd/ef==", 403),  # a UUID with two literal slashes
        ("GET", "/v2/users/%2E%2E/users", 403),  # dot segments, encoded so httpx keeps them
        ("GET", "/v2/users?status=active&secret=1", 403),  # a query parameter not listed
        ("POST", "/v2/users", 405),
        ("DELETE", "/v2/meetings/81234567890", 405),
        ("PATCH", "/v2/meetings/81234567890", 405),
    ],
)
async def test_refused_requests_send_nothing_to_zoom(
    api: httpx.AsyncClient, proxy: PrivacyProxy, method: str, target: str, status: int
) -> None:
    before = proxy.client.stats.api_calls
    answer = await api.request(method, target)
    assert answer.status_code == status, answer.text
    reason = "method_not_allowed" if status == 405 else "blocked_by_rules"
    assert answer.json()["error"] == reason
    assert answer.headers["X-Zoombridge-Error"] == reason
    assert answer.json()["message"]
    assert proxy.client.stats.api_calls == before


async def test_head_answers_headers_only(api: httpx.AsyncClient) -> None:
    answer = await api.head("/v2/users")
    assert answer.status_code == 200
    assert answer.content == b""
    assert "X-Zoombridge-Rules" in answer.headers


async def test_a_remembered_key_is_checked_without_a_thread(
    proxy: PrivacyProxy, key: str, world: World
) -> None:
    """The event loop answers from memory only what `check` would answer the same."""
    keys = proxy.keys
    assert keys.check_cached(key, "127.0.0.1") is None  # never seen: the catalog decides
    assert keys.check(key, "127.0.0.1") == "analytics"
    assert keys.check_cached(key, "127.0.0.1") == "analytics"
    with pytest.raises(KeyRefused, match="send an API key"):
        keys.check_cached(None, "127.0.0.1")
    office = create_key(keys.catalog, "office", ["10.0.0.0/8"], world.now()).key
    assert keys.check(office, "10.1.2.3") == "office"
    with pytest.raises(KeyRefused, match="may not be used from"):
        keys.check_cached(office, "203.0.113.5")
    assert isinstance(world.clock, ManualClock)
    world.clock.advance(11)
    assert keys.check_cached(key, "127.0.0.1") is None  # stale: read the catalog again


async def test_api_keys_missing_wrong_revoked_and_networks(
    proxy: PrivacyProxy, key: str, world: World
) -> None:
    async with caller(proxy, None) as anonymous:
        missing = await anonymous.get("/v2/users")
        assert (missing.status_code, missing.json()["error"]) == (401, "key_missing")
        bearer = await anonymous.get("/v2/users", headers={"Authorization": f"Bearer {key}"})
        assert bearer.status_code == 200
    async with caller(proxy, "zbp_" + "x" * 43) as wrong:
        refused = await wrong.get("/v2/users")
        assert (refused.status_code, refused.json()["error"]) == (401, "key_unknown")
    async with caller(proxy, key) as holder:
        assert (await holder.get("/v2/users")).status_code == 200
        revoke_key(proxy.keys.catalog, "analytics", world.now())
        assert (await holder.get("/v2/users")).status_code == 200  # still remembered...
        assert isinstance(world.clock, ManualClock)
        world.clock.advance(11)
        revoked = await holder.get("/v2/users")  # ...for 10 seconds at most
        assert (revoked.status_code, revoked.json()["error"]) == (401, "key_revoked")
    office = create_key(proxy.keys.catalog, "office", ["10.0.0.0/8", "2001:db8::/32"], world.now())
    async with caller(proxy, office.key, ip="203.0.113.5") as outside:
        refused = await outside.get("/v2/users")
        assert (refused.status_code, refused.json()["error"]) == (403, "ip_not_allowed")
    for inside_ip in ("10.1.2.3", "2001:db8::7"):
        async with caller(proxy, office.key, ip=inside_ip) as inside:
            assert (await inside.get("/v2/users")).status_code == 200


async def test_429_passes_through_with_its_headers(
    api: httpx.AsyncClient, proxy: PrivacyProxy, world: World
) -> None:
    host = next(iter(world.users))
    report = f"/v2/report/users/{host}/meetings?from=2026-03-01&to=2026-03-10"
    world.faults.daily_limit_exhausted = True
    answer = await api.get(report)
    assert answer.status_code == 429, answer.text
    assert answer.headers["X-RateLimit-Type"] == "Daily-limit"
    assert answer.headers["X-RateLimit-Category"] == "Heavy"
    assert answer.headers["X-RateLimit-Remaining"] == "0"
    assert answer.headers["Retry-After"].endswith("Z")
    assert answer.json()["code"] == 429
    assert "daily rate limit" in answer.json()["message"]
    # The budget learnt it: the next Heavy call is answered here, Zoom is not asked again.
    before = proxy.client.stats.api_calls
    again = await api.get(report)
    assert (again.status_code, again.json()["error"]) == (429, "daily_limit")
    assert int(again.headers["Retry-After"]) > 0
    assert proxy.client.stats.api_calls == before
    # A per-second 429 (no headers from Zoom) passes through too.
    world.faults.rate_limit_storm = 1
    storm = await api.get("/v2/users")
    assert storm.status_code == 429
    assert "per-second" in storm.json()["message"]


async def test_zoom_error_bodies_are_sanitized(api: httpx.AsyncClient, proxy: PrivacyProxy) -> None:
    ghost = proxy.pseudonymizer.pseudonymize(
        "ghost.person@example.edu", PseudonymOptions(reversible=True)
    )
    answer = await api.get(f"/v2/users/{ghost}/meetings")
    assert answer.status_code == 404, answer.text
    body = answer.json()
    assert body["code"] == 1001
    assert "ghost" not in answer.text
    assert "user is not on this Zoom account" in body["message"]
    missing = await api.get("/v2/meetings/81234567890")
    assert missing.status_code == 404
    assert missing.json()["code"] == 3001
    assert "81234567890" not in missing.text


async def test_stale_or_altered_tokens_get_409(
    api: httpx.AsyncClient, proxy: PrivacyProxy, world: World
) -> None:
    host = next(iter(world.users))
    retired = make_pseudonymizer("zoombridge", PrivacyKeys.of(SALT, "a-key-retired-long-ago-0000"))
    stale = retired.pseudonymize(host, PseudonymOptions(reversible=True))
    fresh = proxy.pseudonymizer.pseudonymize(host, PseudonymOptions(reversible=True))
    altered = fresh[:-3] + ("A" if fresh[-3] != "A" else "B") + fresh[-2:]
    before = proxy.client.stats.api_calls
    for token in (stale, altered):
        answer = await api.get(f"/v2/users/{token}/meetings")
        assert answer.status_code == 409, answer.text
        assert answer.json()["error"] == "token_not_accepted"
        assert "fetch the listing" in answer.json()["message"]
    assert proxy.client.stats.api_calls == before
    assert (await api.get(f"/v2/users/{fresh}/meetings")).status_code == 200


async def test_hostile_requests_get_clear_errors(
    api: httpx.AsyncClient, proxy: PrivacyProxy
) -> None:
    before = proxy.client.stats.api_calls
    huge = await api.get("/v2/users", headers={"X-Filler": "a" * 20_000})
    assert (huge.status_code, huge.json()["error"]) == (431, "headers_too_large")
    long_url = await api.get("/v2/users?next_page_token=" + "a" * 10_000)
    assert (long_url.status_code, long_url.json()["error"]) == (414, "url_too_long")
    with_body = await api.request("GET", "/v2/users", content=b'{"a": 1}')
    assert (with_body.status_code, with_body.json()["error"]) == (400, "body_not_forwarded")
    giant_key = await api.get("/v2/users", headers={"X-Api-Key": "zbp_" + "k" * 5000})
    assert giant_key.status_code == 401
    assert proxy.client.stats.api_calls == before


async def test_logs_name_no_key_path_or_person(
    api: httpx.AsyncClient,
    proxy: PrivacyProxy,
    world: World,
    key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """zoombridge's log lines name the rule's path template: never the key, the token in the
    request's path, nor the id or e-mail address it stands for; and no library's lines (httpx
    logs upstream URLs) hold any of them either."""
    caplog.set_level(logging.DEBUG)
    host = next(iter(world.users))
    token = proxy.pseudonymizer.pseudonymize(host, PseudonymOptions(reversible=True))
    email = "ghost.person@example.edu"
    ghost = proxy.pseudonymizer.pseudonymize(email, PseudonymOptions(reversible=True))
    assert (await api.get(f"/v2/users/{token}/meetings")).status_code == 200
    assert (await api.get(f"/v2/users/{ghost}/meetings")).status_code == 404
    async with caller(proxy, key + "x") as wrong:
        assert (await wrong.get(f"/v2/users/{token}/meetings")).status_code == 401
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("zoombridge")]
    assert any("/v2/users/{userId}/meetings -> 200" in line for line in ours), ours
    text = "\n".join(ours)
    for secret in (key, token, ghost, host, email, "ghost.person"):
        assert secret not in text, secret
    for secret in (key, token, ghost, host, email, "ghost.person"):
        assert secret not in caplog.text, secret  # nor in any other library's lines
