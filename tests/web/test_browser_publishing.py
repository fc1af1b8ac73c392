"""Publishing, moderation and the sync panel in a real browser (Debian's Chromium, driven by
Playwright) over real sockets: a host made an author by the archive opens the link their
letter carries, sets a password and signs in; a Manager approves a recording in the
moderation queue and a Viewer then finds it; an admin starts a sync from the status panel
of a running `zoombridge serve` and watches it reach Finished. Under the portal's own
Content-Security-Policy: any violation fails the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import (
    browser_sign_in,
    last_attempt,
    reload_until_finished,
    sync_now_until_finished,
)
from library_helpers import archive_once, library_portal, with_joined_video
from playwright.sync_api import Page, expect
from portal_helpers import PASSWORD
from publishing_helpers import small_world, synced_portal

from shared_helpers import archive_settings, serving
from smtp_helpers import Inbox, smtp_server
from zoombridge.accounts import Role
from zoombridge.accounts.users import create_user
from zoombridge.app import ZoomBridge
from zoombridge.archive.library import parse_ref
from zoombridge.archive.moderation import set_moderation
from zoombridge.archive.publishing import save_publishing
from zoombridge.clock import ManualClock, ShiftedClock
from zoombridge.db import Catalog
from zoombridge.db.models import LibraryEntry
from zoombridge.emulator import DEMO_EPOCH, build_world, create_app
from zoombridge.emulator.served import serve_asgi
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.emulator.world import World


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


def test_a_host_made_author_sets_a_password_from_the_letter_and_signs_in(
    tmp_path: Path, inbox: Inbox, page: Page
) -> None:
    def prepare(catalog: Catalog, connection_id: int, clock: ManualClock) -> None:
        admin = create_user(catalog, "it@example.edu", Role.ADMIN, clock.now(), password=PASSWORD)
        save_publishing(catalog, connection_id, "zoom_user", "draft", admin.id, clock.now())

    portal = synced_portal(tmp_path, small_world(), prepare, inbox=inbox)
    try:
        letters = {letter.envelope_to[0]: letter for letter in inbox.wait_for(2)}
        token = letters["grace@example.edu"].token()
        with serve_asgi(portal.app) as base:  # type: ignore[arg-type]
            page.goto(f"{base}/password/{token}")
            expect(page.get_by_role("heading", name="Welcome to zoombridge")).to_be_visible()
            page.get_by_label("New password").fill("grace's own passphrase")
            page.get_by_label("The same again").fill("grace's own passphrase")
            page.get_by_role("button", name="Set password").click()
            expect(page.get_by_role("status")).to_contain_text("You can now sign in")
            browser_sign_in(page, base, "grace@example.edu", "/library", "grace's own passphrase")
            rows = page.locator("table.library tbody tr")
            expect(rows).to_have_count(
                3
            )  # her three recordings, drafts only she (and Managers) see
            expect(rows.first.locator("td.status")).to_have_text("draft")
            rows.first.locator("a").click()
            expect(page.locator("#sharing")).to_be_visible()  # she manages what she authored
            # The player is still fetching media: leave before the server stops, or the
            # refused request counts as a console error.
            page.goto("about:blank")
    finally:
        portal.catalog.dispose()


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    return archive_once(tmp_path_factory.mktemp("browser-moderation"))


def test_a_manager_approves_a_recording_and_a_viewer_then_sees_it(
    archived: tuple[Path, World], tmp_path: Path, page: Page
) -> None:
    portal = library_portal(archived, tmp_path)
    ref = with_joined_video(portal)
    connection_id, uuid = parse_ref(ref)
    now = portal.clock.now()
    portal.add_user(Role.MANAGER, "boss@example.edu")
    portal.add_user(Role.VIEWER, "viewer@example.edu")
    set_moderation(portal.catalog, True, 1, now)
    with portal.catalog.session() as session, session.begin():
        session.add(
            LibraryEntry(
                connection_id=connection_id,
                meeting_uuid=uuid,
                status="pending_review",
                visibility="signed_in",
                updated_at=now,
                submitted_at=now,
            )
        )
    try:
        with serve_asgi(portal.app) as base:  # type: ignore[arg-type]
            viewer = page.context.browser.new_context().new_page()  # type: ignore[union-attr]
            browser_sign_in(viewer, base, "viewer@example.edu", "/library")
            expect(viewer.locator("table.library tbody tr")).to_have_count(0)
            browser_sign_in(page, base, "boss@example.edu", "/moderation")
            row = page.locator(f'tr[id="review-{ref}"]')
            expect(row).to_have_count(1)
            row.get_by_role("button", name="Approve").click()
            expect(page.get_by_role("status")).to_contain_text("Approved")
            expect(page.locator("table.moderation")).to_have_count(0)
            viewer.reload()
            shown = viewer.locator(f'table.library a[href="/recordings/{ref}"]')
            expect(shown).to_have_count(1)
            shown.click()
            expect(viewer.locator("#player")).to_be_visible()
            viewer.context.close()
    finally:
        portal.catalog.dispose()


def test_an_admin_starts_a_sync_from_the_status_panel_and_it_finishes(
    tmp_path: Path, page: Page
) -> None:
    clock = ShiftedClock(DEMO_EPOCH)
    world = build_world("small", seed=3, users=3, meetings_per_user=2, phone=False, clock=clock)
    settings = archive_settings(tmp_path / "home", world, poll_seconds=3600)
    bridge = ZoomBridge(settings, transport=EmulatorTransport(create_app(world)), clock=clock)
    catalog = bridge.catalog()
    create_user(catalog, "it@example.edu", Role.ADMIN, clock.now(), password=PASSWORD)
    catalog.dispose()
    with serving(bridge) as base:
        browser_sign_in(page, base, "it@example.edu", "/status")
        reload_until_finished(page, "default", None, 60)  # the round serve runs when it starts
        archived = page.locator("section#default dt:text-is('Archived') + dd")
        expect(archived).not_to_have_text("0 B")
        before = last_attempt(page, "default")
        # the next round is an hour away (poll_seconds): only the button starts one now
        sync_now_until_finished(page, "default", before)
        page.goto("about:blank")  # nothing left to load when the service stops
