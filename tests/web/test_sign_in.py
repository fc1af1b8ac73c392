"""Signing in and out: cookies, CSRF, throttling, redirects that stay on the site."""

from __future__ import annotations

import asyncio
import hashlib
import html
import re
from datetime import timedelta

import pytest
from portal_helpers import PASSWORD, Portal, csrf_of, form_token, sign_in

from zoombridge.accounts import Role
from zoombridge.accounts.sessions import IDLE, LIFETIME
from zoombridge.accounts.throttle import LIMITS, WINDOW
from zoombridge.accounts.users import MAX_PASSWORD, create_user
from zoombridge.db.models import PortalSession, PortalUser
from zoombridge.web.security import safe_next

pytestmark = pytest.mark.anyio


async def test_signing_in_sets_a_safe_session_cookie_and_goes_where_asked(portal: Portal) -> None:
    email = portal.add_user(Role.MANAGER)
    async with portal.client() as client:
        response = await sign_in(client, email, PASSWORD, next_path="/search?q=budget")
        assert response.status_code == 303
        assert response.headers["location"] == "/search?q=budget"
        cookie = next(
            v for k, v in response.headers.multi_items() if k == "set-cookie" and "zb_session" in v
        ).lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        me = await client.get("/api/me")
    assert me.json() == {"id": 1, "email": email, "name": None, "role": "manager"}
    with portal.catalog.session() as session:
        stored = session.query(PortalSession).one()
        user = session.query(PortalUser).one()
    cookie_token = client.cookies.get("zb_session") or ""
    assert stored.token_sha256 == hashlib.sha256(cookie_token.encode()).hexdigest()  # a digest
    assert (user.password_hash or "").startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "https://evil.example/", "/\\evil.example", "http:/x", "/ok\r\nX: y", ""],
)
def test_a_next_address_never_leaves_the_site(target: str) -> None:
    assert safe_next(target) == "/"


def test_local_next_addresses_are_kept() -> None:
    assert safe_next("/status") == "/status"
    assert safe_next("/search?q=a%20b") == "/search?q=a%20b"


async def test_wrong_password_and_unknown_address_get_the_same_answer(portal: Portal) -> None:
    email = portal.add_user(Role.VIEWER)
    async with portal.client() as client:
        wrong = await sign_in(client, email, "not the password at all")
        unknown = await sign_in(client, "nobody@example.edu", PASSWORD)
        assert "zb_session" not in client.cookies
    assert wrong.status_code == unknown.status_code == 401
    assert "wrong e-mail address or password" in wrong.text
    assert "wrong e-mail address or password" in unknown.text


async def test_the_sign_in_form_needs_its_own_csrf_token(portal: Portal) -> None:
    email = portal.add_user(Role.ADMIN)
    async with portal.client() as client:
        form = await client.get("/login")
        data = {"email": email, "password": PASSWORD, "csrf_token": "forged"}
        forged = await client.post("/login", data=data)
        client.cookies.clear()
        data["csrf_token"] = form_token(form.text)
        cookieless = await client.post("/login", data=data)
    assert forged.status_code == cookieless.status_code == 403
    with portal.catalog.session() as session:
        assert session.query(PortalSession).count() == 0


async def test_repeated_failures_make_an_address_wait_from_that_client(portal: Portal) -> None:
    email = portal.add_user(Role.VIEWER)
    client = portal.client()
    for _ in range(LIMITS["pair"]):
        assert (await sign_in(client, email, "guessing guessing")).status_code == 401
    waiting = await sign_in(client, email, PASSWORD)  # even the right password waits
    assert waiting.status_code == 429
    assert 0 < int(waiting.headers["retry-after"]) <= WINDOW.total_seconds() + 1
    assert "too many sign-in attempts" in waiting.text
    elsewhere = portal.client(("10.1.1.1", 4000))  # the person, from their own machine
    assert (await sign_in(elsewhere, email, PASSWORD)).status_code == 303
    portal.clock.advance(WINDOW.total_seconds() + 1)
    assert (await sign_in(client, email, PASSWORD)).status_code == 303


async def test_guesses_from_many_clients_make_the_address_wait(portal: Portal) -> None:
    email = portal.add_user(Role.VIEWER)
    for n in range(LIMITS["email"]):
        guesser = portal.client((f"10.2.0.{n}", 4000))
        assert (await sign_in(guesser, email, "guessing guessing")).status_code == 401
    newcomer = portal.client(("10.3.0.1", 4000))
    assert (await sign_in(newcomer, email, PASSWORD)).status_code == 429


