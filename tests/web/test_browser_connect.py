"""An admin clicks "Connect with Zoom" in a real browser (Debian's Chromium, driven by
Playwright): the portal and Zoom (the emulator) each on a real socket, the browser goes to
Zoom's authorize page, which approves at once as the account owner, and comes back through
the portal's callback to the new connection's page. Under the portal's own
Content-Security-Policy: any violation fails the test."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import browser_sign_in, connect_with_zoom
from playwright.sync_api import Page, expect
from portal_helpers import START, Portal, open_portal

from zoombridge.accounts import Role
from zoombridge.archive.connections import get_info
from zoombridge.clock import ManualClock
from zoombridge.emulator import DEFAULT_CREDENTIALS, build_world
from zoombridge.emulator.served import Served, serve_asgi, serve_in_thread
from zoombridge.web.zoom_oauth import CALLBACK_PATH

APP_ID = DEFAULT_CREDENTIALS["user_client_id"]


@pytest.fixture
def zoom() -> Iterator[Served]:
    world = build_world("small", seed=3, users=2, phone=False, clock=ManualClock(START))
    with serve_in_thread(world) as served:
        yield served


@pytest.fixture
def site(tmp_path: Path, zoom: Served) -> Iterator[tuple[Portal, str]]:
    """The portal on its own socket, its callback registered in Zoom's General app."""
    portal = open_portal(tmp_path)
    portal.add_user(Role.ADMIN, "it@example.edu")
    try:
        with serve_asgi(portal.app) as base:  # type: ignore[arg-type]
            app = zoom.world.apps[APP_ID]
            callback = base + CALLBACK_PATH
            zoom.world.apps[APP_ID] = dataclasses.replace(
                app, redirect_uris=(*app.redirect_uris, callback)
            )
            yield portal, base
    finally:
        portal.catalog.dispose()


def test_an_admin_connects_with_zoom_in_the_browser(
    site: tuple[Portal, str], zoom: Served, page: Page
) -> None:
    portal, base = site
    browser_sign_in(page, base, "it@example.edu", "/connect")
    connect_with_zoom(page, "faculty", zoom.base)
    expect(page).to_have_url(f"{base}/connections/faculty?added=1")
    expect(page.get_by_role("status")).to_have_text("Connected.")
    expect(page.get_by_role("button", name="Reconnect with Zoom")).to_be_visible()
    assert zoom.count("GET", "/oauth/authorize") == 1  # the browser itself was at Zoom
    info = get_info(portal.catalog, portal.bridge.settings, "faculty")
    assert (info.auth, info.account_id) == ("oauth", zoom.world.account_id)
