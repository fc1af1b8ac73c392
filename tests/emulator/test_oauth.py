"""The emulator's OAuth endpoints: /oauth/token, /oauth/authorize and /oauth/revoke."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from emulator_http import S2S, S2S_GRANT, error, get_me, s2s_token, user_where

from zoombridge.clock import ManualClock
from zoombridge.emulator.world import App, World

pytestmark = pytest.mark.anyio

USER_APP = ("emulator-user-app", "emulator-user-secret")
REDIRECT = "https://app.example/oauth/callback"
OTHER_REDIRECT = "http://127.0.0.1:8000/oauth/callback"  # registered too
# RFC 7636 appendix B: a verifier and its S256 challenge, computed independently of the emulator
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
TOKEN_KEYS = {"access_token", "token_type", "expires_in", "scope", "api_url"}
INVALID_CLIENT = {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
UNSUPPORTED = {"reason": "unsupported grant type", "error": "unsupported_grant_type"}
BAD_CODE = {"reason": "Invalid authorization code", "error": "invalid_grant"}
BAD_VERIFIER = {"reason": "Invalid code_verifier", "error": "invalid_grant"}
BAD_REFRESH = {"reason": "Invalid Token!", "error": "invalid_grant"}


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


# a user's token and other users' recordings ----------------------------------------------------
def _download_url(world: World, host_is_owner: bool) -> str:
    """A completed file's download URL, of a meeting the owner hosted or someone else did."""
    token = next(
        token
        for token, (instance, file) in world.files_by_token.items()
        if file.status == "completed" and (instance.host_id == world.owner_id) == host_is_owner
    )
    return f"https://zoom.us/rec/download/{token}"


@pytest.mark.parametrize("admin_scopes", [True, False])
async def test_a_user_token_downloads_others_recordings_only_with_an_account_level_scope(
    http: httpx.AsyncClient, world: World, admin_scopes: bool
) -> None:
    """As the API lets an admin-scoped user-level app list every user's recordings."""
    if not admin_scopes:
        world.apps[USER_APP[0]].scopes -= {
            "cloud_recording:read:list_user_recordings:admin",
            "cloud_recording:read:list_recording_files:admin",
            "recording:read:admin",
        }
    bearer = {"Authorization": f"Bearer {(await user_grant(http))['access_token']}"}
    own = await http.get(_download_url(world, host_is_owner=True), headers=bearer)
    assert own.status_code == 302
    others = await http.get(_download_url(world, host_is_owner=False), headers=bearer)
    if admin_scopes:
        assert others.status_code == 302
    else:
        assert others.status_code == 200
        assert "cannot download" in others.text
