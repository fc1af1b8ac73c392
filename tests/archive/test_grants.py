"""A "Connect with Zoom" grant kept in the catalog: sealed, rotated by compare-and-swap so
that workers refreshing at once never lose the live refresh token, marked for
re-authorization only when it really is dead, and used by a sync."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from archive_helpers import MakeBridge, sync_status
from pydantic import SecretStr

from zoombridge.app import ZoomBridge
from zoombridge.archive.connections import GRANT, swap_credentials, update_connection
from zoombridge.archive.grants import (
    REAUTHORIZATION_NEEDED,
    DatabaseGrantStore,
    add_oauth_connection,
    load_grant,
)
from zoombridge.archive.service import sync_once
from zoombridge.clock import ManualClock
from zoombridge.emulator import DEFAULT_CREDENTIALS, create_app
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.emulator.world import World
from zoombridge.errors import ReauthorizationNeeded
from zoombridge.settings import ZoomSettings
from zoombridge.zoom.oauth import AuthorizationCodeFlow, MemoryGrantStore, StaleGrant, UserGrant

pytestmark = pytest.mark.anyio

NAME = "faculty"
REDIRECT = "https://app.example/oauth/callback"  # registered on the emulator's General app
APP = ZoomSettings(
    client_id=DEFAULT_CREDENTIALS["user_client_id"],
    client_secret=SecretStr(DEFAULT_CREDENTIALS["user_client_secret"]),
)


async def authorize(bridge: ZoomBridge, zoom: ZoomSettings) -> UserGrant:
    """The account owner approves the app on Zoom's authorize page; the code is exchanged."""
    async with bridge.user_client(zoom, MemoryGrantStore()) as client:
        flow = bridge.authorization_flow(zoom, client.http)
        asked = flow.authorization_request(REDIRECT)
        back = parse_qs(urlsplit((await client.http.get(asked.url)).headers["location"]).query)
        return await flow.exchange(asked, code=back["code"][0], state=back["state"][0])


async def connected(bridge: ZoomBridge, world: World) -> UserGrant:
    """The connection NAME, made with the owner's grant."""
    zoom = APP.model_copy(update={"account_id": world.account_id})
    grant = await authorize(bridge, zoom)
    catalog = bridge.catalog()
    try:
        add_oauth_connection(catalog, bridge.keyring(), NAME, zoom, grant, bridge.clock.now())
    finally:
        catalog.dispose()
    return grant


def grant_of(bridge: ZoomBridge) -> UserGrant | None:
    catalog = bridge.catalog()
    try:
        return load_grant(catalog, bridge.keyring(), NAME)
    finally:
        catalog.dispose()


@pytest.fixture
async def stack() -> AsyncIterator[AsyncExitStack]:
    """Closes what a test opened: the workers' catalogs and HTTP clients."""
    async with AsyncExitStack() as opened:
        yield opened


def worker_store(bridge: ZoomBridge, stack: AsyncExitStack) -> DatabaseGrantStore:
    """One worker's view of the grant: a catalog of its own, as another process has."""
    catalog = bridge.catalog()
    stack.callback(catalog.dispose)
    return DatabaseGrantStore(catalog, bridge.keyring(), NAME, bridge.clock)


class HeldRefreshes(httpx.AsyncBaseTransport):
    """Zoom's token endpoint, reached by `parties` refreshes at once: each waits for the
    others before it is sent, so they all carry the same refresh token."""

    def __init__(self, inner: httpx.AsyncBaseTransport, parties: int) -> None:
        self._inner = inner
        self._barrier = asyncio.Barrier(parties)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token" and b"grant_type=refresh_token" in request.content:
            await self._barrier.wait()
        return await self._inner.handle_async_request(request)


def flow_over(
    transport: httpx.AsyncBaseTransport, clock: ManualClock, stack: AsyncExitStack
) -> AuthorizationCodeFlow:
    http = httpx.AsyncClient(transport=transport)
    stack.push_async_callback(http.aclose)
    return AuthorizationCodeFlow(
        http,
        client_id=APP.client_id,
        client_secret=APP.client_secret.get_secret_value(),
        clock=clock,
    )


async def test_the_grant_is_sealed_and_a_refresh_is_saved_for_the_next_process(
    make_bridge: MakeBridge, world: World, clock: ManualClock, tmp_path: Path, stack: AsyncExitStack
) -> None:
    bridge = make_bridge()
    first = await connected(bridge, world)
    files = (tmp_path / "home").glob("zoombridge.sqlite*")
    stored = b"".join(path.read_bytes() for path in files)
    assert first.refresh_token.encode() not in stored
    assert first.access_token.encode() not in stored
    flow = flow_over(EmulatorTransport(create_app(world)), clock, stack)
    rotated = await flow.refresh(worker_store(bridge, stack))
    assert rotated.refresh_token != first.refresh_token
    assert grant_of(bridge) == rotated  # what another process reads next
    with pytest.raises(ReauthorizationNeeded):  # Zoom rotated: the old token is dead
        await flow.refresh(MemoryGrantStore(first))


async def test_of_many_workers_saving_a_rotation_from_the_same_grant_exactly_one_wins(
    make_bridge: MakeBridge, world: World, stack: AsyncExitStack
) -> None:
    bridge = make_bridge()
    first = await connected(bridge, world)
    news = [
        UserGrant(f"access-{n}", f"refresh-{n}", first.expires_at, first.scopes) for n in range(8)
    ]
    stores = [worker_store(bridge, stack) for _ in news]
    outcomes = await asyncio.gather(
        *(store.replace(first.refresh_token, new) for store, new in zip(stores, news, strict=True)),
        return_exceptions=True,
    )
    won = [new for new, outcome in zip(news, outcomes, strict=True) if outcome is None]
    assert len(won) == 1
    assert all(isinstance(o, StaleGrant) for o in outcomes if o is not None), outcomes
    assert grant_of(bridge) == won[0]


