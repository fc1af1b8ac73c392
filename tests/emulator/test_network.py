"""The emulator on a real loopback socket (uvicorn in a thread), used by the real ZoomClient.

Everything here crosses TCP: OAuth, the API, Zoom's download redirect and the CDN's Range
answers, and the faults that only mean something on a network (a cut-off body, a lost answer).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from zoombridge.clock import ManualClock
from zoombridge.emulator import DEFAULT_CREDENTIALS, build_world
from zoombridge.emulator.world import EmuFile, World
from zoombridge.errors import ReauthorizationNeeded, TransportError
from zoombridge.testing import serve_emulator
from zoombridge.zoom import ZoomClient, recordings, users
from zoombridge.zoom.models import RecordingFile
from zoombridge.zoom.oauth import AuthorizationCodeFlow, MemoryGrantStore, UserGrant, UserTokens

pytestmark = pytest.mark.anyio

REDIRECT = "https://app.example/oauth/callback"


@dataclass
class Served:
    """A running emulator: its world, its address, and what reached it over the socket."""

    world: World
    base: str
    seen: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, Range

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p, _ in self.seen if (m, p) == (method, path))


@contextlib.contextmanager
def serve(world: World) -> Iterator[Served]:
    """The emulator on a loopback socket, with a log of what reached it."""
    seen: list[tuple[str, str, str | None]] = []

    def logged(app: ASGIApp) -> ASGIApp:
        async def log_and_serve(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                ranged = dict(scope["headers"]).get(b"range")
                seen.append((scope["method"], scope["path"], ranged.decode() if ranged else None))
            await app(scope, receive, send)

        return log_and_serve

    with serve_emulator(world, wrap=logged) as base:
        yield Served(world, base, seen)


@pytest.fixture
def served(clock: ManualClock) -> Iterator[Served]:
    with serve(build_world("small", seed=1, clock=clock)) as running:
        yield running


@contextlib.asynccontextmanager
async def s2s_client(served: Served) -> AsyncIterator[ZoomClient]:
    c = DEFAULT_CREDENTIALS
    async with ZoomClient(
        account_id=c["account_id"],
        client_id=c["client_id"],
        client_secret=c["client_secret"],
        api_url=f"{served.base}/v2",
        oauth_url=served.base,
        plan=served.world.plan,
        clock=served.world.clock,
        timeout=5.0,
    ) as zoom:
        yield zoom


async def first_video(zoom: ZoomClient, served: Served) -> RecordingFile:
    owner = served.world.owner_id
    today = served.world.now().date()
    async for meeting in recordings.iter_user_recordings(
        zoom, owner, today - timedelta(days=95), today
    ):
        for file in meeting.recording_files:
            if file.file_type == "MP4" and file.completed:
                return file
    raise AssertionError("the owner has no recorded video")


def emulated(served: Served, file: RecordingFile) -> EmuFile:
    assert file.download_url
    assert file.download_url.startswith(f"{served.base}/rec/download/")
    _, found = served.world.files_by_token[file.download_url.rsplit("/", 1)[1]]
    return found


def sha256_of(file: EmuFile) -> str:
    body = file.body()
    if isinstance(body, bytes):
        return hashlib.sha256(body).hexdigest()
    digest: str = body.sha256()
    return digest


# listing and downloading -------------------------------------------------------------------------
async def test_users_and_a_recording_file_over_tcp(served: Served) -> None:
    world = served.world
    async with s2s_client(served) as zoom:
        listed = [u async for u in users.iter_all_users(zoom)]
        assert sorted(u.email for u in listed) == sorted(
            u.email for u in world.users.values() if not u.deleted
        )
        assert {u.status for u in listed} == {"active", "inactive", "pending"}
        assert served.count("POST", "/oauth/token") == 1
        assert served.count("GET", "/v2/users") == 3  # one walk per status

        video = await first_video(zoom, served)
        source = emulated(served, video)
        digest = hashlib.sha256()
        async with zoom.download(video.download_url or "", expected_extension="MP4") as stream:
            assert stream.response.status_code == 200
            assert stream.content_type.startswith("video/mp4")
            async for chunk in stream.iter_bytes():
                digest.update(chunk)
        assert stream.received == video.file_size == source.size
        assert digest.hexdigest() == sha256_of(source)
    token = source.token
    paths = [p for _, p, _ in served.seen]
    assert paths.index(f"/rec/download/{token}") < paths.index(f"/rec/cdn/{token}")


async def test_a_truncated_download_is_resumed_with_range(served: Served) -> None:
    async with s2s_client(served) as zoom:
        video = await first_video(zoom, served)
        source = emulated(served, video)
        url = video.download_url or ""
        served.world.faults.truncate_downloads = 1
        received = bytearray()
        broken: list[tuple[int, str]] = []  # (bytes held, error) per broken attempt
        attempts = 0
        while True:  # what a downloader does: resume from what it has
            attempts += 1
            assert attempts <= 3, "the download never completed"
            try:
                async with zoom.download(
                    url, offset=len(received), expected_extension="MP4"
                ) as stream:
                    if received:
                        assert stream.response.status_code == 206
                        assert stream.resumed
                        assert stream.start == len(received)
                        assert stream.total_size == source.size
                    async for chunk in stream.iter_bytes():
                        received.extend(chunk)
                break
            except TransportError as exc:
                broken.append((len(received), str(exc)))
    assert attempts == 2
    assert len(broken) == 1
    held, message = broken[0]
    assert "can be resumed" in message
    assert 0 < held < source.size
    assert served.world.faults.truncate_downloads == 0
    assert len(received) == source.size
    assert hashlib.sha256(received).hexdigest() == sha256_of(source)
    cdn = [r for _, p, r in served.seen if p == f"/rec/cdn/{source.token}"]
    assert cdn[0] is None
    assert cdn[1] is not None
    assert cdn[1].startswith("bytes=")
    assert int(cdn[1][6:].rstrip("-")) == source.size // 2


# a user's OAuth grant ----------------------------------------------------------------------------
async def login(served: Served, http: httpx.AsyncClient) -> tuple[AuthorizationCodeFlow, UserGrant]:
    c = DEFAULT_CREDENTIALS
    flow = AuthorizationCodeFlow(
        http,
        client_id=c["user_client_id"],
        client_secret=c["user_client_secret"],
        oauth_url=served.base,
        clock=served.world.clock,
    )
    request = flow.authorization_request(REDIRECT)
    answer = await http.get(request.url)
    assert answer.status_code == 302
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    grant = await flow.exchange(request, code=back["code"][0], state=back["state"][0])
    return flow, grant


@contextlib.asynccontextmanager
async def signed_in(
    served: Served,
) -> AsyncIterator[tuple[ZoomClient, UserGrant, MemoryGrantStore]]:
    """A client on a user's grant, authorized over TCP: (client, first grant, grant store)."""
    clock = served.world.clock
    async with httpx.AsyncClient(timeout=5.0) as http:
        flow, grant = await login(served, http)
        store = MemoryGrantStore(grant)
        async with ZoomClient(
            tokens=UserTokens(flow, store, clock),
            api_url=f"{served.base}/v2",
            plan=served.world.plan,
            clock=clock,
            timeout=5.0,
        ) as zoom:
            yield zoom, grant, store


