"""What the browser tests do alike: sign in through the login page, fill "Connect with
Zoom", and reload the status panel until a connection's sync round has finished."""

from __future__ import annotations

import re
import time
from datetime import datetime

from playwright.sync_api import Page, expect
from portal_helpers import PASSWORD

from zoombridge.emulator import DEFAULT_CREDENTIALS

__all__ = ["browser_sign_in", "connect_with_zoom", "last_attempt", "reload_until_finished"]


def browser_sign_in(page: Page, base: str, email: str, goal: str, password: str = PASSWORD) -> None:
    """Open `goal`, be sent to the login page, sign in and land on `goal`."""
    page.goto(f"{base}{goal}")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}{goal}")


def connect_with_zoom(page: Page, name: str, zoom_base: str) -> None:
    """On /connect: fill "Connect with Zoom" for the emulator's General app at `zoom_base`
    and send it (the browser goes on to Zoom's authorize page)."""
    form = page.locator("form#connect-with-zoom")
    form.get_by_label("Name in zoombridge").fill(name)
    form.get_by_label(re.compile("^Client ID")).fill(DEFAULT_CREDENTIALS["user_client_id"])
    form.get_by_label("Client secret").fill(DEFAULT_CREDENTIALS["user_client_secret"])
    form.locator("summary").click()
    form.get_by_label("API base URL").fill(f"{zoom_base}/v2")
    form.get_by_label("OAuth base URL").fill(zoom_base)
    form.get_by_role("button", name="Connect with Zoom").click()


def _process(page: Page, connection: str) -> str:
    return page.locator(f"section#{connection} dd.process").inner_text()


def last_attempt(page: Page, connection: str) -> datetime | None:
    """The connection's last sync attempt as the status panel shows it (its <time>'s
    datetime attribute, to the microsecond); None before the first."""
    found = page.locator(f"section#{connection} dt:text-is('Last sync attempt') + dd time")
    if found.count() == 0:
        return None
    return datetime.fromisoformat(found.get_attribute("datetime") or "")


def reload_until_finished(
    page: Page, connection: str, after: datetime | None, seconds: float
) -> datetime:
    """Reload /status until a round of `connection` that started after `after` (any round,
    if None) reads Finished; that round's start."""
    deadline = time.monotonic() + seconds
    while True:
        attempt = last_attempt(page, connection)
        started = attempt is not None and (after is None or attempt > after)
        if started and _process(page, connection) == "Finished":
            assert attempt is not None
            return attempt
        assert time.monotonic() < deadline, (_process(page, connection), attempt, after)
        time.sleep(0.3)
        page.reload()


def sync_now_until_finished(page: Page, connection: str, after: datetime | None) -> None:
    """Click "Sync now" on /status for `connection`, check it was asked, and wait for a round
    started after `after` to read Finished (its class too, which colours it)."""
    page.get_by_role("button", name="Sync now").click()
    expect(page).to_have_url(re.compile(rf"/status\?asked={connection}"))
    expect(page.get_by_role("status")).to_contain_text("Sync asked")
    reload_until_finished(page, connection, after, 60)
    expect(page.locator(f"section#{connection} dd.process")).to_have_class(
        re.compile(r"\bfinished\b")
    )