async def test_two_workers_refreshing_at_once_leave_the_live_grant_stored(
    make_bridge: MakeBridge, world: World, clock: ManualClock, stack: AsyncExitStack
) -> None:
    bridge = make_bridge()
    first = await connected(bridge, world)
    held = HeldRefreshes(EmulatorTransport(create_app(world)), parties=2)
    workers = [(flow_over(held, clock, stack), worker_store(bridge, stack)) for _ in range(2)]
    outcomes = await asyncio.gather(
        *(flow.refresh(store) for flow, store in workers), return_exceptions=True
    )
    stored = grant_of(bridge)
    assert stored is not None
    assert stored.needs_reauthorization is None
    assert stored.refresh_token != first.refresh_token
    for outcome in outcomes:  # the winner's grant, or a refusal for that one attempt
        assert outcome == stored or isinstance(outcome, ReauthorizationNeeded), outcome
    live = await flow_over(EmulatorTransport(create_app(world)), clock, stack).refresh(
        worker_store(bridge, stack)
    )
    assert live.refresh_token != stored.refresh_token  # Zoom took the stored token
    assert sync_status(bridge, NAME).authorization == "authorized"


async def test_a_rotation_survives_a_settings_change_written_in_between(
    make_bridge: MakeBridge, world: World, stack: AsyncExitStack
) -> None:
    bridge = make_bridge()
    first = await connected(bridge, world)
    store = worker_store(bridge, stack)
    assert await store.load() == first  # the worker read the grant, then refreshes it...
    catalog = bridge.catalog()
    try:  # ...while an admin changes the plan and the users (the sealed blob is rewritten)
        update_connection(
            catalog,
            bridge.keyring(),
            bridge.settings,
            NAME,
            {"plan": "business"},
            {"users": ["a@example.edu"]},
            bridge.clock.now(),
        )
    finally:
        catalog.dispose()
    rotated = UserGrant("access-2", "refresh-2", first.expires_at, first.scopes)
    await store.replace(first.refresh_token, rotated)
    assert grant_of(bridge) == rotated
    catalog = bridge.catalog()
    stack.callback(catalog.dispose)
    config = bridge.connection(catalog, NAME)
    assert (config.auth, config.zoom.plan, config.archive.users) == (
        "oauth",
        "business",
        ["a@example.edu"],
    )


async def test_a_worker_late_to_the_race_does_not_mark_the_winner_s_grant(
    make_bridge: MakeBridge, world: World, stack: AsyncExitStack
) -> None:
    bridge = make_bridge()
    first = await connected(bridge, world)
    late, winner = worker_store(bridge, stack), worker_store(bridge, stack)
    await late.load()
    rotated = UserGrant("access-2", "refresh-2", first.expires_at, first.scopes)
    await winner.replace(first.refresh_token, rotated)
    await late.mark_reauthorization_needed("Zoom refused the refresh token it had")
    assert grant_of(bridge) == rotated  # not marked
    assert sync_status(bridge, NAME).authorization == "authorized"


async def test_the_grant_and_its_status_change_together_or_not_at_all(
    make_bridge: MakeBridge, world: World
) -> None:
    """The status line is written in the grant's own transaction: when it cannot be
    written, the grant is not changed either, so the two never disagree."""
    bridge = make_bridge()
    first = await connected(bridge, world)

    def mark(sealed: dict[str, Any]) -> dict[str, Any]:
        return sealed | {GRANT: sealed[GRANT] | {"needs_reauthorization": "refused"}}

    def status_fails(connection: Any, row_id: int) -> None:
        raise RuntimeError("the status line could not be written")

    catalog = bridge.catalog()
    try:
        with pytest.raises(RuntimeError, match="status line"):
            swap_credentials(catalog, bridge.keyring(), NAME, mark, then=status_fails)
    finally:
        catalog.dispose()
    assert grant_of(bridge) == first  # not marked
    assert sync_status(bridge, NAME).authorization == "authorized"


async def test_a_lost_refresh_answer_shows_in_the_status_and_stops_the_sync(
    make_bridge: MakeBridge, world: World, clock: ManualClock
) -> None:
    bridge = make_bridge()
    await connected(bridge, world)
    world.faults.drop_responses = 1  # Zoom rotates; its answer never arrives
    clock.advance(3700)  # the access token has expired: the sync must refresh first
    async with bridge.archive(connection=NAME) as runtime:
        summary = await sync_once(runtime)
    assert summary.error is not None
    assert "lost" in summary.error
    status = sync_status(bridge, NAME)
    assert status.authorization == REAUTHORIZATION_NEEDED
    assert "lost" in (status.authorization_detail or "")
    marked = grant_of(bridge)
    assert marked is not None
    assert marked.needs_reauthorization


async def test_a_sync_through_the_grant_archives_the_account_and_keeps_the_rotation(
    make_bridge: MakeBridge, world: World, clock: ManualClock
) -> None:
    bridge = make_bridge()
    first = await connected(bridge, world)
    clock.advance(3700)  # expired: the sync refreshes, and the rotated grant must be saved
    async with bridge.archive(connection=NAME) as runtime:
        summary = await sync_once(runtime)
    assert summary.error is None
    assert summary.failed == 0
    assert summary.verified == summary.files > 0
    stored = grant_of(bridge)
    assert stored is not None
    assert stored.refresh_token != first.refresh_token
    assert sync_status(bridge, NAME).authorization == "authorized"
