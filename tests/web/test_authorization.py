"""Every route × every role, signed in by a session and by an API token, and no sign-in at
all: who gets in, who does not.

The table below is the policy. A route missing from it fails the test, so a new route is
classified when it is added, never left open by accident."""

from __future__ import annotations

import re
from collections.abc import Iterable

import httpx
import pytest
from fastapi.routing import APIRoute
from portal_helpers import Portal, csrf_of
from starlette.routing import BaseRoute, Mount, Route

from zoombridge.accounts import Role
from zoombridge.accounts.sessions import create_api_token

pytestmark = pytest.mark.anyio

PUBLIC = None
# (method, path) -> the lowest role allowed, or PUBLIC
POLICY: dict[tuple[str, str], Role | None] = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/metrics"): Role.MANAGER,  # or ZOOMBRIDGE_METRICS_TOKEN (test_metrics.py)
    ("POST", "/webhooks/zoom"): PUBLIC,  # signed by Zoom instead; refused unsigned
    ("POST", "/webhooks/zoom/{connection}"): PUBLIC,
    ("GET", "/api/openapi.json"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/static"): PUBLIC,
    ("POST", "/logout"): Role.VIEWER,
    ("GET", "/"): Role.VIEWER,
    ("GET", "/status"): Role.MANAGER,
    ("GET", "/search"): Role.VIEWER,  # hits only in recordings the reader may see
    ("GET", "/api/me"): Role.VIEWER,
    ("GET", "/api/status"): Role.MANAGER,
    ("GET", "/api/search"): Role.VIEWER,
    ("GET", "/api/tokens"): Role.VIEWER,
    ("POST", "/api/tokens"): Role.VIEWER,
    ("DELETE", "/api/tokens/{token_id}"): Role.VIEWER,
    ("POST", "/status/{connection}/files/{file_id}/retry"): Role.MANAGER,
    ("GET", "/api/connections/{connection}/attention"): Role.MANAGER,
    ("GET", "/api/connections/{connection}/activity"): Role.MANAGER,
    ("POST", "/api/connections/{connection}/files/{file_id}/retry"): Role.MANAGER,
    ("GET", "/connections"): Role.ADMIN,
    ("GET", "/connections/{name}"): Role.ADMIN,
    ("POST", "/connections/{name}"): Role.ADMIN,
    ("GET", "/api/connections"): Role.ADMIN,
    ("GET", "/api/connections/{name}/settings"): Role.ADMIN,
    ("PUT", "/api/connections/{name}/settings"): Role.ADMIN,
    ("GET", "/connect"): Role.ADMIN,
    ("POST", "/connect"): Role.ADMIN,
    ("POST", "/api/connections"): Role.ADMIN,
    ("POST", "/connect/zoom"): Role.ADMIN,  # "Connect with Zoom": off to Zoom's authorize page
    ("POST", "/connections/{name}/reconnect"): Role.ADMIN,
    # Zoom's redirect back: the admin who started it (test_connect_with_zoom.py); anyone
    # else gets a page, never a redirect to sign-in that would carry the code on
    ("GET", "/oauth/zoom/callback"): Role.ADMIN,
    ("GET", "/users"): Role.ADMIN,
    ("POST", "/users"): Role.ADMIN,
    ("POST", "/users/{user_id}"): Role.ADMIN,
    ("POST", "/users/{user_id}/reset"): Role.ADMIN,
    ("GET", "/api/users"): Role.ADMIN,
    ("POST", "/api/users"): Role.ADMIN,
    ("PATCH", "/api/users/{user_id}"): Role.ADMIN,
    ("POST", "/api/users/{user_id}/reset"): Role.ADMIN,
    ("GET", "/password/{token}"): PUBLIC,  # the one-time link's token is the permission
    ("POST", "/password/{token}"): PUBLIC,
    ("GET", "/api/password/{token}"): PUBLIC,
    ("POST", "/api/password/{token}"): PUBLIC,
    ("GET", "/forgot"): PUBLIC,
    ("POST", "/forgot"): PUBLIC,  # throttled; its form's CSRF cookie: test_invitations.py
    ("POST", "/api/forgot"): PUBLIC,
    # The library: every signed-in user; which recordings, is each recording's own rule
    # (tests/web/test_library.py covers author, chosen viewers, managers and the rest).
    ("GET", "/library"): Role.VIEWER,
    ("GET", "/recordings/{ref}"): Role.VIEWER,
    ("GET", "/recordings/{ref}/media/{source_id}"): Role.VIEWER,
    ("GET", "/recordings/{ref}/files/{file_id}"): Role.VIEWER,
    ("POST", "/recordings/{ref}/sharing"): Role.VIEWER,
    ("POST", "/recordings/{ref}/links"): Role.VIEWER,
    ("POST", "/recordings/{ref}/links/{link_id}/revoke"): Role.VIEWER,
    ("GET", "/shared/{token}"): PUBLIC,  # the link's token is the permission
    ("GET", "/shared/{token}/media/{source_id}"): PUBLIC,
    ("GET", "/api/library"): Role.VIEWER,
    ("GET", "/api/recordings/{ref}"): Role.VIEWER,
    ("PUT", "/api/recordings/{ref}/sharing"): Role.VIEWER,
    ("GET", "/api/recordings/{ref}/links"): Role.VIEWER,
    ("POST", "/api/recordings/{ref}/links"): Role.VIEWER,
    ("DELETE", "/api/recordings/{ref}/links/{link_id}"): Role.VIEWER,
    # Moderation: Managers decide, whoever authored the recording (test_moderation.py: an
    # author who is a Contributor cannot approve their own); Admins set it on or off.
    ("GET", "/moderation"): Role.MANAGER,
    ("POST", "/moderation/{ref}/approve"): Role.MANAGER,
    ("POST", "/moderation/{ref}/reject"): Role.MANAGER,
    ("GET", "/api/moderation"): Role.MANAGER,
    ("POST", "/api/moderation/{ref}/approve"): Role.MANAGER,
    ("POST", "/api/moderation/{ref}/reject"): Role.MANAGER,
    ("GET", "/library/settings"): Role.ADMIN,
    ("POST", "/library/settings"): Role.ADMIN,
    ("GET", "/api/library/settings"): Role.ADMIN,
    ("PUT", "/api/library/settings"): Role.ADMIN,
    # Groups of viewers (web/group_pages.py): Admins keep them; test_viewer_groups.py shows
    # members gaining and losing access to what was shared with a group.
    ("GET", "/groups"): Role.ADMIN,
    ("POST", "/groups"): Role.ADMIN,
    ("POST", "/groups/{group_id}/members"): Role.ADMIN,
    ("POST", "/groups/{group_id}/members/{user_id}/remove"): Role.ADMIN,
    ("POST", "/groups/{group_id}/delete"): Role.ADMIN,
    ("GET", "/api/groups"): Role.ADMIN,
    ("POST", "/api/groups"): Role.ADMIN,
    ("GET", "/api/groups/{group_id}"): Role.ADMIN,
    ("DELETE", "/api/groups/{group_id}"): Role.ADMIN,
    ("POST", "/api/groups/{group_id}/members"): Role.ADMIN,
    ("DELETE", "/api/groups/{group_id}/members/{user_id}"): Role.ADMIN,
    # "Add missing recordings" on the library settings page (test_library_backfill_page.py)
    ("POST", "/library/backfill"): Role.ADMIN,
    ("POST", "/api/library/backfill"): Role.ADMIN,
    # "Sync now" on the status panel: wakes the connection's sync loop
    ("POST", "/status/{connection}/sync"): Role.MANAGER,
    ("POST", "/api/connections/{connection}/sync"): Role.MANAGER,
    # Meetings (web/meeting_access.py): Contributors schedule and act on their own meetings
    # (another's is "not found": test_meetings_api.py), Managers on all and on the pools.
    **{
        (m, p): Role.CONTRIBUTOR
        for m, p in [
            ("GET", "/api/meetings"),
            ("POST", "/api/meetings"),
            ("GET", "/api/meetings/hosts"),
            ("GET", "/api/meetings/pools"),
            ("GET", "/api/meetings/calendar"),
            ("GET", "/api/meetings/{meeting_id}"),
            ("PATCH", "/api/meetings/{meeting_id}"),
            ("DELETE", "/api/meetings/{meeting_id}"),
            ("POST", "/api/meetings/{meeting_id}/transfer"),
            ("POST", "/api/meetings/{meeting_id}/recreate"),
            ("GET", "/api/meetings/{meeting_id}/start"),
            ("GET", "/api/meetings/{meeting_id}/links"),
            ("POST", "/api/meetings/{meeting_id}/links"),
            ("DELETE", "/api/meetings/{meeting_id}/links"),
            ("GET", "/api/meetings/{meeting_id}/join"),
            ("GET", "/meetings"),
            ("GET", "/meetings/new"),
            ("POST", "/meetings/new"),
            ("POST", "/meetings/{meeting_id}/cancel"),
            ("GET", "/meetings/calendar"),
            ("GET", "/meetings/{meeting_id}"),
            ("POST", "/meetings/{meeting_id}/edit"),
            ("POST", "/meetings/{meeting_id}/transfer/preflight"),
            ("POST", "/meetings/{meeting_id}/transfer"),
            ("POST", "/meetings/{meeting_id}/recreate"),
            ("POST", "/meetings/{meeting_id}/links"),
            ("POST", "/meetings/{meeting_id}/links/remove"),
            ("POST", "/meetings/{meeting_id}/start"),
        ]
    },
    ("POST", "/api/meetings/hosts/sync"): Role.MANAGER,
    ("PUT", "/api/meetings/pools/{name}"): Role.MANAGER,
}
MEETING_MISSES = [p for _, p in POLICY if "{meeting_id}" in p]
LIBRARY_MISSES = [
    p for _, p in POLICY if p.startswith(("/recordings/", "/api/recordings/", "/shared/"))
]
SAMPLE = {
    "{ref}": "1-bm8",  # an instance the blank catalog does not have
    "{source_id}": "a1",
    "{link_id}": "1",
    "{token}": "zbp_unknown",
    "{connection}": "default",
    "{name}": "default",
    "{token_id}": "1",
    "{file_id}": "f1",
    "{user_id}": "1",  # the caller, signed in
    "{meeting_id}": "1",  # no meeting is scheduled
    "{group_id}": "1",  # no group exists
}
BODY: dict[tuple[str, str], object] = {
    ("POST", "/api/tokens"): {"name": "matrix"},
    ("PUT", "/api/connections/{name}/settings"): {"enabled": True},
    ("PUT", "/api/recordings/{ref}/sharing"): {"status": "draft", "visibility": "author"},
    ("POST", "/api/recordings/{ref}/links"): {"days": 1},
    ("POST", "/api/users"): {"email": "matrix@example.edu"},
    ("PATCH", "/api/users/{user_id}"): {},
    ("POST", "/api/password/{token}"): {"password": "a matrix passphrase"},
    ("POST", "/api/forgot"): {"email": "matrix@example.edu"},
    ("POST", "/api/moderation/{ref}/reject"): {"reason": "matrix"},
    ("PUT", "/api/library/settings"): {"moderation": False},
    ("POST", "/api/groups"): {"name": "matrix"},
    ("POST", "/api/groups/{group_id}/members"): {"emails": ["matrix@example.edu"]},
    ("POST", "/api/meetings"): {"topic": "m", "start_time": "2027-01-04T10:00Z", "pool": "P"},
    ("PATCH", "/api/meetings/{meeting_id}"): {"topic": "matrix"},
    ("POST", "/api/meetings/{meeting_id}/transfer"): {"to": ["matrix@example.edu"]},
    ("POST", "/api/meetings/{meeting_id}/links"): {"app": "lms", "external_id": "e1"},
    ("PUT", "/api/meetings/pools/{name}"): {"hosts": []},
}
# What a caller allowed in gets where it is not plain success: nobody owns token 1 here.
# and no file has failed, so there is nothing to retry.
ALLOWED_ANSWER = {
    ("DELETE", "/api/tokens/{token_id}"): 404,
    ("POST", "/status/{connection}/files/{file_id}/retry"): 409,
    ("POST", "/api/connections/{connection}/files/{file_id}/retry"): 409,
    ("POST", "/connect"): 422,  # no credentials sent
    ("POST", "/api/connections"): 422,
    ("POST", "/connect/zoom"): 422,  # no name sent
    ("POST", "/connections/{name}/reconnect"): 409,  # "default" is Server-to-Server
    ("GET", "/oauth/zoom/callback"): 400,  # no sign-in to Zoom was started
    # no recording "1-bm8" and no such link: not found, to everyone let in
    **{(method, path): 404 for method, path in POLICY if path in LIBRARY_MISSES},
    ("POST", "/recordings/{ref}/sharing"): 422,  # the form's fields are not sent
    ("POST", "/users"): 422,  # no address sent
    **{(m, p): 404 for m, p in POLICY if "password/{token}" in p},  # no such link
    ("POST", "/api/forgot"): 503,  # this portal has no mail server
    ("POST", "/moderation/{ref}/approve"): 404,  # no recording "1-bm8" waits
    ("POST", "/api/moderation/{ref}/approve"): 404,
    ("POST", "/api/moderation/{ref}/reject"): 404,
    ("POST", "/moderation/{ref}/reject"): 422,  # no reason sent
    **{(m, p): 404 for m, p in POLICY if p in MEETING_MISSES},  # no meeting 1
    ("POST", "/api/meetings"): 503,  # this portal has no Zoom credentials
    ("POST", "/api/meetings/hosts/sync"): 503,
    ("GET", "/api/meetings/calendar"): 422,  # no such host
    ("POST", "/meetings/new"): 422,  # the form's fields are not sent
    ("POST", "/groups"): 422,  # no name sent
    # In the matrix's sorted order group 1 does not exist until POST /api/groups makes it
    # ("matrix"); POST /groups/1/delete then deletes it, so the page routes after find none.
    ("DELETE", "/api/groups/{group_id}"): 404,
    ("DELETE", "/api/groups/{group_id}/members/{user_id}"): 404,
    ("GET", "/api/groups/{group_id}"): 404,
    ("POST", "/api/groups/{group_id}/members"): 422,  # nobody has the address sent
    ("POST", "/groups/{group_id}/members"): 404,
    ("POST", "/groups/{group_id}/members/{user_id}/remove"): 404,
}
QUERY = {
    "/api/search": {"q": "budget"},
    "/search": {"q": "budget"},
    "/api/meetings/calendar": {"host": "nobody@example.edu"},
    "/api/meetings/{meeting_id}/links": {"app": "lms", "external_id": "e1"},
    "/api/meetings/{meeting_id}/join": {"app": "lms", "external_id": "e1", "audience": "anyone"},
}


