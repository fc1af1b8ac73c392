"""Token flows against the emulator: S2S caching and refresh, 401 self-heal, PKCE, rotation."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from zoombridge.clock import ManualClock
from zoombridge.emulator import DEFAULT_CREDENTIALS, EmulatorTransport, World
from zoombridge.errors import (
    AuthenticationError,
    InvalidInput,
    MissingScopes,
    ReauthorizationNeeded,
)
from zoombridge.testing import make_zoom_client
from zoombridge.zoom import ZoomClient, users
from zoombridge.zoom.auth import ServerToServerTokens
from zoombridge.zoom.oauth import (
    AuthorizationCodeFlow,
    AuthorizationRequest,
    FileGrantStore,
    MemoryGrantStore,
    UserGrant,
    UserTokens,
    pkce_challenge,
)

pytestmark = pytest.mark.anyio
REDIRECT = "https://app.example/oauth/callback"


def _refreshes(zoom: ZoomClient) -> int:
    """How many Server-to-Server tokens the client has fetched so far."""
    assert isinstance(zoom.tokens, ServerToServerTokens)
    return zoom.tokens.refreshes


async def test_s2s_token_is_cached_and_refreshed_before_expiry(
    zoom_world: World, zoom_transport: EmulatorTransport, zoom_clock: ManualClock
) -> None:
    async with make_zoom_client(zoom_world, zoom_transport) as zoom:
        await users.get_user(zoom, "me")
        await users.get_user(zoom, "me")
        assert _refreshes(zoom) == 1
        zoom_clock.advance(3600 - 60)  # inside the refresh margin, before expiry
        await users.get_user(zoom, "me")
        assert _refreshes(zoom) == 2


async def test_concurrent_calls_share_one_refresh(
    zoom_world: World, zoom_transport: EmulatorTransport
) -> None:
    async with make_zoom_client(zoom_world, zoom_transport) as zoom:
        await asyncio.gather(*(users.get_user(zoom, "me") for _ in range(20)))
        assert _refreshes(zoom) == 1


async def test_token_rejected_mid_run_is_refreshed_once_and_the_call_succeeds(
    zoom_world: World, zoom_transport: EmulatorTransport
) -> None:
    async with make_zoom_client(zoom_world, zoom_transport) as zoom:
        await users.get_user(zoom, "me")
        zoom_world.tokens.expire_all_access()  # Zoom-side expiry the client could not foresee
        user = await users.get_user(zoom, "me")
        assert user.id == zoom_world.owner_id
        assert _refreshes(zoom) == 2


async def test_a_token_refused_twice_is_an_authentication_error(
    zoom_world: World, zoom_transport: EmulatorTransport
) -> None:
    async with make_zoom_client(zoom_world, zoom_transport) as zoom:
        await users.get_user(zoom, "me")
        zoom_world.token_ttl = 0  # every new token is born expired
        zoom_world.tokens.expire_all_access()
        with pytest.raises(AuthenticationError, match="124"):
            await users.get_user(zoom, "me")


async def test_wrong_secret_says_what_to_check(
    zoom_world: World, zoom_transport: EmulatorTransport
) -> None:
    async with make_zoom_client(zoom_world, zoom_transport, client_secret="nope") as zoom:
        with pytest.raises(AuthenticationError, match="client id and client secret") as caught:
            await users.get_user(zoom, "me")
        assert "nope" not in str(caught.value)


async def test_unknown_account_is_reported(
    zoom_world: World, zoom_transport: EmulatorTransport
) -> None:
    async with make_zoom_client(zoom_world, zoom_transport, account_id="someone-else") as zoom:
        with pytest.raises(AuthenticationError, match="Account does not exist"):
            await users.get_user(zoom, "me")


async def test_regional_api_url_from_the_token_is_used(zoom_world: World, zoom_app: object) -> None:
    zoom_world.api_url = "https://api-eu.zoom.us"
    seen: list[str] = []

    class Spy(EmulatorTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request.url.host)
            return await super().handle_async_request(request)

    async with make_zoom_client(zoom_world, Spy(zoom_app)) as zoom:  # type: ignore[arg-type]
        await users.get_user(zoom, "me")
    assert seen == ["zoom.us", "api-eu.zoom.us"]


async def test_missing_scope_is_named(zoom_world: World, zoom_transport: EmulatorTransport) -> None:
    app = zoom_world.apps[DEFAULT_CREDENTIALS["client_id"]]
    app.scopes -= {
        "cloud_recording:read:list_user_recordings:admin",
        "recording:read:admin",
        "recording:read",
        "cloud_recording:read:list_user_recordings",
    }
    async with make_zoom_client(zoom_world, zoom_transport) as zoom:
        from zoombridge.zoom import recordings

        with pytest.raises(MissingScopes) as caught:
            async for _ in recordings.list_user_recordings(
                zoom, "me", zoom_world.now().date(), zoom_world.now().date()
            ):
                pass
    assert caught.value.scopes == ["cloud_recording:read:list_user_recordings:admin"]
    assert "add these scopes" in str(caught.value)


# --- authorization code with PKCE and rotating refresh tokens -----------------------------


def _flow(
    zoom_transport: EmulatorTransport, clock: ManualClock
) -> tuple[AuthorizationCodeFlow, httpx.AsyncClient]:
    http = httpx.AsyncClient(transport=zoom_transport)
    flow = AuthorizationCodeFlow(
        http,
        client_id=DEFAULT_CREDENTIALS["user_client_id"],
        client_secret=DEFAULT_CREDENTIALS["user_client_secret"],
        clock=clock,
    )
    return flow, http


async def _authorize(
    flow: AuthorizationCodeFlow, http: httpx.AsyncClient
) -> tuple[AuthorizationRequest, str, str]:
    """Send the owner through Zoom's authorize page: (the request, code, state) it returns."""
    request = flow.authorization_request(REDIRECT)
    query = parse_qs(urlsplit(request.url).query)
    assert query["code_challenge"] == [pkce_challenge(request.code_verifier)]
    assert query["code_challenge_method"] == ["S256"]
    answer = await http.get(request.url)
    assert answer.status_code == 302
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    return request, back["code"][0], back["state"][0]


