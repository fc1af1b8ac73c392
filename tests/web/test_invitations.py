"""Invitation and password-reset links by e-mail, through a real SMTP server (aiosmtpd):
the mail arrives, its link sets a password once, and then no more; expired and replaced
links say so; "forgot password" tells nobody who has an account; a mail server that fails
leaves no usable link behind."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from portal_helpers import PASSWORD, Portal, csrf_of, form_token, portal_fixture, sign_in
from sqlalchemy import select

from smtp_helpers import PUBLIC_URL, SENDER, Inbox, free_port, smtp_server
from zoombridge.accounts import Role
from zoombridge.accounts.invitations import FORGOT_LIMITS
from zoombridge.accounts.throttle import WINDOW
from zoombridge.db.models import PasswordLink, PortalUser
from zoombridge.settings import MailSettings
from zoombridge.web.password_pages import FORGOT_SENT

pytestmark = pytest.mark.anyio

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def portal(tmp_path: Path, inbox: Inbox) -> AsyncIterator[Portal]:
    async for opened in portal_fixture(tmp_path, mail=inbox.settings(), public_url=PUBLIC_URL):
        yield opened


async def _admin(portal: Portal) -> tuple[httpx.AsyncClient, dict[str, str]]:
    client = await portal.signed_in(Role.ADMIN)
    return client, {"x-csrf-token": await csrf_of(client)}


async def _set_password(
    client: httpx.AsyncClient, token: str, password: str, repeated: str | None = None
) -> httpx.Response:
    form = await client.get(f"/password/{token}")
    data = {"password": password, "repeated": repeated or password}
    data["csrf_token"] = form_token(form.text) if form.status_code == 200 else ""
    return await client.post(f"/password/{token}", data=data)


async def _users(client: httpx.AsyncClient) -> dict[str, dict[str, object]]:
    listed = await client.get("/api/users")
    assert listed.status_code == 200, listed.text
    return {user["email"]: user for user in listed.json()}


async def test_an_invitation_arrives_and_its_link_sets_a_password_to_sign_in_with(
    portal: Portal, inbox: Inbox
) -> None:
    admin, csrf = await _admin(portal)
    made = await admin.post(
        "/api/users", json={"email": "Grace@Example.edu", "role": "manager"}, headers=csrf
    )
    assert made.status_code == 201, made.text
    assert made.json() | {"expires_at": None} == {
        "email": "grace@example.edu",
        "role": "manager",
        "purpose": "invite",
        "expires_at": None,
        "mailed": True,
        "link": None,  # mailed: never shown
    }
    [mail] = inbox.wait_for(1)
    assert (mail.envelope_from, mail.envelope_to) == (SENDER, ["grace@example.edu"])
    assert mail.message["Subject"] == "You are invited to the zoombridge portal"
    assert "as manager" in mail.text()
    token = mail.token()
    assert f'href="{PUBLIC_URL}/password/{token}"' in mail.html()
    assert (await _users(admin))["grace@example.edu"]["invitation"] == "pending"

    grace = portal.client()
    form = await grace.get(f"/password/{token}")
    assert form.status_code == 200
    assert "grace@example.edu" in form.text
    assert form.headers["referrer-policy"] == "no-referrer"  # the token stays on this page
    done = await _set_password(grace, token, NEW_PASSWORD)
    assert done.status_code == 200, done.text
    assert "Your password is set" in done.text
    signed_in = await sign_in(portal.client(), "grace@example.edu", NEW_PASSWORD)
    assert signed_in.status_code == 303
    listed = (await _users(admin))["grace@example.edu"]
    assert listed["has_password"] is True
    assert listed["invitation"] is None
    assert listed["last_sign_in_at"] == portal.clock.now().isoformat()


async def test_a_link_works_once(portal: Portal, inbox: Inbox) -> None:
    admin, csrf = await _admin(portal)
    await admin.post("/api/users", json={"email": "ada@example.edu"}, headers=csrf)
    token = inbox.wait_for(1)[0].token()
    assert (await _set_password(portal.client(), token, NEW_PASSWORD)).status_code == 200
    again = await _set_password(portal.client(), token, "someone else's passphrase")
    assert again.status_code == 410
    assert "has been used already" in again.text
    api = await portal.client().post(f"/api/password/{token}", json={"password": "x" * 20})
    assert api.status_code == 410
    assert (await sign_in(portal.client(), "ada@example.edu", NEW_PASSWORD)).status_code == 303


async def test_links_expire_invitations_after_7_days_resets_after_an_hour(
    portal: Portal, inbox: Inbox
) -> None:
    admin, csrf = await _admin(portal)
    await admin.post("/api/users", json={"email": "ada@example.edu"}, headers=csrf)
    invitation = inbox.wait_for(1)[0].token()
    portal.clock.advance(7 * 86400 - 1)
    assert (await portal.client().get(f"/password/{invitation}")).status_code == 200
    portal.clock.advance(1)
    expired = await _set_password(portal.client(), invitation, NEW_PASSWORD)
    assert expired.status_code == 410
    assert "expired at" in expired.text
    admin = portal.client()  # the admin's session timed out meanwhile
    assert (await sign_in(admin, "admin@example.edu", PASSWORD)).status_code == 303
    csrf = {"x-csrf-token": await csrf_of(admin)}
    assert (await _users(admin))["ada@example.edu"]["invitation"] == "expired"

    assert (await admin.post("/api/users/2/reset", headers=csrf)).status_code == 200
    reset = inbox.wait_for(2)[1].token()
    portal.clock.advance(3600)
    gone = await portal.client().get(f"/api/password/{reset}")
    assert gone.status_code == 410
    assert "expired" in gone.json()["detail"]


async def test_a_newer_link_replaces_the_older_one(portal: Portal, inbox: Inbox) -> None:
    admin, csrf = await _admin(portal)
    for _ in range(2):
        made = await admin.post("/api/users", json={"email": "ada@example.edu"}, headers=csrf)
        assert made.status_code == 201, made.text
    first, second = (mail.token() for mail in inbox.wait_for(2))
    replaced = await _set_password(portal.client(), first, NEW_PASSWORD)
    assert replaced.status_code == 410
    assert "replaced by a newer one" in replaced.text
    assert (await _set_password(portal.client(), second, NEW_PASSWORD)).status_code == 200


async def test_setting_a_password_ends_the_users_sessions(portal: Portal, inbox: Inbox) -> None:
    ada = await portal.signed_in(Role.VIEWER, "ada@example.edu")
    assert (await ada.get("/api/me")).status_code == 200
    answer = await portal.client().post("/api/forgot", json={"email": "ada@example.edu"})
    assert answer.status_code == 202
    token = inbox.wait_for(1)[0].token()
    info = await portal.client().get(f"/api/password/{token}")
    assert info.json()["purpose"] == "reset"
    set_ = await portal.client().post(f"/api/password/{token}", json={"password": NEW_PASSWORD})
    assert set_.status_code == 204
    assert set_.headers["referrer-policy"] == "no-referrer"
    assert (await ada.get("/api/me")).status_code == 401
    assert (await sign_in(portal.client(), "ada@example.edu", PASSWORD)).status_code == 401


@pytest.mark.parametrize(
    ("password", "repeated", "complaint"),
    [
        ("short", "short", "12 to 1024 characters"),
        ("x" * 1025, "x" * 1025, "12 to 1024 characters"),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "The two passwords differ"),
        ("ada@example.edu", "ada@example.edu", "must not be the e-mail address"),
    ],
)
async def test_a_password_that_does_not_qualify_is_refused_and_the_link_kept(
    portal: Portal, inbox: Inbox, password: str, repeated: str, complaint: str
) -> None:
    admin, csrf = await _admin(portal)
    await admin.post("/api/users", json={"email": "ada@example.edu"}, headers=csrf)
    token = inbox.wait_for(1)[0].token()
    refused = await _set_password(portal.client(), token, password, repeated)
    assert refused.status_code == 422
    assert complaint in refused.text
    assert (await _set_password(portal.client(), token, NEW_PASSWORD)).status_code == 200


async def test_an_unknown_link_says_so(portal: Portal) -> None:
    for token in ("not-a-token", "x" * 500):
        page = await portal.client().get(f"/password/{token}")
        assert page.status_code == 404
        assert "not one of ours" in page.text
    api = await portal.client().post("/api/password/nope", json={"password": NEW_PASSWORD})
    assert api.status_code == 404


async def test_only_a_digest_of_a_link_is_stored(portal: Portal, inbox: Inbox) -> None:
    admin, csrf = await _admin(portal)
    await admin.post("/api/users", json={"email": "ada@example.edu"}, headers=csrf)
    token = inbox.wait_for(1)[0].token()
    with portal.catalog.session() as session:
        [row] = session.scalars(select(PasswordLink))
        assert token not in repr(vars(row))
        assert len(row.token_sha256) == 64


def form_free(page: str) -> str:
    """A page without its random CSRF token."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)