def _routes(routes: Iterable[BaseRoute]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's include_router
        if included is not None:
            found |= _routes(included.routes)
        elif isinstance(route, Mount):
            found.add(("GET", route.path))
        elif isinstance(route, APIRoute | Route):
            found |= {(m, route.path) for m in (route.methods or ()) if m != "HEAD"}
        else:
            raise AssertionError(f"a route of a kind this test does not know: {route!r}")
    return found


async def test_every_route_is_in_the_policy(portal: Portal) -> None:
    assert _routes(portal.app.routes) == set(POLICY)  # type: ignore[attr-defined]


async def _ask(
    client: httpx.AsyncClient, method: str, path: str, csrf: str | None
) -> httpx.Response:
    url = re.sub(r"\{[a-z_]+\}", lambda m: SAMPLE[m.group(0)], path)
    url = url + "/portal.css" if path == "/static" else url
    headers = {"x-csrf-token": csrf} if csrf else {}
    response = await client.request(
        method, url, params=QUERY.get(path), json=BODY.get((method, path)), headers=headers
    )
    return response


def _refused(response: httpx.Response) -> bool:
    """401/403, or a page's redirect to the sign-in form."""
    to_sign_in = response.headers.get("location", "").startswith("/login")
    return response.status_code in (401, 403) or (response.status_code == 303 and to_sign_in)


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.label if r else "anonymous")
async def test_each_role_reaches_exactly_what_the_policy_allows(
    portal: Portal, role: Role | None
) -> None:
    if role is None:
        client, csrf = portal.client(), None
    else:
        client = await portal.signed_in(role)
        csrf = await csrf_of(client)
    for (method, path), lowest in sorted(POLICY.items()):
        if path.startswith("/webhooks") or (method, path) in (
            ("POST", "/login"),
            ("POST", "/logout"),
            ("POST", "/forgot"),
        ):
            continue  # their own tests: signatures, the sign-in and forgot forms, signing out
        response = await _ask(client, method, path, csrf)
        _check(response, role, method, path, lowest)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.label)