async def _login(flow: AuthorizationCodeFlow, http: httpx.AsyncClient) -> UserGrant:
    """Authorize and exchange the code (PKCE, state) for a grant."""
    request, code, state = await _authorize(flow, http)
    return await flow.exchange(request, code=code, state=state)


async def test_pkce_login_then_rotation_keeps_only_the_newest_refresh_token(
    zoom_transport: EmulatorTransport, zoom_clock: ManualClock
) -> None:
    flow, http = _flow(zoom_transport, zoom_clock)
    grant = await _login(flow, http)
    store = MemoryGrantStore(grant)
    rotated = await flow.refresh(store)
    assert rotated.refresh_token != grant.refresh_token
    assert (await store.load()) == rotated
    stale = MemoryGrantStore(grant)  # someone kept the old refresh token
    with pytest.raises(ReauthorizationNeeded):
        await flow.refresh(stale)
    assert (await stale.load()).needs_reauthorization  # type: ignore[union-attr]
    await http.aclose()


class StaleRead(MemoryGrantStore):
    """Worker B's view of a shared store: its first read happened before worker A rotated."""

    def __init__(self, shared: MemoryGrantStore, seen: UserGrant) -> None:
        super().__init__()
        self.shared, self.seen = shared, seen

    async def load(self) -> UserGrant | None:
        seen, self.seen = self.seen, None  # type: ignore[assignment]
        return seen or await self.shared.load()

    async def replace(self, old_refresh_token: str | None, new: UserGrant) -> None:
        await self.shared.replace(old_refresh_token, new)

    async def mark_reauthorization_needed(self, reason: str) -> None:
        await self.shared.mark_reauthorization_needed(reason)


async def test_a_worker_that_lost_the_rotation_race_uses_the_winner_s_grant(
    zoom_transport: EmulatorTransport, zoom_clock: ManualClock
) -> None:
    flow, http = _flow(zoom_transport, zoom_clock)
    original = await _login(flow, http)
    shared = MemoryGrantStore(original)
    winner = await flow.refresh(shared)  # worker A rotates and saves
    loser = await flow.refresh(StaleRead(shared, original))  # B refreshes the old token
    assert loser == winner
    saved = await shared.load()
    assert saved == winner
    assert saved.needs_reauthorization is None  # B did not break the grant for everyone
    await http.aclose()


