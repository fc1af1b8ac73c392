"""The portal in a real browser (Debian's Chromium, driven by Playwright) over a real socket:
a manager signs in, reads the status panel, retries a failed file and searches a phrase.
The page must work under its own Content-Security-Policy: any violation fails the test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import browser_sign_in
from library_helpers import archive_once, library_portal, spoken, with_joined_video
from playwright.sync_api import Browser, Page, expect
from portal_helpers import Portal, archive_with_troubles, open_portal

from zoombridge.accounts import Role
from zoombridge.archive.library import parse_ref
from zoombridge.archive.search_index import Document, index_meeting
from zoombridge.db.models import LibraryEntry
from zoombridge.emulator.served import serve_asgi
from zoombridge.emulator.world import World


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Portal, str]]:
    portal = open_portal(tmp_path)
    archive_with_troubles(portal)
    said = "we agreed the budget is due next quarter"
    index_meeting(portal.catalog, 1, "m1", [Document("transcript", said, "Ada Lovelace", 95.0)])
    portal.add_user(Role.MANAGER, "ops@example.edu")
    try:
        with serve_asgi(portal.app) as base:  # type: ignore[arg-type]
            yield portal, base
    finally:
        portal.catalog.dispose()


def test_a_manager_reads_the_status_panel_and_retries_a_failed_file(
    site: tuple[Portal, str], page: Page
) -> None:
    _, base = site
    browser_sign_in(page, base, "ops@example.edu", "/status")
    expect(page.get_by_role("heading", name="Sync status")).to_be_visible()
    expect(page.locator("svg.days")).to_have_count(3)
    # the last attempt is shown in the reader's time zone (its UTC form in the tooltip)
    expect(page.locator("table.attention time").first).to_have_attribute(
        "title", re.compile("UTC$")
    )
    failed = page.locator("table.attention tr.failed")
    expect(failed).to_contain_text("Zoom answered 500 three times")
    failed.get_by_role("button", name="Retry").click()
    expect(page).to_have_url(f"{base}/status#default")
    expect(page.locator("table.attention tr.failed")).to_have_count(0)
    expect(page.locator("table.attention tr.flagged")).to_contain_text("does not decode")


def test_a_manager_searches_a_spoken_phrase_and_sees_where_it_was_said(
    site: tuple[Portal, str], page: Page
) -> None:
    _, base = site
    browser_sign_in(page, base, "ops@example.edu", "/search")
    page.get_by_label("query").fill('"budget is due"')
    page.get_by_role("button", name="Search").click()
    hit = page.locator("ol.hits li").filter(has_text="Ada Lovelace")
    expect(hit).to_have_count(1)
    expect(hit.locator("mark").first).to_contain_text("budget")
    expect(hit).to_contain_text("at 0:01:35")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base}/login")


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    return archive_once(tmp_path_factory.mktemp("browser-library"))


def test_a_viewer_searches_a_spoken_phrase_and_the_player_jumps_to_it(
    archived: tuple[Path, World], tmp_path: Path, page: Page
) -> None:
    portal = library_portal(archived, tmp_path)
    ref = with_joined_video(portal)
    said, at = spoken(portal, parse_ref(ref)[1])
    with portal.catalog.session() as session, session.begin():
        connection_id, uuid = parse_ref(ref)
        session.add(
            LibraryEntry(
                connection_id=connection_id,
                meeting_uuid=uuid,
                status="published",
                visibility="signed_in",
                updated_at=portal.clock.now(),
            )
        )
    portal.add_user(Role.VIEWER, "ops@example.edu")
    try:
        with serve_asgi(portal.app) as base:  # type: ignore[arg-type]
            browser_sign_in(page, base, "ops@example.edu", "/search")
            page.get_by_label("query").fill(f'"{said}"')
            page.get_by_role("button", name="Search").click()
            page.locator(f'ol.hits li a[href="/recordings/{ref}#t={at}"]').first.click()
            expect(page).to_have_url(re.compile(r"/recordings/.+#t="))
            player = page.locator("#player")
            page.wait_for_function(
                "(at) => Math.abs(document.getElementById('player').currentTime - at) < 0.5",
                arg=at,
            )
            current = page.locator("#transcript li.now")
            expect(current).to_contain_text(said)
            # a click on another line's time moves the player there
            other = page.locator("#transcript li[data-at]").first
            other.locator("button.at").click()
            first_at = float(other.get_attribute("data-at") or "nan")
            page.wait_for_function(
                "(at) => Math.abs(document.getElementById('player').currentTime - at) < 0.5",
                arg=first_at,
            )
            expect(player).to_be_visible()
            # another timeline (one of Zoom's segment files): the panel says so and rests
            note = page.locator("#timeline-note")
            expect(note).to_be_hidden()
            page.locator('ul.sources a[data-joined="no"]').first.click()
            expect(note).to_be_visible()
            expect(page.locator("#transcript li.now")).to_have_count(0)
            page.locator('ul.sources a[data-joined="yes"]').first.click()
            expect(note).to_be_hidden()
            page.goto("about:blank")  # the player still loads media: leave before the server stops
    finally:
        portal.catalog.dispose()


def test_a_manager_shares_a_public_link_that_plays_and_then_expires(
    archived: tuple[Path, World], tmp_path: Path, page: Page, browser: Browser
) -> None:
    portal = library_portal(archived, tmp_path)
    ref = with_joined_video(portal)
    portal.add_user(Role.MANAGER, "ops@example.edu")
    try:
        with serve_asgi(portal.app) as base:  # type: ignore[arg-type]
            browser_sign_in(page, base, "ops@example.edu", f"/recordings/{ref}")
            sharing = page.locator("#sharing")
            sharing.get_by_label("Status").select_option("published")
            sharing.get_by_role("button", name="Save sharing").click()
            sharing.get_by_label("Valid for").fill("2")
            sharing.get_by_role("button", name="Make a public link").click()
            link = page.get_by_label("new public link").input_value()
            assert link.startswith(f"{base}/shared/zbp_")
            stranger = browser.new_context().new_page()  # nobody signed in
            stranger.goto(link)
            expect(stranger.locator("#sharing")).to_have_count(0)
            stranger.wait_for_function("document.getElementById('player').readyState >= 1")
            duration = stranger.evaluate("document.getElementById('player').duration")
            assert duration > 1
            portal.clock.advance(2 * 86400 + 1)
            gone = stranger.goto(link)
            assert gone is not None
            assert gone.status == 404
            stranger.context.close()
            page.goto("about:blank")  # the player still loads media: leave before the server stops
    finally:
        portal.catalog.dispose()
