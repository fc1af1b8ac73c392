"""The admins' /users page and its JSON twin on an installation without a mail server:
links are shown once to the admin; roles and switches change; bad input changes nothing."""

from __future__ import annotations

import re

import httpx
import pytest
from portal_helpers import PASSWORD, Portal, csrf_of, form_token, sign_in

from zoombridge.accounts import Role

pytestmark = pytest.mark.anyio

NEW_PASSWORD = "a brand new passphrase"


async def _admin(portal: Portal) -> tuple[httpx.AsyncClient, dict[str, str]]:
    client = await portal.signed_in(Role.ADMIN)
    return client, {"x-csrf-token": await csrf_of(client)}


async def _users(client: httpx.AsyncClient) -> dict[str, dict[str, object]]:
    return {user["email"]: user for user in (await client.get("/api/users")).json()}


def _shown_link(page: str) -> str:
    found = re.search(r'class="link" type="text" value="([^"]+)"', page)
    assert found, "no link shown"
    return found.group(1)


async def test_the_page_lists_users_and_its_twin_says_the_same(portal: Portal) -> None:
    admin, csrf = await _admin(portal)
    portal.add_user(Role.VIEWER, "ada@example.edu")
    await admin.post(
        "/api/users", json={"email": "grace@example.edu", "role": "contributor"}, headers=csrf
    )
    listed = await _users(admin)
    assert list(listed) == ["ada@example.edu", "admin@example.edu", "grace@example.edu"]
    assert listed["grace@example.edu"] | {"invitation_expires_at": None, "created_at": None} == {
        "id": 3,
        "email": "grace@example.edu",
        "name": None,
        "role": "contributor",
        "disabled": False,
        "has_password": False,
        "created_at": None,
        "last_sign_in_at": None,
        "invitation": "pending",
        "invitation_expires_at": None,
    }
    assert listed["admin@example.edu"]["last_sign_in_at"] == portal.clock.now().isoformat()
    page = await admin.get("/users")
    assert page.status_code == 200
    rows = re.findall(r'<tr id="user-(\d+)"', page.text)
    assert rows == ["2", "1", "3"]
    assert "pending until" in page.text
    assert 'action="/users/2/reset"' in page.text
    assert 'action="/users/1"' not in page.text  # no switch to lock oneself out
    assert "Invite again" in page.text  # grace has no password yet
    assert '<a href="/users">Users</a>' in page.text


async def test_without_mail_the_link_is_shown_once_and_works(portal: Portal) -> None:
    admin, csrf = await _admin(portal)
    invited = await admin.post(
        "/users", data={"email": "ada@example.edu", "role": "manager", **_form(csrf)}
    )
    assert invited.status_code == 200, invited.text
    assert "No mail server is set up" in invited.text
    link = _shown_link(invited.text)
    assert link.startswith("http://portal.test/password/")  # the admin's own address
    assert link not in (await admin.get("/users")).text  # shown once only

    ada = portal.client()
    path = link.removeprefix("http://portal.test")
    form = await ada.get(path)
    data = {"password": NEW_PASSWORD, "repeated": NEW_PASSWORD, "csrf_token": form_token(form.text)}
    assert (await ada.post(path, data=data)).status_code == 200
    assert (await sign_in(portal.client(), "ada@example.edu", NEW_PASSWORD)).status_code == 303
    assert (await _users(admin))["ada@example.edu"]["role"] == "manager"


async def test_the_json_twin_gives_the_link_when_mail_is_not_set_up(portal: Portal) -> None:
    admin, csrf = await _admin(portal)
    portal.add_user(Role.VIEWER, "ada@example.edu")
    made = await admin.post("/api/users/2/reset", headers=csrf)
    assert made.status_code == 200
    assert made.json()["mailed"] is False
    assert made.json()["purpose"] == "reset"
    token = made.json()["link"].rsplit("/", 1)[1]
    check = await portal.client().get(f"/api/password/{token}")
    assert check.json()["email"] == "ada@example.edu"


def _form(csrf: dict[str, str], **values: str) -> dict[str, str]:
    return {"csrf_token": csrf["x-csrf-token"], **values}