async def test_an_api_token_reaches_what_its_user_may(portal: Portal, role: Role) -> None:
    portal.add_user(role)
    _, token = create_api_token(portal.catalog, 1, "matrix", portal.clock.now())
    client = portal.client()
    client.headers["authorization"] = f"Bearer {token}"
    for (method, path), lowest in sorted(POLICY.items()):
        if not path.startswith("/api/") or path.startswith("/api/tokens"):
            continue  # pages are for browsers; tokens by tokens are tested below
        _check(await _ask(client, method, path, None), role, method, path, lowest)


def _check(
    response: httpx.Response, role: Role | None, method: str, path: str, lowest: Role | None
) -> None:
    allowed = lowest is PUBLIC or (role is not None and role >= lowest)
    where = (role, method, path, response.status_code)
    if allowed:
        expected = ALLOWED_ANSWER.get((method, path))
        assert response.status_code == expected if expected else response.status_code < 400, where
        assert not _refused(response), where
    else:
        assert _refused(response), where
        if path.startswith("/api"):
            assert response.status_code == (401 if role is None else 403), where


async def test_an_api_token_needs_no_csrf_but_cannot_make_tokens(portal: Portal) -> None:
    portal.add_user(Role.MANAGER, "robot@example.edu")
    _, token = create_api_token(portal.catalog, 1, "ci", portal.clock.now())
    client = portal.client()
    auth = {"authorization": f"Bearer {token}"}
    assert (await client.get("/api/status", headers=auth)).status_code == 200
    successor = await client.post("/api/tokens", json={"name": "second"}, headers=auth)
    assert successor.status_code == 403  # a stolen token cannot outlive its revocation
    assert "signed-in session" in successor.json()["detail"]
    revoked = await client.delete("/api/tokens/1", headers=auth)  # revoking itself is fine
    assert revoked.status_code == 204
    assert (await client.get("/api/me", headers=auth)).status_code == 401
    assert (
        await client.get("/api/me", headers={"authorization": "Bearer zbt_x"})
    ).status_code == 401


