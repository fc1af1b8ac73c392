"""Issue #5, end to end in a real browser (Debian's Chromium, driven by Playwright) inside one
running `zoombridge serve` on a fresh installation that has no Zoom connection yet: an admin
signs in, connects Zoom (the emulator, on a real socket) with "Connect with Zoom", configures
the new connection on its page (one Zoom user to sync, published into the library, segments
not joined), syncs it and watches its status reach Finished; what the sync archived honours
the settings. Under the portal's own Content-Security-Policy: any violation fails the test."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
from browser_helpers import (
    browser_sign_in,
    connect_with_zoom,
    reload_until_finished,
    sync_now_until_finished,
)
from playwright.sync_api import Page, expect
from portal_helpers import PASSWORD
from sqlalchemy import select

from shared_helpers import archived_rows, catalog_url, serving
from zoombridge.accounts import Role
from zoombridge.accounts.users import create_user
from zoombridge.app import ZoomBridge
from zoombridge.archive.connections import get_info
from zoombridge.archive.library import make_ref
from zoombridge.clock import ShiftedClock
from zoombridge.db import Catalog
from zoombridge.db.models import MediaAsset, Meeting
from zoombridge.emulator import DEFAULT_CREDENTIALS, DEMO_EPOCH, build_world
from zoombridge.emulator.served import Served, serve_in_thread
from zoombridge.settings import Settings
from zoombridge.web.zoom_oauth import CALLBACK_PATH

APP_ID = DEFAULT_CREDENTIALS["user_client_id"]
CHOSEN, OTHER = "grace@example.edu", "ada@example.edu"


def _connect_with_zoom(page: Page, base: str, zoom: Served) -> None:
    connect_with_zoom(page, "faculty", zoom.base)
    expect(page).to_have_url(f"{base}/connections/faculty?added=1")
    expect(page.get_by_role("status")).to_have_text("Connected.")


def _configure(page: Page, base: str) -> None:
    form = page.locator("form.settings")
    expect(form.get_by_label("Sync this connection")).to_be_checked()
    form.get_by_label(re.compile("^Zoom users to sync")).fill(CHOSEN)
    form.get_by_label("Join a meeting's stop/start segments into one recording").uncheck()
    form.get_by_label("Publish status").select_option("published")
    form.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{base}/connections/faculty?saved=1")
    expect(page.get_by_role("status")).to_have_text("Saved.")
    # what the page shows now is what was saved
    expect(form.get_by_label(re.compile("^Zoom users to sync"))).to_have_value(CHOSEN)
    expect(
        form.get_by_label("Join a meeting's stop/start segments into one recording")
    ).not_to_be_checked()
    expect(form.get_by_label("Publish status")).to_have_value("published")


@contextlib.contextmanager
def _catalog(bridge: ZoomBridge) -> Iterator[Catalog]:
    catalog = bridge.catalog()
    try:
        yield catalog
    finally:
        catalog.dispose()


def _record(zoom: Served, host: str) -> str:
    """A meeting of `host` that just ended with a cloud recording in Zoom; its UUID."""
    made = httpx.post(
        f"{zoom.base}/_emulator/meetings/record",
        json={"host": host, "late_transcript": False},
        timeout=10,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["uuid"])


def test_an_admin_connects_zoom_configures_the_connection_and_its_sync_finishes(
    tmp_path: Path, page: Page
) -> None:
    clock = ShiftedClock(DEMO_EPOCH)
    world = build_world("small", seed=3, users=3, meetings_per_user=2, phone=False, clock=clock)
    home = tmp_path / "home"
    start = (DEMO_EPOCH - timedelta(days=120)).date()
    # a fresh installation: no Zoom credentials in its settings; Zoom only over the network
    settings = Settings.model_validate(
        {"home": home, "archive": {"start_date": start, "poll_seconds": 3600}}
    )
    bridge = ZoomBridge(settings, clock=clock)
    catalog = bridge.catalog()
    create_user(catalog, "it@example.edu", Role.ADMIN, clock.now(), password=PASSWORD)
    catalog.dispose()
    with serve_in_thread(world) as zoom, serving(bridge) as base:
        app = world.apps[APP_ID]
        world.apps[APP_ID] = dataclasses.replace(
            app, redirect_uris=(*app.redirect_uris, base + CALLBACK_PATH)
        )
        browser_sign_in(page, base, "it@example.edu", "/connect")
        _connect_with_zoom(page, base, zoom)
        assert zoom.count("GET", "/oauth/authorize") == 1  # the browser itself was at Zoom
        # connected, the service syncs it at once (every user: nothing is configured yet)
        saving = clock.now()
        _configure(page, base)

        # saving restarted its sync with the new settings: a round after the save finishes
        page.goto(f"{base}/status")
        configured = reload_until_finished(page, "faculty", saving, 60)
        archived = page.locator("section#faculty dt:text-is('Archived') + dd")
        expect(archived).not_to_have_text("0 B")
        authorization = page.locator("section#faculty dt:text-is('Authorization') + dd")
        expect(authorization).to_have_text("authorized")

        # Two meetings end with cloud recordings (three segments each), one hosted by the
        # chosen user and one by another; "Sync now" syncs them by the saved settings.
        made = {host: _record(zoom, host) for host in (CHOSEN, OTHER)}
        asked = clock.now()  # the round to wait for starts after this: the meetings exist
        assert asked > configured
        sync_now_until_finished(page, "faculty", asked)

        # the library: the chosen user's new recording, published; the other's is not there
        with _catalog(bridge) as catalog:
            connection_id = bridge.connection_id(catalog, "faculty")
        page.goto(f"{base}/library")
        chosen = page.locator("table.library tbody tr").filter(
            has=page.locator(f'a[href="/recordings/{make_ref(connection_id, made[CHOSEN])}"]')
        )
        expect(chosen).to_have_count(1)
        expect(chosen.locator("td").nth(1)).to_have_text(CHOSEN)
        expect(chosen.locator("td.status")).to_have_text("published")
        other = f'a[href="/recordings/{make_ref(connection_id, made[OTHER])}"]'
        expect(page.locator(other)).to_have_count(0)
        page.goto("about:blank")  # nothing left to load when the service stops

    # the catalog: every file of the chosen user's new meeting archived, its media processed
    # without joining its segments; nothing at all of the other user's
    zoom_files = list(world.instances[made[CHOSEN]].all_files())
    rows = archived_rows(catalog_url(home), connection_id=connection_id, meeting_uuid=made[CHOSEN])
    assert len(rows) == len(zoom_files) > 0
    assert not archived_rows(
        catalog_url(home), connection_id=connection_id, meeting_uuid=made[OTHER]
    )
    with _catalog(bridge) as catalog, catalog.session() as session:
        info = get_info(catalog, settings, "faculty")
        hosts = {
            m.uuid: m.host_email
            for m in session.scalars(select(Meeting).filter_by(connection_id=connection_id))
        }
        kinds = set(
            session.scalars(
                select(MediaAsset.kind).filter_by(
                    connection_id=connection_id, meeting_uuid=made[CHOSEN]
                )
            )
        )
    assert (info.auth, info.account_id) == ("oauth", world.account_id)  # made by the OAuth flow
    assert hosts[made[CHOSEN]] == CHOSEN
    assert made[OTHER] not in hosts
    assert "thumbnail" in kinds, kinds  # its media were processed...
    assert "joined" not in kinds, kinds  # ...and its three segments were not joined
