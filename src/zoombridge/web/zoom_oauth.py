"""The routes of "Connect with Zoom" (see web.oauth_connect): start a new connection or
renew one's grant, and Zoom's callback.

Starting answers with a page that moves on to Zoom's authorize page by itself (a meta
refresh, with a link), not a 303: browsers apply the form's CSP (form-action 'self') to the
redirects of its submission, so a 303 to zoom.us would be blocked there.

The pending sign-in travels in a cookie sealed with the installation's key and bound to the
admin's session: HttpOnly, SameSite=Lax (Zoom's redirect back is a top-level GET, which Lax
lets through), sent only to the callback's path, and dropped by the callback whatever its
outcome. Tokens never appear in a URL, a page or a log.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import RedirectResponse, Response

from zoombridge.accounts import Principal, Role
from zoombridge.errors import InvalidInput
from zoombridge.web.auth import context, page_user, principal_of
from zoombridge.web.oauth_connect import (
    APP_FIELDS,
    LIFETIME,
    PendingAuthorization,
    UsedStates,
    finish,
    open_pending,
    seal_pending,
    session_binding,
    start_connect,
    start_reconnect,
)
from zoombridge.web.rendering import render

__all__ = ["CALLBACK_PATH", "FLOW_COOKIE", "router"]

router = APIRouter(include_in_schema=False)
AdminPage = Annotated[Principal, Depends(page_user(Role.ADMIN))]
CALLBACK_PATH = "/oauth/zoom/callback"
FLOW_COOKIE = "zb_zoom_oauth"
ZoomParam = Annotated[str, Query(max_length=2048)]


def _callback_url(request: Request) -> str:
    """The portal's callback as Zoom must send the browser back to it (registered in the
    app): under ZOOMBRIDGE_PUBLIC_URL when set, else where this request came in."""
    public = context(request).bridge.settings.public_url
    base = str(public) if public else str(request.base_url)
    return base.rstrip("/") + CALLBACK_PATH


def _to_zoom(request: Request, principal: Principal, pending: PendingAuthorization) -> Response:
    """A page that sends the browser on to Zoom's authorize page at once (a redirect of the
    form's POST to another site would break the portal's CSP, form-action 'self')."""
    bridge = context(request).bridge
    response = render(
        request, "to_zoom.html", principal=principal, authorize_url=pending.authorize_url
    )
    response.set_cookie(
        FLOW_COOKIE,
        seal_pending(bridge, pending, session_binding(principal)),
        max_age=int(LIFETIME.total_seconds()),
        path=CALLBACK_PATH,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )
    return response


def _refused(
    request: Request, status: int, message: str, principal: Principal | None, back: str
) -> Response:
    return render(
        request, "oauth_refused.html", status, principal=principal, message=message, back=back
    )


@router.post("/connect/zoom")
async def start_connect_page(request: Request, principal: AdminPage) -> Response:
    """Start "Connect with Zoom" for a new connection: off to Zoom's authorize page."""
    form = await request.form()
    fields = {key: str(form.get(key) or "")[:500] for key in APP_FIELDS}
    fields = {key: value for key, value in fields.items() if value}
    name = str(form.get("name") or "")[:100]
    portal = context(request)
    try:
        pending = await start_connect(
            portal.bridge, portal.catalog, name, fields, _callback_url(request), portal.clock.now()
        )
    except InvalidInput as exc:
        shown = {"name": name, **{k: v for k, v in fields.items() if "secret" not in k}}
        return render(
            request,
            "connect.html",
            422,
            principal=principal,
            values={},
            oauth_values=shown,
            oauth_message=str(exc),
            zoom_app=portal.bridge.settings.zoom_app.configured(),
            message=None,
        )
    return _to_zoom(request, principal, pending)


@router.post("/connections/{name}/reconnect")
async def reconnect_page(request: Request, principal: AdminPage, name: str) -> Response:
    """Sign in to Zoom again for a connection whose grant needs re-authorization."""
    portal = context(request)
    try:
        pending = await start_reconnect(
            portal.bridge, portal.catalog, name, _callback_url(request), portal.clock.now()
        )
    except InvalidInput as exc:
        return _refused(request, 409, str(exc), principal, "/connections")
    return _to_zoom(request, principal, pending)


@router.get(CALLBACK_PATH)
async def zoom_callback(
    request: Request, code: ZoomParam = "", state: ZoomParam = "", error: ZoomParam = ""
) -> Response:
    """Where Zoom sends the admin back. Answers with a page, never a redirect to sign-in:
    that would carry the code on in another URL."""
    principal = await principal_of(request)
    if principal is None or principal.csrf_token is None:
        message = "sign in to zoombridge as an admin, then connect Zoom again"
        return _refused(request, 401, message, None, "/login")
    if not principal.can(Role.ADMIN):
        return _refused(request, 403, "connecting Zoom needs the Admin role", principal, "/")
    portal = context(request)
    now = portal.clock.now()
    sealed = request.cookies.get(FLOW_COOKIE)
    back = "/connect"
    try:
        pending = open_pending(portal.bridge, sealed, session_binding(principal), now)
        back = "/connect" if pending.mode == "connect" else f"/connections/{quote(pending.name)}"
        used: UsedStates = request.app.state.zoom_oauth_states
        if not used.take(pending.state, pending.expires_at, now):
            raise InvalidInput("this Zoom sign-in was already used; nothing more was saved")
        await finish(
            portal.bridge, portal.catalog, pending, code=code, state=state, error=error, now=now
        )
    except InvalidInput as exc:
        response = _refused(request, 400, str(exc), principal, back)
    else:
        portal.settings_saved(pending.name)  # serve starts syncing it, or syncs it again
        done = "added" if pending.mode == "connect" else "reconnected"
        response = RedirectResponse(f"/connections/{quote(pending.name)}?{done}=1", 303)
    response.delete_cookie(FLOW_COOKIE, path=CALLBACK_PATH, httponly=True, samesite="lax")
    return response