async def test_roles_and_switches_change_and_a_disabled_user_is_out_at_once(
    portal: Portal,
) -> None:
    admin, csrf = await _admin(portal)
    ada = await portal.signed_in(Role.VIEWER, "ada@example.edu")
    changed = await admin.post("/users/2", data=_form(csrf, role="manager"))
    assert changed.status_code == 303
    assert (await ada.get("/api/me")).json()["role"] == "manager"
    patched = await admin.patch("/api/users/2", json={"disabled": True}, headers=csrf)
    assert patched.json()["disabled"] is True
    assert (await ada.get("/api/me")).status_code == 401
    assert (await sign_in(portal.client(), "ada@example.edu", PASSWORD)).status_code == 401
    page = await admin.post("/users/2", data=_form(csrf, disabled="false"))
    assert page.status_code == 303
    assert (await _users(admin))["ada@example.edu"]["disabled"] is False


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"disabled": True}, "cannot disable yourself"),
        ({"role": "manager"}, "cannot lower your own role"),
        ({"role": "emperor"}, "unknown role"),
    ],
)
async def test_bad_changes_are_refused_and_change_nothing(
    portal: Portal, body: dict[str, object], complaint: str
) -> None:
    admin, csrf = await _admin(portal)
    before = await _users(admin)
    refused = await admin.patch("/api/users/1", json=body, headers=csrf)
    assert refused.status_code == 422
    assert complaint in refused.json()["detail"]
    page = await admin.post(
        "/users/1", data=_form(csrf, **{k: str(v).lower() for k, v in body.items()})
    )
    assert page.status_code == 422
    assert complaint in page.text
    assert await _users(admin) == before


async def test_an_unknown_user_is_404(portal: Portal) -> None:
    admin, csrf = await _admin(portal)
    assert (await admin.patch("/api/users/99", json={}, headers=csrf)).status_code == 404
    assert (await admin.post("/api/users/99/reset", headers=csrf)).status_code == 404
    assert (await admin.post("/users/99/reset", data=_form(csrf))).status_code == 404


@pytest.mark.parametrize(
    ("email", "role", "complaint"),
    [
        ("not an address", "viewer", "is not an e-mail address"),
        ("ada@example.edu\r\nBcc: eve@example.org", "viewer", "is not an e-mail address"),
        ("grace@example.edu", "emperor", "unknown role"),
        ("admin@example.edu", "viewer", "has an account already"),
    ],
)
async def test_a_bad_invitation_is_refused_and_creates_nothing(
    portal: Portal, email: str, role: str, complaint: str
) -> None:
    admin, csrf = await _admin(portal)
    refused = await admin.post("/api/users", json={"email": email, "role": role}, headers=csrf)
    assert refused.status_code == 422
    assert complaint in refused.json()["detail"]
    page = await admin.post("/users", data=_form(csrf, email=email, role=role))
    assert page.status_code == 422
    assert complaint in page.text
    assert list(await _users(admin)) == ["admin@example.edu"]


async def test_a_disabled_user_gets_no_reset(portal: Portal) -> None:
    admin, csrf = await _admin(portal)
    portal.add_user(Role.VIEWER, "ada@example.edu")
    await admin.patch("/api/users/2", json={"disabled": True}, headers=csrf)
    refused = await admin.post("/api/users/2/reset", headers=csrf)
    assert refused.status_code == 422
    assert "enable them" in refused.json()["detail"]


async def test_without_mail_forgot_password_says_to_ask_an_admin(portal: Portal) -> None:
    portal.add_user(Role.VIEWER, "ada@example.edu")
    client = portal.client()
    login = await client.get("/login")
    assert '<a href="/forgot">Forgot password?</a>' in login.text
    form = await client.get("/forgot")
    data = {"email": "ada@example.edu", "csrf_token": form_token(form.text)}
    answer = await client.post("/forgot", data=data)
    assert answer.status_code == 503
    assert "ask an administrator" in answer.text
    api = await client.post("/api/forgot", json={"email": "nobody@example.edu"})
    assert api.status_code == 503
