"""The emulator's OAuth endpoints, its `/_emulator` admin controls and its webhook sender."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from zoombridge.clock import ManualClock, SystemClock
from zoombridge.emulator.app import create_app
from zoombridge.emulator.events import recording_event
from zoombridge.emulator.scenarios import build_world, record_instance
from zoombridge.emulator.sender import ZOOM_RETRY_DELAYS, WebhookSender
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.emulator.world import App, EmuUser, World
from zoombridge.errors import WebhookRejected
from zoombridge.zoom.webhooks import parse_event, verify

pytestmark = pytest.mark.anyio

S2S = ("emulator-client", "emulator-secret")
USER_APP = ("emulator-user-app", "emulator-user-secret")
REDIRECT = "https://app.example/oauth/callback"
OTHER_REDIRECT = "http://127.0.0.1:8000/oauth/callback"  # registered too
S2S_GRANT = {"grant_type": "account_credentials", "account_id": "emulator-account"}
# RFC 7636 appendix B: a verifier and its S256 challenge, computed independently of the emulator
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
HOOK_URL = "https://hooks.example.edu/zoom"
SECRET = "webhook-secret-token"
TOKEN_KEYS = {"access_token", "token_type", "expires_in", "scope", "api_url"}
INVALID_CLIENT = {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
UNSUPPORTED = {"reason": "unsupported grant type", "error": "unsupported_grant_type"}
BAD_CODE = {"reason": "Invalid authorization code", "error": "invalid_grant"}
BAD_VERIFIER = {"reason": "Invalid code_verifier", "error": "invalid_grant"}
BAD_REFRESH = {"reason": "Invalid Token!", "error": "invalid_grant"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def world(clock: ManualClock) -> World:
    return build_world("demo", seed=1, clock=clock)


@pytest.fixture
async def http(world: World) -> AsyncIterator[httpx.AsyncClient]:
    """No credentials: OAuth calls pass their own, admin calls need none."""
    transport = EmulatorTransport(create_app(world))
    async with httpx.AsyncClient(transport=transport, base_url="https://api.zoom.us") as client:
        yield client


@pytest.fixture
async def api(http: httpx.AsyncClient) -> httpx.AsyncClient:
    """The same app with a Server-to-Server token as the default Authorization."""
    http.headers["Authorization"] = f"Bearer {await s2s_token(http)}"
    return http


def error(response: httpx.Response) -> tuple[int, int]:
    return response.status_code, response.json()["code"]


async def s2s_token(http: httpx.AsyncClient) -> str:
    answer = await http.post("https://zoom.us/oauth/token", auth=S2S, data=S2S_GRANT)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


async def get_me(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.get("/v2/users/me", headers={"Authorization": f"Bearer {token}"})


async def authorize(
    http: httpx.AsyncClient,
    *,
    challenge: str | None = RFC_CHALLENGE,
    method: str | None = "S256",
    state: str | None = "state-1",
    redirect_uri: str = REDIRECT,
    client_id: str = USER_APP[0],
    **extra: str,
) -> httpx.Response:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri}
    if challenge is not None:
        params["code_challenge"] = challenge
    if method is not None:
        params["code_challenge_method"] = method
    if state is not None:
        params["state"] = state
    params.update(extra)
    return await http.get("https://zoom.us/oauth/authorize", params=params)


def redirected(answer: httpx.Response) -> tuple[str, dict[str, str]]:
    """Where the authorize page sent the browser: (URL without query, query parameters)."""
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    base, _, query = location.partition("?")
    return base, dict(parse_qsl(query))


async def new_code(http: httpx.AsyncClient, **kw: Any) -> str:
    _, query = redirected(await authorize(http, **kw))
    return query["code"]


async def exchange(
    http: httpx.AsyncClient,
    code: str,
    *,
    verifier: str | None = RFC_VERIFIER,
    redirect_uri: str | None = REDIRECT,
    auth: tuple[str, str] = USER_APP,
) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code}
    if redirect_uri is not None:
        form["redirect_uri"] = redirect_uri
    if verifier is not None:
        form["code_verifier"] = verifier
    return await http.post("https://zoom.us/oauth/token", auth=auth, data=form)


async def user_grant(http: httpx.AsyncClient, **kw: Any) -> dict[str, Any]:
    answer = await exchange(http, await new_code(http, **kw))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def refresh(
    http: httpx.AsyncClient, refresh_token: str, auth: tuple[str, str] = USER_APP
) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return await http.post("https://zoom.us/oauth/token", auth=auth, data=form)


def add_user_app(world: World, client_id: str = "second-app") -> tuple[str, str]:
    secret = f"{client_id}-secret"
    scopes = set(world.apps[USER_APP[0]].scopes)
    world.apps[client_id] = App(client_id, secret, "user", scopes, redirect_uris=(REDIRECT,))
    return client_id, secret


def user_where(world: World, test: Callable[[EmuUser], bool]) -> EmuUser:
    return next(u for u in world.users.values() if test(u))


# /oauth/token: Server-to-Server ----------------------------------------------------------------
async def test_account_credentials_token_has_zoom_fields(
    http: httpx.AsyncClient, world: World
) -> None:
    answer = await http.post("https://zoom.us/oauth/token", auth=S2S, data=S2S_GRANT)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == TOKEN_KEYS  # S2S grants carry no refresh token
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["api_url"] == "https://api.zoom.us"
    scopes = body["scope"].split(" ")
    assert set(scopes) == world.apps[S2S[0]].scopes
    assert "recording:read:admin" in scopes
    me = await get_me(http, body["access_token"])
    assert me.status_code == 200
    assert me.json()["id"] == world.owner_id


async def test_account_credentials_in_query_string_or_form_body(http: httpx.AsyncClient) -> None:
    in_query = await http.post("https://zoom.us/oauth/token", auth=S2S, params=S2S_GRANT)
    in_form = await http.post("https://zoom.us/oauth/token", auth=S2S, data=S2S_GRANT)
    assert in_query.status_code == in_form.status_code == 200
    assert in_query.json()["access_token"] != in_form.json()["access_token"]


async def test_token_lifetime_follows_world_setting(
    http: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    world.token_ttl = 120
    answer = await http.post("https://zoom.us/oauth/token", auth=S2S, data=S2S_GRANT)
    assert answer.json()["expires_in"] == 120
    token = answer.json()["access_token"]
    clock.advance(119)
    assert (await get_me(http, token)).status_code == 200
    clock.advance(1)
    expired = await get_me(http, token)
    assert error(expired) == (401, 124)
    assert expired.json()["message"] == "Access token has expired."


@pytest.mark.parametrize(
    ("auth", "form", "expected"),
    [
        pytest.param(("emulator-client", "wrong"), S2S_GRANT, INVALID_CLIENT, id="wrong-secret"),
        pytest.param(("nobody", "emulator-secret"), S2S_GRANT, INVALID_CLIENT, id="unknown-client"),
        pytest.param(
            ("emulator-client", "emulator-user-secret"),
            S2S_GRANT,
            INVALID_CLIENT,
            id="other-secret",
        ),
        pytest.param(None, S2S_GRANT, INVALID_CLIENT, id="no-basic-auth"),
        pytest.param(
            S2S,
            {"grant_type": "account_credentials", "account_id": "other-account"},
            {"reason": "Account does not exist", "error": "invalid_request"},
            id="unknown-account",
        ),
        pytest.param(
            S2S,
            {"grant_type": "account_credentials", "account_id": "emulator account!"},
            {"reason": "Bad Request", "error": "invalid_request"},
            id="garbled-account",
        ),
        pytest.param(
            S2S,
            {"grant_type": "account_credentials"},
            {"reason": "Bad Request", "error": "invalid_request"},
            id="missing-account",
        ),
        pytest.param(
            S2S,
            {"account_id": "emulator-account"},
            {"reason": "Missing grant type", "error": "invalid_request"},
            id="missing-grant",
        ),
        pytest.param(
            S2S,
            {"grant_type": "", "account_id": "emulator-account"},
            {"reason": "Missing grant type", "error": "invalid_request"},
            id="empty-grant",
        ),
        pytest.param(S2S, {**S2S_GRANT, "grant_type": "password"}, UNSUPPORTED, id="password"),
        pytest.param(
            S2S, {**S2S_GRANT, "grant_type": "client_credentials"}, UNSUPPORTED, id="rfc-name"
        ),
        pytest.param(
            S2S,
            {"grant_type": "authorization_code", "code": "x", "redirect_uri": REDIRECT},
            UNSUPPORTED,
            id="s2s-app-code-grant",
        ),
        pytest.param(
            S2S,
            {"grant_type": "refresh_token", "refresh_token": "x"},
            UNSUPPORTED,
            id="s2s-refresh",
        ),
        pytest.param(USER_APP, S2S_GRANT, UNSUPPORTED, id="user-app-account-credentials"),
    ],
)
async def test_token_errors_use_zoom_reason_error_shape(
    http: httpx.AsyncClient,
    world: World,
    auth: tuple[str, str] | None,
    form: dict[str, str],
    expected: dict[str, str],
) -> None:
    answer = await http.post("https://zoom.us/oauth/token", auth=auth, data=form)
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json() == expected
    assert world.tokens.access == {}  # nothing was issued


@pytest.mark.parametrize(
    "header",
    ["Basic !!!not-base64!!!", "Basic ZW11bGF0b3ItY2xpZW50", "Bearer emulator-secret", "Basic "],
)
async def test_malformed_basic_header_is_invalid_client(
    http: httpx.AsyncClient, world: World, header: str
) -> None:
    answer = await http.post(
        "https://zoom.us/oauth/token", headers={"Authorization": header}, data=S2S_GRANT
    )
    assert (answer.status_code, answer.json()) == (400, INVALID_CLIENT)
    assert world.tokens.access == {}


async def test_single_token_mode_revokes_the_previous_s2s_token(
    http: httpx.AsyncClient, world: World
) -> None:
    world.single_token_mode = True
    first = await s2s_token(http)
    second = await s2s_token(http)
    assert error(await get_me(http, first)) == (401, 124)
    assert (await get_me(http, second)).status_code == 200


# /oauth/authorize and the authorization-code grant -----------------------------------------
async def test_authorize_with_pkce_s256_redirects_with_code_and_state(
    http: httpx.AsyncClient, world: World
) -> None:
    base, query = redirected(await authorize(http, state="s t/ä&=1"))
    assert base == REDIRECT
    assert set(query) == {"code", "state"}
    assert query["state"] == "s t/ä&=1"
    answer = await exchange(http, query["code"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == TOKEN_KEYS | {"refresh_token"}
    assert (body["token_type"], body["expires_in"], body["api_url"]) == (
        "bearer",
        3600,
        "https://api.zoom.us",
    )
    assert set(body["scope"].split()) == world.apps[USER_APP[0]].scopes
    assert body["refresh_token"] != body["access_token"]
    me = await get_me(http, body["access_token"])
    assert me.status_code == 200
    assert me.json()["id"] == world.owner_id


async def test_authorize_without_state_sends_only_the_code(http: httpx.AsyncClient) -> None:
    _, query = redirected(await authorize(http, state=None, redirect_uri=OTHER_REDIRECT))
    assert set(query) == {"code"}


async def test_authorize_as_another_user_grants_that_users_token(
    http: httpx.AsyncClient, world: World
) -> None:
    grace = user_where(world, lambda u: u.email == "grace@example.edu")
    body = await user_grant(http, user=grace.email)
    me = await get_me(http, body["access_token"])
    assert me.json()["id"] == grace.id


async def test_code_exchange_with_wrong_or_missing_verifier_fails(
    http: httpx.AsyncClient, world: World
) -> None:
    code = await new_code(http)
    wrong = await exchange(http, code, verifier=RFC_VERIFIER[:-1] + "Y")
    assert (wrong.status_code, wrong.json()) == (400, BAD_VERIFIER)
    # The challenge itself is not a verifier for S256
    other = await exchange(http, await new_code(http), verifier=RFC_CHALLENGE)
    assert (other.status_code, other.json()) == (400, BAD_VERIFIER)
    missing = await exchange(http, await new_code(http), verifier=None)
    assert (missing.status_code, missing.json()) == (400, BAD_VERIFIER)
    assert world.tokens.access == {}
    assert world.tokens.refresh == {}
    # a failed attempt used up the code: it cannot be retried with the right verifier
    again = await exchange(http, code)
    assert (again.status_code, again.json()) == (400, BAD_CODE)


async def test_plain_pkce_compares_verifier_directly(http: httpx.AsyncClient) -> None:
    verifier = "plain-verifier-" + "x" * 40
    code = await new_code(http, challenge=verifier, method="plain")
    assert (await exchange(http, code, verifier=verifier)).status_code == 200
    code = await new_code(http, challenge=verifier, method="plain")
    wrong = await exchange(http, code, verifier=verifier + "y")
    assert (wrong.status_code, wrong.json()) == (400, BAD_VERIFIER)


async def test_code_is_single_use(http: httpx.AsyncClient, world: World) -> None:
    code = await new_code(http)
    assert (await exchange(http, code)).status_code == 200
    reused = await exchange(http, code)
    assert (reused.status_code, reused.json()) == (400, BAD_CODE)
    assert len(world.tokens.access) == 1


async def test_code_exchange_with_other_redirect_uri_fails(
    http: httpx.AsyncClient, world: World
) -> None:
    mismatch = {"reason": "Redirect URI mismatch.", "error": "invalid_request"}
    # also registered for the app, but not the one the code was issued for
    other = await exchange(http, await new_code(http), redirect_uri=OTHER_REDIRECT)
    assert (other.status_code, other.json()) == (400, mismatch)
    missing = await exchange(http, await new_code(http), redirect_uri=None)
    assert (missing.status_code, missing.json()) == (400, mismatch)
    assert world.tokens.access == {}


async def test_code_expires_after_five_minutes(http: httpx.AsyncClient, clock: ManualClock) -> None:
    fresh = await new_code(http)
    clock.advance(299)
    assert (await exchange(http, fresh)).status_code == 200
    stale = await new_code(http)
    clock.advance(300)
    answer = await exchange(http, stale)
    assert (answer.status_code, answer.json()) == (400, BAD_CODE)


async def test_code_works_only_for_the_app_it_was_issued_to(
    http: httpx.AsyncClient, world: World
) -> None:
    other_app = add_user_app(world)
    answer = await exchange(http, await new_code(http), auth=other_app)
    assert (answer.status_code, answer.json()) == (400, BAD_CODE)
    assert world.tokens.access == {}


async def test_code_exchange_with_bad_client_secret(http: httpx.AsyncClient) -> None:
    code = await new_code(http)
    answer = await exchange(http, code, auth=(USER_APP[0], "wrong"))
    assert (answer.status_code, answer.json()) == (400, INVALID_CLIENT)
    # the client was refused before the code was looked at: it still works
    assert (await exchange(http, code)).status_code == 200


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        pytest.param({"client_id": "nobody"}, "Invalid client_id", id="unknown-client"),
        pytest.param({"client_id": S2S[0]}, "Invalid client_id", id="s2s-client"),
        pytest.param({"redirect_uri": "https://evil.example/cb"}, "4709", id="unregistered"),
        pytest.param({"response_type": "token"}, "Unsupported response_type", id="implicit"),
        pytest.param({"method": "S512"}, "Unsupported code_challenge_method", id="method"),
        pytest.param({"user": "nobody@example.edu"}, "cannot sign in", id="unknown-user"),
    ],
)
async def test_authorize_refuses_bad_requests(
    http: httpx.AsyncClient, world: World, changes: dict[str, str], needle: str
) -> None:
    answer = await authorize(http, **changes)
    assert answer.status_code == 400
    assert needle in answer.text
    assert "location" not in answer.headers
    assert world.tokens.codes == {}


@pytest.mark.parametrize("status", ["inactive", "pending"])
async def test_authorize_refuses_users_who_cannot_sign_in(
    http: httpx.AsyncClient, world: World, status: str
) -> None:
    user = user_where(world, lambda u: u.status == status)
    answer = await authorize(http, user=user.email)
    assert answer.status_code == 400
    assert "cannot sign in" in answer.text
    assert world.tokens.codes == {}


async def test_new_authorization_revokes_the_users_earlier_token(http: httpx.AsyncClient) -> None:
    first = await user_grant(http)
    second = await user_grant(http)
    revoked = await get_me(http, first["access_token"])
    assert error(revoked) == (401, 124)
    assert revoked.json()["message"] == "Invalid access token."
    assert (await get_me(http, second["access_token"])).status_code == 200


# refresh rotation ---------------------------------------------------------------------------
async def test_refresh_rotates_and_the_old_refresh_token_stops_working(
    http: httpx.AsyncClient, world: World
) -> None:
    first = await user_grant(http)
    answer = await refresh(http, first["refresh_token"])
    assert answer.status_code == 200, answer.text
    second = answer.json()
    assert set(second) == TOKEN_KEYS | {"refresh_token"}
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert (await get_me(http, second["access_token"])).json()["id"] == world.owner_id
    old = await refresh(http, first["refresh_token"])
    assert (old.status_code, old.json()) == (400, BAD_REFRESH)
    third = await refresh(http, second["refresh_token"])
    assert third.status_code == 200
    assert (await refresh(http, second["refresh_token"])).json() == BAD_REFRESH


async def test_refresh_token_of_another_app_is_refused_and_not_used_up(
    http: httpx.AsyncClient, world: World
) -> None:
    grant = await user_grant(http)
    stolen = await refresh(http, grant["refresh_token"], auth=add_user_app(world))
    assert (stolen.status_code, stolen.json()) == (400, BAD_REFRESH)
    assert (await refresh(http, grant["refresh_token"])).status_code == 200


async def test_refresh_token_expires_after_the_configured_days(
    http: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    world.refresh_token_days = 2
    grant = await user_grant(http)
    clock.advance(timedelta(days=2).total_seconds())
    answer = await refresh(http, grant["refresh_token"])
    assert (answer.status_code, answer.json()) == (400, BAD_REFRESH)


async def test_refresh_with_unknown_token(http: httpx.AsyncClient) -> None:
    answer = await refresh(http, "eyJ0eXAiOiJyZWZyZXNoIn0.made-up")
    assert (answer.status_code, answer.json()) == (400, BAD_REFRESH)


async def test_lost_refresh_response_still_rotates(http: httpx.AsyncClient, world: World) -> None:
    """Fault drop_responses (set over HTTP): Zoom rotated, the client never heard the answer."""
    grant = await user_grant(http)
    knob = await http.post("/_emulator/faults", json={"drop_responses": 1})
    assert knob.json()["drop_responses"] == 1
    with pytest.raises(httpx.ReadError):
        await refresh(http, grant["refresh_token"])
    assert world.faults.drop_responses == 0
    lost = await refresh(http, grant["refresh_token"])
    assert (lost.status_code, lost.json()) == (400, BAD_REFRESH)


# /oauth/revoke ------------------------------------------------------------------------------
async def test_revoke_makes_the_access_token_fail(http: httpx.AsyncClient) -> None:
    token = await s2s_token(http)
    assert (await get_me(http, token)).status_code == 200
    answer = await http.post("https://zoom.us/oauth/revoke", auth=S2S, data={"token": token})
    assert (answer.status_code, answer.json()) == (200, {"status": "success"})
    refused = await get_me(http, token)
    assert error(refused) == (401, 124)
    assert refused.json()["message"] == "Invalid access token."
    listed = await http.get("/v2/users", headers={"Authorization": f"Bearer {token}"})
    assert error(listed) == (401, 124)


async def test_revoke_of_a_refresh_token_stops_refreshing(http: httpx.AsyncClient) -> None:
    grant = await user_grant(http)
    answer = await http.post(
        "https://zoom.us/oauth/revoke", auth=USER_APP, data={"token": grant["refresh_token"]}
    )
    assert answer.status_code == 200
    refused = await refresh(http, grant["refresh_token"])
    assert (refused.status_code, refused.json()) == (400, BAD_REFRESH)


async def test_revoke_needs_the_owning_apps_credentials(
    http: httpx.AsyncClient, world: World
) -> None:
    token = await s2s_token(http)
    bad = await http.post(
        "https://zoom.us/oauth/revoke", auth=(S2S[0], "wrong"), data={"token": token}
    )
    assert (bad.status_code, bad.json()) == (400, INVALID_CLIENT)
    foreign = await http.post(
        "https://zoom.us/oauth/revoke", auth=add_user_app(world), data={"token": token}
    )
    assert foreign.status_code == 200  # Zoom says nothing about whose token it was ...
    assert (await get_me(http, token)).status_code == 200  # ... but leaves it alone


# /_emulator admin: bad input changes nothing -------------------------------------------------
async def snapshot(http: httpx.AsyncClient, world: World) -> dict[str, Any]:
    state = await http.get("/_emulator/state")
    assert state.status_code == 200
    return {
        "state": state.json(),
        "faults": world.faults.as_dict(),
        "now": world.now(),
        "events": list(world.events),
        "deleted": sorted(u.id for u in world.users.values() if u.deleted),
        "meetings": sorted(world.meetings),
        "instances": sorted(world.instances),
        "phone": sorted(world.phone_recordings),
        "calls": len(world.calls),
        "tokens": sorted((t.expires_at, t.revoked) for t in world.tokens.access.values()),
    }


NOT_AN_OBJECT = "the body must be a JSON object"
BAD_SECONDS = "seconds must be a number between 0 and 1e8"


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/_emulator/faults", b"{server_errors: 1}", NOT_AN_OBJECT),
        ("/_emulator/faults", b'{"server_errors": 1', NOT_AN_OBJECT),
        ("/_emulator/faults", b"[1, 2]", NOT_AN_OBJECT),
        ("/_emulator/faults", b'"server_errors"', NOT_AN_OBJECT),
        ("/_emulator/faults", b"\xff\xfe", NOT_AN_OBJECT),
        ("/_emulator/faults", b'{"no_such_fault": 1}', "unknown fault knobs: no_such_fault"),
        (
            "/_emulator/faults",
            b'{"server_errors": 2, "zz": 1, "aa": 1}',
            "unknown fault knobs: aa, zz",
        ),
        ("/_emulator/faults", b'{"server_errors": "3"}', "fault knob server_errors must be int"),
        ("/_emulator/faults", b'{"server_errors": 1.5}', "fault knob server_errors must be int"),
        ("/_emulator/faults", b'{"server_errors": true}', "fault knob server_errors must be int"),
        ("/_emulator/faults", b'{"server_errors": null}', "fault knob server_errors must be int"),
        (
            "/_emulator/faults",
            b'{"daily_limit_exhausted": 1}',
            "fault knob daily_limit_exhausted must be bool",
        ),
        (
            "/_emulator/faults",
            b'{"server_error_rate": "0.5"}',
            "fault knob server_error_rate must be a finite number",
        ),
        ("/_emulator/faults", b'{"server_errors": -1}', "server_errors must not be negative"),
        (
            "/_emulator/faults",
            b'{"server_errors": 2, "rate_limit_rate": -0.5}',  # refused as a whole
            "rate_limit_rate must not be negative",
        ),
        (
            "/_emulator/faults",
            b'{"slow_api_seconds": -Infinity}',
            "slow_api_seconds must be a finite",
        ),
        ("/_emulator/clock/advance", b"{seconds: 1}", NOT_AN_OBJECT),
        ("/_emulator/clock/advance", b"[60]", NOT_AN_OBJECT),
        ("/_emulator/clock/advance", b"60", NOT_AN_OBJECT),
        ("/_emulator/clock/advance", b"{}", BAD_SECONDS),
        ("/_emulator/clock/advance", b"", BAD_SECONDS),
        ("/_emulator/clock/advance", b'{"seconds": "60"}', BAD_SECONDS),
        ("/_emulator/clock/advance", b'{"seconds": true}', BAD_SECONDS),
        ("/_emulator/clock/advance", b'{"seconds": null}', BAD_SECONDS),
        ("/_emulator/clock/advance", b'{"seconds": -1}', BAD_SECONDS),
        ("/_emulator/clock/advance", b'{"seconds": -0.001}', BAD_SECONDS),
        ("/_emulator/clock/advance", b'{"seconds": 100000001}', BAD_SECONDS),
        ("/_emulator/clock/advance", b'{"seconds": NaN}', BAD_SECONDS),
        ("/_emulator/clock/advance", b'{"seconds": Infinity}', BAD_SECONDS),
        ("/_emulator/meetings/record", b"{host", NOT_AN_OBJECT),
        ("/_emulator/meetings/record", b'["me"]', NOT_AN_OBJECT),
        (
            "/_emulator/meetings/record",
            b'{"host": "nobody@example.edu"}',
            "no licensed user 'nobody@example.edu' on the emulated account",
        ),
        ("/_emulator/meetings/record", b'{"host": 42}', "no licensed user '42'"),
        ("/_emulator/phone/record", b"{user", NOT_AN_OBJECT),
        ("/_emulator/phone/record", b"[]", NOT_AN_OBJECT),
        (
            "/_emulator/phone/record",
            b'{"user": "nobody@example.edu"}',
            "no Zoom Phone user 'nobody@example.edu' on the emulated account",
        ),
        ("/_emulator/webhooks/deliver", b"", "no webhook URL is configured"),
    ],
)
async def test_admin_bad_input_is_400_and_changes_nothing(
    http: httpx.AsyncClient, world: World, path: str, body: bytes, message: str
) -> None:
    await s2s_token(http)  # a live token, so a wrongly run expiry would show
    world.faults.server_errors = 1  # a non-default knob that must survive untouched
    before = await snapshot(http, world)
    answer = await http.post(path, content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.json() == {"error": answer.json()["error"]}
    assert message in answer.json()["error"]
    assert await snapshot(http, world) == before


async def test_admin_record_for_users_without_the_license_or_phone(
    http: httpx.AsyncClient, world: World
) -> None:
    basic = user_where(world, lambda u: u.type == 1)
    no_phone = user_where(world, lambda u: u.phone_extension is None and u.status == "active")
    before = await snapshot(http, world)
    meeting = await http.post("/_emulator/meetings/record", json={"host": basic.email})
    assert meeting.status_code == 400
    assert meeting.json()["error"] == f"no licensed user {basic.email!r} on the emulated account"
    call = await http.post("/_emulator/phone/record", json={"user": no_phone.id})
    assert call.status_code == 400
    assert call.json()["error"] == f"no Zoom Phone user {no_phone.id!r} on the emulated account"
    assert await snapshot(http, world) == before


async def test_admin_delete_unknown_or_deleted_user_is_404(
    http: httpx.AsyncClient, world: World
) -> None:
    before = await snapshot(http, world)
    answer = await http.post("/_emulator/users/nobody@example.edu/delete")
    assert (answer.status_code, answer.json()) == (404, {"error": "no such user"})
    assert await snapshot(http, world) == before
    victim = user_where(world, lambda u: u.email == "alan@example.edu")
    assert (await http.post(f"/_emulator/users/{victim.id}/delete")).status_code == 200
    again = await http.post(f"/_emulator/users/{victim.email}/delete")
    assert (again.status_code, again.json()) == (404, {"error": "no such user"})


@pytest.mark.parametrize("value", ["no", "false", 0.5, [], {"x": 1}])
async def test_admin_record_meeting_refuses_a_non_boolean_late_transcript(
    http: httpx.AsyncClient, world: World, value: Any
) -> None:
    before = await snapshot(http, world)
    answer = await http.post("/_emulator/meetings/record", json={"late_transcript": value})
    assert answer.status_code == 400, answer.text
    assert await snapshot(http, world) == before


@pytest.mark.parametrize("body", [b'{"server_error_rate": NaN}', b'{"slow_api_seconds": Infinity}'])
async def test_admin_faults_refuse_non_finite_numbers(
    http: httpx.AsyncClient, world: World, body: bytes
) -> None:
    before = world.faults.as_dict()
    try:
        answer = await http.post("/_emulator/faults", content=body)
        assert answer.status_code == 400, answer.text
    finally:
        assert world.faults.as_dict() == before
    assert (await http.get("/_emulator/state")).status_code == 200


# /_emulator admin: good input takes effect ---------------------------------------------------
async def test_state_reports_the_world(http: httpx.AsyncClient, world: World) -> None:
    state = (await http.get("/_emulator/state")).json()
    assert state["account_id"] == "emulator-account"
    assert state["now"] == world.now().isoformat()
    assert state["users"] == len(world.users)
    assert state["faults"] == world.faults.as_dict()
    assert state["webhooks_pending"] == 0
    assert state["phone_recordings"] == len(world.phone_recordings) > 0
    assert "client_secret" not in state["credentials"]
    assert "user_client_secret" not in state["credentials"]
    assert state["credentials"]["client_id"] == S2S[0]


async def test_fault_server_errors_fails_the_next_list_calls(
    api: httpx.AsyncClient, world: World
) -> None:
    knob = await api.post("/_emulator/faults", json={"server_errors": 2})
    assert knob.status_code == 200
    assert knob.json() == {**world.faults.as_dict(), "server_errors": 2}
    for _ in range(2):
        failed = await api.get("/v2/users")
        assert failed.status_code in (500, 502, 503, 504)
    assert (await api.get("/v2/users")).status_code == 200
    assert (await api.get("/_emulator/state")).json()["faults"]["server_errors"] == 0


async def test_fault_rate_limit_storm_and_rate(api: httpx.AsyncClient) -> None:
    await api.post("/_emulator/faults", json={"rate_limit_storm": 1})
    storm = await api.get("/v2/users")
    assert error(storm) == (429, 429)
    assert (await api.get("/v2/users")).status_code == 200
    await api.post("/_emulator/faults", json={"rate_limit_rate": 1.0})
    for _ in range(3):
        assert error(await api.get("/v2/users")) == (429, 429)
    await api.post("/_emulator/faults", json={"rate_limit_rate": 0})
    assert (await api.get("/v2/users")).status_code == 200


async def test_fault_update_keeps_other_knobs(api: httpx.AsyncClient, world: World) -> None:
    await api.post("/_emulator/faults", json={"server_errors": 3, "html_downloads": 1})
    answer = await api.post("/_emulator/faults", json={"server_error_rate": 0.25})
    assert answer.json()["server_errors"] == 3
    assert answer.json()["html_downloads"] == 1
    assert answer.json()["server_error_rate"] == 0.25
    assert world.faults.server_error_rate == 0.25


async def test_fault_html_downloads(api: httpx.AsyncClient, world: World) -> None:
    token = next(t for t, (_, f) in world.files_by_token.items() if f.status == "completed")
    url = f"https://zoom.us/rec/download/{token}"
    assert (await api.get(url)).status_code == 302
    await api.post("/_emulator/faults", json={"html_downloads": 1})
    html = await api.get(url)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert (await api.get(url)).status_code == 302


async def test_advance_moves_the_clock_and_completes_late_files(
    http: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    start = world.now()
    answer = await http.post("/_emulator/clock/advance", json={"seconds": 90.5})
    assert answer.status_code == 200
    assert world.now() == start + timedelta(seconds=90.5)
    assert clock.now() == world.now()
    assert answer.json() == {"now": world.now().isoformat()}
    assert (await http.get("/_emulator/state")).json()["now"] == world.now().isoformat()
    assert (await http.post("/_emulator/clock/advance", json={"seconds": 0})).status_code == 200
    assert world.now() == start + timedelta(seconds=90.5)
    # the demo's newest transcript finishes 10 minutes after the world was built
    assert not any(e == "recording.transcript_completed" for e, _ in world.events)
    await http.post("/_emulator/clock/advance", json={"seconds": 600})
    assert [e for e, _ in world.events] == ["recording.transcript_completed"]


async def test_advance_past_the_token_lifetime_expires_it(http: httpx.AsyncClient) -> None:
    token = await s2s_token(http)
    await http.post("/_emulator/clock/advance", json={"seconds": 3599})
    assert (await get_me(http, token)).status_code == 200
    await http.post("/_emulator/clock/advance", json={"seconds": 1})
    assert error(await get_me(http, token)) == (401, 124)


async def test_advance_refused_on_a_real_clock() -> None:
    world = build_world("empty", seed=1, clock=SystemClock())
    transport = EmulatorTransport(create_app(world))
    async with httpx.AsyncClient(transport=transport, base_url="https://api.zoom.us") as http:
        answer = await http.post("/_emulator/clock/advance", json={"seconds": 60})
    assert answer.status_code == 400
    assert "real time" in answer.json()["error"]


async def test_expire_tokens_makes_the_current_token_fail(
    api: httpx.AsyncClient, world: World
) -> None:
    assert (await api.get("/v2/users/me")).status_code == 200
    answer = await api.post("/_emulator/tokens/expire")
    assert (answer.status_code, answer.json()) == (200, {"expired": len(world.tokens.access)})
    assert answer.json()["expired"] == 1
    refused = await api.get("/v2/users/me")
    assert error(refused) == (401, 124)
    assert refused.json()["message"] == "Access token has expired."
    fresh = await s2s_token(api)
    assert (await get_me(api, fresh)).status_code == 200


async def test_delete_user_removes_the_user(api: httpx.AsyncClient, world: World) -> None:
    alan = user_where(world, lambda u: u.email == "alan@example.edu")
    assert (await api.get(f"/v2/users/{alan.id}")).status_code == 200
    answer = await api.post("/_emulator/users/ALAN@example.edu/delete")
    assert (answer.status_code, answer.json()) == (200, {"deleted": alan.id})
    gone = await api.get(f"/v2/users/{alan.id}")
    assert error(gone) == (404, 1001)
    listed = (await api.get("/v2/users", params={"page_size": 300})).json()["users"]
    assert alan.email not in {u["email"] for u in listed}
    assert listed  # the others are still there


async def test_record_meeting_appears_in_the_users_recordings(
    api: httpx.AsyncClient, world: World
) -> None:
    grace = user_where(world, lambda u: u.email == "grace@example.edu")
    before = (await api.get("/_emulator/state")).json()
    answer = await api.post("/_emulator/meetings/record", json={"host": grace.email})
    assert answer.status_code == 201
    created = answer.json()
    assert set(created) == {"uuid", "meeting_id"}
    listed = await api.get(f"/v2/users/{grace.id}/recordings")
    assert listed.status_code == 200
    meetings = {m["uuid"]: m for m in listed.json()["meetings"]}
    assert created["uuid"] in meetings
    meeting = meetings[created["uuid"]]
    assert meeting["id"] == created["meeting_id"]
    assert meeting["host_id"] == grace.id
    transcript = [f for f in meeting["recording_files"] if f.get("file_type") == "TRANSCRIPT"]
    assert [f["status"] for f in transcript] == ["processing"]  # late by default
    after = (await api.get("/_emulator/state")).json()
    assert after["recorded_instances"] == before["recorded_instances"] + 1
    assert after["meetings"] == before["meetings"] + 1
    event, body = world.events[-1]
    assert event == "recording.completed"
    assert body["payload"]["object"]["uuid"] == created["uuid"]
    assert body["download_token"]


async def test_record_meeting_without_late_transcript(api: httpx.AsyncClient, world: World) -> None:
    answer = await api.post("/_emulator/meetings/record", json={"late_transcript": False})
    uuid = answer.json()["uuid"]
    assert all(f.status == "completed" for f in world.instances[uuid].files)
    listed = (await api.get("/v2/users/me/recordings")).json()["meetings"]
    assert uuid in {m["uuid"] for m in listed}


async def test_record_call_adds_a_phone_recording(api: httpx.AsyncClient, world: World) -> None:
    before = (await api.get("/_emulator/state")).json()["phone_recordings"]
    answer = await api.post("/_emulator/phone/record", json={})
    assert answer.status_code == 201
    recording_id = answer.json()["id"]
    assert recording_id in world.phone_recordings
    assert (await api.get("/_emulator/state")).json()["phone_recordings"] == before + 1
    listed = await api.get("/v2/phone/users/me/recordings")
    assert listed.status_code == 200
    assert recording_id in {r["id"] for r in listed.json()["recordings"]}
    event, body = world.events[-1]
    assert event == "phone.recording_completed"
    assert body["payload"]["object"]["recordings"][0]["id"] == recording_id


# WebhookSender --------------------------------------------------------------------------------
class Receiver:
    """A webhook endpoint behind httpx.MockTransport: answers from a script, then 200."""

    def __init__(self, *script: int | type[httpx.TransportError]) -> None:
        self.script = list(script)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.script.pop(0) if self.script else 200
        if isinstance(answer, int):
            headers = {"location": "https://elsewhere.example/hook"} if 300 <= answer < 400 else {}
            return httpx.Response(answer, headers=headers)
        raise answer("receiver unreachable", request=request)


@pytest.fixture
async def senders(world: World) -> AsyncIterator[Callable[..., WebhookSender]]:
    made: list[WebhookSender] = []

    def make(receiver: Receiver, **kw: Any) -> WebhookSender:
        sender = WebhookSender(
            world, HOOK_URL, SECRET, transport=httpx.MockTransport(receiver), **kw
        )
        made.append(sender)
        return sender

    yield make
    for sender in made:
        await sender.aclose()


def emit_recording(world: World) -> dict[str, Any]:
    return recording_event(world, "recording.completed", record_instance(world))


def offsets(receiver: Receiver, start: int) -> list[int]:
    stamps = [int(r.headers["x-zm-request-timestamp"]) for r in receiver.requests]
    return [stamp - start for stamp in stamps]


async def test_sender_signs_bodies_zoom_verifies(
    http: httpx.AsyncClient, world: World, senders: Callable[..., WebhookSender]
) -> None:
    receiver = Receiver()
    sender = senders(receiver)
    recorded = await http.post("/_emulator/meetings/record", json={"late_transcript": False})
    called = await http.post("/_emulator/phone/record")
    assert await sender.deliver_due() == 2
    assert [d.outcome for d in sender.deliveries] == ["delivered", "delivered"]
    assert len(receiver.requests) == 2
    for request, (event, payload) in zip(receiver.requests, world.events, strict=True):
        assert request.method == "POST"
        assert str(request.url) == HOOK_URL
        assert request.headers["content-type"] == "application/json; charset=utf-8"
        assert request.headers["user-agent"] == "Zoom Marketplace/1.0a"
        assert request.headers["x-zm-request-timestamp"] == str(int(world.now().timestamp()))
        assert request.headers["x-zm-request-id"]
        body = request.content
        assert json.loads(body) == payload
        assert json.loads(body)["event"] == event
        verify(SECRET, request.headers, body, now=world.now())  # raises if it does not match
        with pytest.raises(WebhookRejected):
            verify("another-secret", request.headers, body, now=world.now())
        with pytest.raises(WebhookRejected):
            verify(SECRET, request.headers, body + b" ", now=world.now())
    assert [e for e, _ in world.events] == ["recording.completed", "phone.recording_completed"]
    completed = parse_event(receiver.requests[0].content)
    recording = completed.recording()
    assert recording is not None
    assert recording.uuid == recorded.json()["uuid"]
    phone = parse_event(receiver.requests[1].content).phone_recordings()
    assert [p.id for p in phone] == [called.json()["id"]]
    ids = {r.headers["x-zm-request-id"] for r in receiver.requests}
    assert len(ids) == 2


async def test_recording_completed_download_token_opens_that_recording_only(
    http: httpx.AsyncClient, world: World, senders: Callable[..., WebhookSender]
) -> None:
    receiver = Receiver()
    sender = senders(receiver)
    created = (await http.post("/_emulator/meetings/record")).json()
    await sender.deliver_due()
    body = json.loads(receiver.requests[0].content)
    assert body["event"] == "recording.completed"
    token = body["download_token"]
    assert isinstance(token, str)
    assert token
    assert "download_token" not in body["payload"]["object"]
    mp4 = next(f for f in body["payload"]["object"]["recording_files"] if f["file_type"] == "MP4")
    allowed = await http.get(mp4["download_url"], headers={"Authorization": f"Bearer {token}"})
    assert allowed.status_code == 302
    assert urlsplit(allowed.headers["location"]).path.startswith("/rec/cdn/")
    other = next(
        f
        for u, i in world.instances.items()
        if u != created["uuid"]
        for f in i.files
        if f.status == "completed"
    )
    foreign = await http.get(
        f"https://zoom.us/rec/download/{other.token}", headers={"Authorization": f"Bearer {token}"}
    )
    assert foreign.status_code == 200
    assert "Only the host can download" in foreign.text


async def test_sender_retries_5xx_after_5_20_60_minutes_then_drops(
    world: World, clock: ManualClock, senders: Callable[..., WebhookSender]
) -> None:
    receiver = Receiver(503, 500, 502, 504, 200)
    sender = senders(receiver)
    assert sender.retry_delays == ZOOM_RETRY_DELAYS == (300.0, 1200.0, 3600.0)
    emit_recording(world)
    start = int(world.now().timestamp())
    assert await sender.deliver_due() == 1
    for delay in (300, 1200, 3600):
        clock.advance(delay - 1)
        assert await sender.deliver_due() == 0
        clock.advance(1)
        assert await sender.deliver_due() == 1
    delivery = sender.deliveries[0]
    assert (delivery.outcome, delivery.attempts) == ("dropped", 4)
    assert delivery.history == ["503", "500", "502", "504"]
    assert sender.pending() == []
    clock.advance(86_400)
    assert await sender.deliver_due() == 0
    assert offsets(receiver, start) == [0, 300, 1500, 5100]
    # every attempt carries the same body, freshly signed with its own timestamp
    bodies = {r.content for r in receiver.requests}
    assert len(bodies) == 1
    assert len({r.headers["x-zm-request-id"] for r in receiver.requests}) == 1
    for request in receiver.requests:
        stamp = int(request.headers["x-zm-request-timestamp"])
        verify(SECRET, request.headers, request.content, now=datetime.fromtimestamp(stamp, UTC))


async def test_sender_retries_transport_errors_then_delivers(
    world: World, clock: ManualClock, senders: Callable[..., WebhookSender]
) -> None:
    receiver = Receiver(httpx.ConnectError, httpx.ReadTimeout, 200)
    sender = senders(receiver)
    emit_recording(world)
    start = int(world.now().timestamp())
    await sender.deliver_due()
    clock.advance(300)
    await sender.deliver_due()
    clock.advance(1199)
    assert await sender.deliver_due() == 0
    clock.advance(1)
    assert await sender.deliver_due() == 1
    delivery = sender.deliveries[0]
    assert (delivery.outcome, delivery.attempts) == ("delivered", 3)
    assert delivery.history == [
        "transport error ConnectError",
        "transport error ReadTimeout",
        "200",
    ]
    assert offsets(receiver, start) == [0, 300, 1500]
    clock.advance(10_000)
    assert await sender.deliver_due() == 0
    assert len(receiver.requests) == 3


async def test_sender_uses_configured_delays_and_gives_up_after_them(
    world: World, clock: ManualClock, senders: Callable[..., WebhookSender]
) -> None:
    receiver = Receiver(httpx.ConnectError, 500, 500, 500, 500)
    sender = senders(receiver, retry_delays=(2.0, 5.0))
    emit_recording(world)
    start = int(world.now().timestamp())
    for step in (0, 2, 5, 100):
        clock.advance(step)
        await sender.deliver_due()
    assert offsets(receiver, start) == [0, 2, 7]
    delivery = sender.deliveries[0]
    assert (delivery.outcome, delivery.attempts) == ("dropped", 3)
    assert delivery.history == ["transport error ConnectError", "500", "500"]


async def test_sender_real_connection_refused_is_retried(world: World) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = WebhookSender(world, f"http://127.0.0.1:{port}/hook", SECRET, timeout=2.0)
    try:
        emit_recording(world)
        assert await sender.deliver_due() == 1
        delivery = sender.deliveries[0]
        assert delivery.outcome == "pending"
        assert delivery.history == ["transport error ConnectError"]
        assert delivery.due_at == world.now() + timedelta(minutes=5)
    finally:
        await sender.aclose()


@pytest.mark.parametrize("status", [301, 302, 307, 308, 400, 401, 403, 404, 410, 429])
async def test_sender_does_not_retry_3xx_or_4xx(
    world: World, clock: ManualClock, senders: Callable[..., WebhookSender], status: int
) -> None:
    receiver = Receiver(status)
    sender = senders(receiver)
    emit_recording(world)
    assert await sender.deliver_due() == 1
    delivery = sender.deliveries[0]
    assert (delivery.outcome, delivery.attempts, delivery.history) == ("dropped", 1, [str(status)])
    for delay in ZOOM_RETRY_DELAYS:
        clock.advance(delay)
        assert await sender.deliver_due() == 0
    assert [str(r.url) for r in receiver.requests] == [HOOK_URL]  # redirects are not followed


@pytest.mark.parametrize("status", [200, 202, 204])
async def test_sender_2xx_is_delivered_once(
    world: World, clock: ManualClock, senders: Callable[..., WebhookSender], status: int
) -> None:
    receiver = Receiver(status)
    sender = senders(receiver)
    emit_recording(world)
    await sender.deliver_due()
    assert sender.deliveries[0].outcome == "delivered"
    assert sender.deliveries[0].history == [str(status)]
    clock.advance(10_000)
    assert await sender.deliver_due() == 0
    assert len(receiver.requests) == 1


# the emulator app's own sender, against a real HTTP receiver ----------------------------------
class LiveReceiver:
    """A Starlette webhook endpoint served by uvicorn on 127.0.0.1 in a thread."""

    def __init__(self) -> None:
        self.script: list[int] = []
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.url = ""
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        self.received.append((dict(request.headers), await request.body()))
        return Response(status_code=self.script.pop(0) if self.script else 200)


@pytest.fixture
def live_receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveReceiver]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("all_proxy", raising=False)
    live = LiveReceiver()
    config = uvicorn.Config(
        live.app,
        host="127.0.0.1",
        port=0,
        lifespan="off",
        ws="none",
        http="h11",
        loop="asyncio",
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.started:
        assert thread.is_alive(), "the receiver failed to start"
        assert time.monotonic() < deadline, "the receiver did not start in 5 s"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    live.url = f"http://127.0.0.1:{port}/hook"
    yield live
    server.should_exit = True
    thread.join(5)


async def test_app_sender_delivers_over_a_real_socket(
    world: World, live_receiver: LiveReceiver
) -> None:
    live_receiver.script = [500]
    emulator = create_app(world, webhook_url=live_receiver.url, webhook_secret=SECRET)
    sender: WebhookSender = cast(Any, emulator).app.state.sender
    transport = EmulatorTransport(emulator)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="https://api.zoom.us") as http:
            created = (await http.post("/_emulator/meetings/record")).json()
            assert (await http.get("/_emulator/state")).json()["webhooks_pending"] == 1
            first = (await http.post("/_emulator/webhooks/deliver")).json()
            assert first == {
                "sent": 1,
                "deliveries": [
                    {
                        "event": "recording.completed",
                        "outcome": "pending",
                        "attempts": 1,
                        "history": ["500"],
                    }
                ],
            }
            early = (await http.post("/_emulator/webhooks/deliver")).json()
            assert early["sent"] == 0
            # five minutes on: the retry is due, and the late transcript has completed
            await http.post("/_emulator/clock/advance", json={"seconds": 300})
            second = (await http.post("/_emulator/webhooks/deliver")).json()
            assert second["sent"] == 2
            assert [(d["event"], d["outcome"], d["history"]) for d in second["deliveries"]] == [
                ("recording.completed", "delivered", ["500", "200"]),
                ("recording.transcript_completed", "delivered", ["200"]),
            ]
            assert (await http.get("/_emulator/state")).json()["webhooks_pending"] == 0
    finally:
        await sender.aclose()
    assert len(live_receiver.received) == 3
    for headers, body in live_receiver.received:
        stamp = int(headers["x-zm-request-timestamp"])
        verify(SECRET, headers, body, now=datetime.fromtimestamp(stamp, UTC))
    events = [parse_event(body) for _, body in live_receiver.received]
    assert [e.event for e in events] == [
        "recording.completed",
        "recording.completed",
        "recording.transcript_completed",
    ]
    assert live_receiver.received[0][1] == live_receiver.received[1][1]
    for event in events:
        assert event.download_token
        assert event.object["uuid"] == created["uuid"]
    transcript_files = events[2].object["recording_files"]
    assert [f["file_type"] for f in transcript_files] == ["TRANSCRIPT"]