async def test_a_user_grant_refreshes_and_rotates_over_tcp(
    served: Served, clock: ManualClock
) -> None:
    async with signed_in(served) as (zoom, grant, store):
        assert (await users.get_user(zoom, "me")).id == served.world.owner_id
        clock.advance(3700)  # the access token has expired
        assert (await users.get_user(zoom, "me")).id == served.world.owner_id
    rotated = await store.load()
    assert rotated is not None
    assert rotated.refresh_token != grant.refresh_token
    assert rotated.needs_reauthorization is None


async def test_a_lost_refresh_answer_means_reauthorization_not_a_blind_retry(
    served: Served, clock: ManualClock
) -> None:
    async with signed_in(served) as (zoom, grant, store):
        assert (await users.get_user(zoom, "me")).id == served.world.owner_id
        clock.advance(3700)
        served.world.faults.drop_responses = 1  # Zoom rotates, the answer never arrives
        before = served.count("POST", "/oauth/token")
        with pytest.raises(ReauthorizationNeeded, match="lost"):
            await users.get_user(zoom, "me")
        assert served.count("POST", "/oauth/token") == before + 1  # no second guess
        assert served.world.tokens.refresh[grant.refresh_token].revoked  # Zoom did rotate
        saved = await store.load()
        assert saved is not None
        assert saved.needs_reauthorization
        with pytest.raises(ReauthorizationNeeded):
            await users.get_user(zoom, "me")
        assert served.count("POST", "/oauth/token") == before + 1