async def test_state_mismatch_is_refused_before_any_call(
    zoom_transport: EmulatorTransport, zoom_clock: ManualClock
) -> None:
    flow, http = _flow(zoom_transport, zoom_clock)
    request = flow.authorization_request(REDIRECT)
    with pytest.raises(InvalidInput, match="state"):
        await flow.exchange(request, code="whatever", state="forged")
    await http.aclose()


async def test_code_without_the_right_verifier_is_refused(
    zoom_transport: EmulatorTransport, zoom_clock: ManualClock
) -> None:
    flow, http = _flow(zoom_transport, zoom_clock)
    request, code, state = await _authorize(flow, http)
    other = flow.authorization_request(REDIRECT)  # a different verifier
    forged = AuthorizationRequest(request.url, request.state, other.code_verifier, REDIRECT)
    with pytest.raises(ReauthorizationNeeded):
        await flow.exchange(forged, code=code, state=state)
    await http.aclose()


async def test_a_code_works_once(
    zoom_transport: EmulatorTransport, zoom_clock: ManualClock
) -> None:
    flow, http = _flow(zoom_transport, zoom_clock)
    request, code, state = await _authorize(flow, http)
    await flow.exchange(request, code=code, state=state)
    with pytest.raises(ReauthorizationNeeded):
        await flow.exchange(request, code=code, state=state)
    await http.aclose()


async def test_a_lost_refresh_answer_means_reauthorization_not_a_blind_retry(
    zoom_world: World, zoom_transport: EmulatorTransport, zoom_clock: ManualClock, tmp_path: Path
) -> None:
    flow, http = _flow(zoom_transport, zoom_clock)
    store = FileGrantStore(tmp_path / "grant.json")
    await store.replace(None, await _login(flow, http))
    zoom_world.faults.drop_responses = 1  # Zoom rotates; the answer never arrives
    with pytest.raises(ReauthorizationNeeded, match="lost"):
        await flow.refresh(store)
    saved = json.loads((tmp_path / "grant.json").read_text())
    assert "lost" in saved["needs_reauthorization"]
    assert (tmp_path / "grant.json").stat().st_mode & 0o777 == 0o600
    with pytest.raises(ReauthorizationNeeded):  # and it stays that way, no guessing
        await flow.refresh(store)
    await http.aclose()


async def test_user_tokens_refresh_when_expired_and_the_client_uses_them(
    zoom_world: World, zoom_transport: EmulatorTransport, zoom_clock: ManualClock
) -> None:
    flow, http = _flow(zoom_transport, zoom_clock)
    store = MemoryGrantStore(await _login(flow, http))
    first = await store.load()
    async with make_zoom_client(
        zoom_world, zoom_transport, tokens=UserTokens(flow, store, zoom_clock)
    ) as zoom:
        assert (await users.get_user(zoom, "me")).id == zoom_world.owner_id
        zoom_clock.advance(3700)
        await users.get_user(zoom, "me")
    assert (await store.load()).refresh_token != first.refresh_token  # type: ignore[union-attr]
    await http.aclose()


class CountingStore(MemoryGrantStore):
    def __init__(self, grant: UserGrant) -> None:
        super().__init__(grant)
        self.loads = 0

    async def load(self) -> UserGrant | None:
        self.loads += 1
        return await super().load()


async def test_user_tokens_read_the_store_only_when_the_token_is_due_or_refused(
    zoom_world: World, zoom_transport: EmulatorTransport, zoom_clock: ManualClock
) -> None:
    flow, http = _flow(zoom_transport, zoom_clock)
    store = CountingStore(await _login(flow, http))
    tokens = UserTokens(flow, store, zoom_clock)
    first = await tokens.token()
    assert await tokens.token() == first
    assert store.loads == 1  # not one read per API call
    await tokens.invalidate(first)
    refreshed = await tokens.token()  # Zoom refused it: the grant is read and rotated
    assert refreshed.value != first.value
    assert store.loads > 1
    await http.aclose()


async def test_revoke_makes_the_token_useless(
    zoom_world: World, zoom_transport: EmulatorTransport, zoom_clock: ManualClock
) -> None:
    flow, http = _flow(zoom_transport, zoom_clock)
    grant = await _login(flow, http)
    await flow.revoke(grant.access_token)
    check = await http.get(
        "https://api.zoom.us/v2/users/me", headers={"Authorization": f"Bearer {grant.access_token}"}
    )
    assert check.status_code == 401
    assert check.json()["code"] == 124
    await http.aclose()