async def test_a_session_must_send_its_csrf_token_to_change_anything(portal: Portal) -> None:
    client = await portal.signed_in(Role.VIEWER)
    assert (await client.post("/api/tokens", json={"name": "a"})).status_code == 403
    forged = {"x-csrf-token": "forged"}
    assert (await client.post("/api/tokens", json={"name": "a"}, headers=forged)).status_code == 403
    assert (await client.get("/api/tokens")).json() == []
    good = {"x-csrf-token": await csrf_of(client)}
    assert (await client.post("/api/tokens", json={"name": "a"}, headers=good)).status_code == 201


async def test_nobody_revokes_or_sees_another_users_token(portal: Portal) -> None:
    owner = await portal.signed_in(Role.ADMIN, "owner@example.edu")
    csrf = {"x-csrf-token": await csrf_of(owner)}
    made = (await owner.post("/api/tokens", json={"name": "mine"}, headers=csrf)).json()
    other = await portal.signed_in(Role.ADMIN, "other@example.edu")
    other_csrf = {"x-csrf-token": await csrf_of(other)}
    assert (await other.get("/api/tokens")).json() == []
    gone = await other.delete(f"/api/tokens/{made['id']}", headers=other_csrf)
    assert gone.status_code == 404
    assert [t["name"] for t in (await owner.get("/api/tokens")).json()] == ["mine"]


@pytest.mark.parametrize("name", ["", " " * 5, "x" * 101])
async def test_a_token_without_a_proper_name_is_refused_and_nothing_made(
    portal: Portal, name: str
) -> None:
    client = await portal.signed_in(Role.VIEWER)
    csrf = {"x-csrf-token": await csrf_of(client)}
    made = await client.post("/api/tokens", json={"name": name}, headers=csrf)
    assert made.status_code == 422
    assert (await client.get("/api/tokens")).json() == []
