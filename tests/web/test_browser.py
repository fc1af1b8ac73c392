"""The portal in a real browser (Debian's Chromium, driven by Playwright) over a real socket:
a manager signs in, reads the status panel, retries a failed file and searches a phrase.
The page must work under its own Content-Security-Policy: any violation fails the test."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from portal_helpers import PASSWORD, Portal, archive_with_troubles, open_portal

from zoombridge.accounts import Role
from zoombridge.archive.search_index import Document, index_meeting
from zoombridge.emulator.served import serve_asgi

CHROMIUM = Path(os.environ.get("ZOOMBRIDGE_CHROMIUM", "/usr/bin/chromium"))

try:
    from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the dev extras install it
    sync_playwright = None  # type: ignore[assignment]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if sync_playwright is None or not CHROMIUM.exists():
        reason = f"the browser tests need playwright and Chromium at {CHROMIUM}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (make test installs both)")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


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


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda m: _note(m, problems))
    opened.on("pageerror", lambda exc: problems.append(str(exc)))
    yield opened
    context.close()
    assert problems == [], problems  # CSP violations and script errors land here


def _note(message: ConsoleMessage, problems: list[str]) -> None:
    if message.type == "error":
        problems.append(message.text)


def _sign_in(page: Page, base: str, goal: str) -> None:
    page.goto(f"{base}{goal}")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("E-mail address").fill("ops@example.edu")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}{goal}")


def test_a_manager_reads_the_status_panel_and_retries_a_failed_file(
    site: tuple[Portal, str], page: Page
) -> None:
    _, base = site
    _sign_in(page, base, "/status")
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
    _sign_in(page, base, "/search")
    page.get_by_label("query").fill('"budget is due"')
    page.get_by_role("button", name="Search").click()
    hit = page.locator("ol.hits li").filter(has_text="Ada Lovelace")
    expect(hit).to_have_count(1)
    expect(hit.locator("mark").first).to_contain_text("budget")
    expect(hit).to_contain_text("at 0:01:35")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base}/login")