async def _forgot(client: httpx.AsyncClient, email: str) -> httpx.Response:
    form = await client.get("/forgot")
    return await client.post("/forgot", data={"email": email, "csrf_token": form_token(form.text)})


async def test_forgot_password_answers_the_same_for_any_address_and_mails_only_accounts(
    portal: Portal, inbox: Inbox
) -> None:
    portal.add_user(Role.VIEWER, "ada@example.edu")
    portal.add_user(Role.VIEWER, "off@example.edu")
    admin, csrf = await _admin(portal)  # user 3
    await admin.patch("/api/users/2", json={"disabled": True}, headers=csrf)
    pages, answers = set(), set()
    for email in ("ada@example.edu", "nobody@example.edu", "off@example.edu"):
        page = await _forgot(portal.client(), email)
        pages.add((page.status_code, form_free(page.text).replace(email, "EMAIL")))
        api = await portal.client(("10.0.0.9", 1)).post("/api/forgot", json={"email": email})
        answers.add((api.status_code, api.json()["detail"].replace(email, "EMAIL")))
    assert len(pages) == len(answers) == 1
    assert pages.pop()[0] == 200
    assert answers.pop() == (202, FORGOT_SENT.format(email="EMAIL"))
    mails = inbox.wait_for(2)
    assert [mail.envelope_to for mail in mails] == [["ada@example.edu"]] * 2
    assert mails[0].message["Subject"] == "Set a new password for the zoombridge portal"


