from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from portal_helpers import Portal, portal_fixture

CHROMIUM = Path(os.environ.get("ZOOMBRIDGE_CHROMIUM", "/usr/bin/chromium"))

try:
    from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
except ImportError:  # pragma: no cover - the dev extras install it
    sync_playwright = None  # type: ignore[assignment]


@pytest.fixture
async def portal(tmp_path: Path) -> AsyncIterator[Portal]:
    async for opened in portal_fixture(tmp_path):
        yield opened


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright (its own browser download is not used)."""
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
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page; any console error (CSP violations, script errors) fails the test."""
    context = browser.new_context()
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda m: _note(m, problems))
    opened.on("pageerror", lambda exc: problems.append(str(exc)))
    yield opened
    context.close()
    assert problems == [], problems


def _note(message: ConsoleMessage, problems: list[str]) -> None:
    if message.type == "error":
        problems.append(message.text)
