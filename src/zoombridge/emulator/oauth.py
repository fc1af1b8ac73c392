"""Zoom's OAuth endpoints: /oauth/token, /oauth/authorize, /oauth/revoke.

Token errors use Zoom's `{"reason": ..., "error": ...}` shape (not the API's {code,message}).
Refresh tokens rotate: each works once. The authorize page approves at once as the account
owner (or as `?user=<email>`, an emulator extension), because there is no person to click.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from zoombridge.emulator.tokens import CODE_LIFETIME, AuthCode, IssuedToken
from zoombridge.emulator.world import App, World

__all__ = ["authorize", "revoke", "token"]

DROP_HEADER = "x-emulator-fault"
MAX_FORM_BYTES = 16 * 1024


def _token_error(reason: str, error: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"reason": reason, "error": error}, status_code=status)


def _client(world: World, request: Request) -> App | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    app = world.apps.get(client_id)
    if app is None or not hmac.compare_digest(app.client_secret.encode(), secret.encode()):
        return None
    return app


async def _params(request: Request) -> dict[str, str]:
    """Zoom reads token parameters from the form body or the query string."""
    params = dict(request.query_params)
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raw = await request.body()
        if len(raw) > MAX_FORM_BYTES:
            return {}
        params.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    return params


def _grant_body(
    world: World, access: IssuedToken, refresh: IssuedToken | None
) -> dict[str, object]:
    body: dict[str, object] = {
        "access_token": access.value,
        "token_type": "bearer",
        "expires_in": world.token_ttl,
        "scope": " ".join(sorted(access.scopes)),
        "api_url": world.api_url,
    }
    if refresh is not None:
        body["refresh_token"] = refresh.value
    return body


async def token(request: Request) -> Response:
    world: World = request.app.state.world
    app = _client(world, request)
    if app is None:
        return _token_error("Invalid client_id or client_secret", "invalid_client")
    params = await _params(request)
    grant = params.get("grant_type", "")
    if grant == "account_credentials" and app.kind == "s2s":
        return _account_credentials(world, app, params)
    if grant == "authorization_code" and app.kind == "user":
        return _authorization_code(world, app, params)
    if grant == "refresh_token" and app.kind == "user":
        return _refresh(world, app, params)
    if not grant:
        return _token_error("Missing grant type", "invalid_request")
    return _token_error("unsupported grant type", "unsupported_grant_type")


def _account_credentials(world: World, app: App, params: dict[str, str]) -> Response:
    account = params.get("account_id", "")
    if not account or not account.replace("-", "").replace("_", "").isalnum():
        return _token_error("Bad Request", "invalid_request")
    if account != world.account_id:
        return _token_error("Account does not exist", "invalid_request")
    if world.single_token_mode:
        world.tokens.revoke_access_of(app.client_id, None)
    access = world.tokens.issue_access(app.client_id, frozenset(app.scopes), world.token_ttl)
    return JSONResponse(_grant_body(world, access, None))


def _authorization_code(world: World, app: App, params: dict[str, str]) -> Response:
    code = world.tokens.take_code(params.get("code", ""))
    if code is None or code.client_id != app.client_id:
        return _token_error("Invalid authorization code", "invalid_grant")
    if params.get("redirect_uri") != code.redirect_uri:
        return _token_error("Redirect URI mismatch.", "invalid_request")
    if code.code_challenge and not _pkce_ok(code, params.get("code_verifier", "")):
        return _token_error("Invalid code_verifier", "invalid_grant")
    world.tokens.revoke_access_of(app.client_id, code.user_id)  # re-authorization: 4741
    access = world.tokens.issue_access(
        app.client_id, frozenset(app.scopes), world.token_ttl, code.user_id
    )
    refresh = world.tokens.issue_refresh(access, world.refresh_token_days)
    return JSONResponse(_grant_body(world, access, refresh))


def _pkce_ok(code: AuthCode, verifier: str) -> bool:
    if not verifier:
        return False
    if code.code_challenge_method == "plain":
        computed = verifier
    else:
        digest = hashlib.sha256(verifier.encode()).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(computed.encode(), (code.code_challenge or "").encode())


def _refresh(world: World, app: App, params: dict[str, str]) -> Response:
    old = world.tokens.take_refresh(params.get("refresh_token", ""), app.client_id)
    if old is None:
        return _token_error("Invalid Token!", "invalid_grant")
    access = world.tokens.issue_access(app.client_id, old.scopes, world.token_ttl, old.user_id)
    refresh = world.tokens.issue_refresh(access, world.refresh_token_days)
    response = JSONResponse(_grant_body(world, access, refresh))
    if world.faults.take("drop_responses"):
        # Zoom rotated, but the answer never arrives: the transport turns this into a lost
        # connection (see emulator.transport).
        response.headers[DROP_HEADER] = "drop"
    return response


async def authorize(request: Request) -> Response:
    world: World = request.app.state.world
    query = request.query_params
    app = world.apps.get(query.get("client_id", ""))
    if app is None or app.kind != "user":
        return HTMLResponse("<h1>Invalid client_id</h1>", status_code=400)
    redirect_uri = query.get("redirect_uri", "")
    if redirect_uri not in app.redirect_uris:
        return HTMLResponse(f"<h1>Invalid redirect: {len(redirect_uri)} chars (4709)</h1>", 400)
    if query.get("response_type") != "code":
        return HTMLResponse("<h1>Unsupported response_type</h1>", status_code=400)
    method = query.get("code_challenge_method")
    if method not in (None, "S256", "plain"):
        return HTMLResponse("<h1>Unsupported code_challenge_method</h1>", status_code=400)
    user = world.find_user(query.get("user") or world.owner_id)
    if user is None or user.status != "active":
        return HTMLResponse("<h1>That user cannot sign in</h1>", status_code=400)
    code = world.tokens.issue_code(
        AuthCode(
            app.client_id,
            redirect_uri,
            user.id,
            world.now() + CODE_LIFETIME,
            query.get("code_challenge"),
            method,
        )
    )
    back = {"code": code}
    if "state" in query:
        back["state"] = query["state"]
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(redirect_uri + separator + urlencode(back), status_code=302)


async def revoke(request: Request) -> Response:
    world: World = request.app.state.world
    app = _client(world, request)
    if app is None:
        return _token_error("Invalid client_id or client_secret", "invalid_client")
    value = (await _params(request)).get("token", "")
    for table in (world.tokens.access, world.tokens.refresh):
        issued = table.get(value)
        if issued is not None and issued.client_id == app.client_id:
            issued.revoked = True
    return JSONResponse({"status": "success"})