async def test_forgot_password_is_throttled_per_address_and_per_client(
    portal: Portal, inbox: Inbox
) -> None:
    portal.add_user(Role.VIEWER, "ada@example.edu")
    for _ in range(FORGOT_LIMITS["email"]):  # from different clients: the address counts
        client = portal.client((f"10.0.0.{_}", 1))
        assert (await _forgot(client, "ada@example.edu")).status_code == 200
    throttled = await _forgot(portal.client(("10.0.1.1", 1)), "ada@example.edu")
    assert throttled.status_code == 429
    assert "too many requests" in throttled.text
    assert int(throttled.headers["retry-after"]) == int(WINDOW.total_seconds()) + 1
    assert len(inbox.wait_for(FORGOT_LIMITS["email"])) == FORGOT_LIMITS["email"]

    one = portal.client(("10.0.2.2", 1))
    statuses = [
        (await one.post("/api/forgot", json={"email": f"n{n}@example.edu"})).status_code
        for n in range(FORGOT_LIMITS["client"] + 1)
    ]
    assert statuses == [202] * FORGOT_LIMITS["client"] + [429]
    portal.clock.advance(WINDOW.total_seconds())
    assert (await _forgot(portal.client(("10.0.1.1", 1)), "ada@example.edu")).status_code == 200
    assert len(inbox.wait_for(FORGOT_LIMITS["email"] + 1)) == FORGOT_LIMITS["email"] + 1


@pytest.mark.parametrize("email", ["not an address", "a@b", "ada@example.edu\r\nBcc: e@x.org"])
async def test_forgot_password_refuses_a_malformed_address(
    portal: Portal, inbox: Inbox, email: str
) -> None:
    refused = await _forgot(portal.client(), email)
    assert refused.status_code == 422
    assert "is not an e-mail address" in refused.text
    assert inbox.received == []


async def test_the_forgot_form_needs_its_own_csrf_token(portal: Portal, inbox: Inbox) -> None:
    portal.add_user(Role.VIEWER, "ada@example.edu")
    forged = await portal.client().post("/forgot", data={"email": "ada@example.edu"})
    assert forged.status_code == 403
    assert inbox.received == []


# ---- a mail server that fails ----


@pytest.fixture
async def broken_portal(tmp_path: Path) -> AsyncIterator[Portal]:
    down = MailSettings(
        host="127.0.0.1", port=free_port(), sender=SENDER, security="none", timeout=2
    )
    async for opened in portal_fixture(tmp_path, mail=down, public_url=PUBLIC_URL):
        yield opened


def _usable_links(portal: Portal) -> list[PasswordLink]:
    with portal.catalog.session() as session:
        rows = session.scalars(select(PasswordLink).where(PasswordLink.revoked_at.is_(None)))
        return [row for row in rows if row.used_at is None]


async def test_a_failed_invitation_leaves_no_user_and_no_link(broken_portal: Portal) -> None:
    admin, csrf = await _admin(broken_portal)
    failed = await admin.post("/api/users", json={"email": "ada@example.edu"}, headers=csrf)
    assert failed.status_code == 502
    detail = failed.json()["detail"]
    assert "could not send mail through 127.0.0.1:" in detail
    assert "withdrawn" in detail
    assert "ada@example.edu" not in await _users(admin)
    with broken_portal.catalog.session() as session:
        assert session.scalars(select(PasswordLink)).all() == []
    page = await admin.post(
        "/users",
        data={"email": "ada@example.edu", "role": "viewer", "csrf_token": csrf["x-csrf-token"]},
    )
    assert page.status_code == 502
    assert "could not send mail" in page.text


async def test_a_failed_reset_withdraws_its_link(
    broken_portal: Portal, caplog: pytest.LogCaptureFixture
) -> None:
    broken_portal.add_user(Role.VIEWER, "ada@example.edu")
    admin, csrf = await _admin(broken_portal)
    failed = await admin.post("/api/users/1/reset", headers=csrf)
    assert failed.status_code == 502
    assert _usable_links(broken_portal) == []
    with caplog.at_level(logging.WARNING, logger="zoombridge.accounts"):
        answer = await _forgot(broken_portal.client(), "ada@example.edu")
    assert answer.status_code == 200  # the asker learns nothing about the account
    assert "was not sent" in caplog.text
    assert _usable_links(broken_portal) == []
    with broken_portal.catalog.session() as session:
        user = session.scalar(select(PortalUser).where(PortalUser.email == "ada@example.edu"))
        assert user is not None
        assert user.password_hash is not None