async def test_one_client_guessing_many_addresses_is_held_back(portal: Portal) -> None:
    client = portal.client(("10.4.0.1", 4000))
    statuses = [
        (await sign_in(client, f"guess{n}@example.edu", "guessing guessing")).status_code
        for n in range(LIMITS["client"] + 1)
    ]
    assert statuses == [401] * LIMITS["client"] + [429]


async def test_parallel_guesses_cannot_slip_past_the_count(portal: Portal) -> None:
    email = portal.add_user(Role.VIEWER)
    client = portal.client()
    form = await client.get("/login")
    data = {"email": email, "password": "guessing guessing", "csrf_token": form_token(form.text)}
    answers = await asyncio.gather(*(client.post("/login", data=data) for _ in range(12)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [401] * LIMITS["pair"] + [429] * (12 - LIMITS["pair"])


@pytest.mark.parametrize("state", ["disabled", "no password", "too long"])
async def test_every_kind_of_refusal_looks_the_same(portal: Portal, state: str) -> None:
    email = "someone@example.edu"
    password = PASSWORD
    if state == "no password":
        create_user(portal.catalog, email, Role.VIEWER, portal.clock.now())
    else:
        portal.add_user(Role.VIEWER, email)
    if state == "disabled":
        with portal.catalog.session() as session, session.begin():
            session.query(PortalUser).filter_by(email=email).update({"disabled": True})
    if state == "too long":
        password = PASSWORD + "x" * MAX_PASSWORD  # right start, then more than a password holds
    refused = await sign_in(portal.client(), email, password)
    assert refused.status_code == 401
    assert "wrong e-mail address or password" in refused.text


async def test_signing_out_ends_the_session_for_good(portal: Portal) -> None:
    client = await portal.signed_in(Role.VIEWER)
    token = client.cookies["zb_session"]
    refused = await client.post("/logout")  # no CSRF token: refused, still signed in
    assert refused.status_code == 403
    out = await client.post("/logout", data={"csrf_token": await csrf_of(client)})
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    client.cookies.set("zb_session", token)  # a copied cookie is worth nothing now
    assert (await client.get("/api/me")).status_code == 401


async def test_an_idle_session_or_a_disabled_user_is_signed_out(portal: Portal) -> None:
    client = await portal.signed_in(Role.VIEWER)
    portal.clock.advance(IDLE.total_seconds() - 60)
    assert (await client.get("/api/me")).status_code == 200  # use keeps it alive
    portal.clock.advance(IDLE.total_seconds() - 60)
    assert (await client.get("/api/me")).status_code == 200
    portal.clock.advance((IDLE + timedelta(minutes=1)).total_seconds())
    assert (await client.get("/api/me")).status_code == 401
    second = await portal.signed_in(Role.ADMIN, "second@example.edu")
    with portal.catalog.session() as session, session.begin():
        session.query(PortalUser).filter_by(email="second@example.edu").update({"disabled": True})
    assert (await second.get("/api/me")).status_code == 401


async def test_a_page_asked_for_without_a_session_leads_to_sign_in_and_back(
    portal: Portal,
) -> None:
    email = portal.add_user(Role.MANAGER)
    client = portal.client()
    asked = "/search?q=a%20b%2Bc%20%C3%BC"  # "a b+c ü", as a browser sends it
    page = await client.get(asked)
    assert page.status_code == 303
    form = await client.get(page.headers["location"])
    next_path = re.search(r'name="next" value="([^"]+)"', form.text)
    assert next_path is not None
    assert html.unescape(next_path.group(1)) == asked
    back = await sign_in(client, email, PASSWORD, next_path=asked)
    assert back.headers["location"] == asked
    found = await client.get(back.headers["location"])
    assert 'value="a b+c ü"' in found.text  # the query the person typed, not re-encoded


async def test_a_session_in_constant_use_still_ends_after_its_lifetime(portal: Portal) -> None:
    client = await portal.signed_in(Role.VIEWER)
    step = IDLE - timedelta(hours=1)
    used = timedelta(0)
    while used + step < LIFETIME:
        portal.clock.advance(step.total_seconds())
        used += step
        assert (await client.get("/api/me")).status_code == 200
    portal.clock.advance((LIFETIME - used + timedelta(minutes=1)).total_seconds())
    assert (await client.get("/api/me")).status_code == 401
