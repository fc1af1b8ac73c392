"""The scheduling form in a real browser (Chromium through Playwright, over a real socket,
under the portal's Content-Security-Policy): a Manager schedules a meeting from a pool and
finds it on the chosen host's week, then a second one in the same slot goes to another host."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import browser_sign_in
from meetings_portal_helpers import host, served_with_hosts
from playwright.sync_api import Page, expect
from portal_helpers import Portal

from zoombridge.emulator.world import World


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Portal, World, str]]:
    """Hosts synced and pool P saved through the API by a Manager's token."""
    with served_with_hosts(tmp_path, 2) as (portal, world, base, api):
        members = {"hosts": [host(0), host(1)]}
        assert api.put("/api/meetings/pools/P", json=members).status_code == 200
        yield portal, world, base


def _schedule(page: Page, base: str, topic: str) -> None:
    page.goto(f"{base}/meetings/new")
    page.locator("input[name=topic]").fill(topic)
    page.locator("input[name=start_time]").fill("2026-03-09T10:00")
    page.locator("input[name=timezone]").fill("UTC")
    page.locator("input[name=duration]").fill("90")
    page.locator("select[name=pool]").select_option("P")
    page.get_by_label("Waiting room").check()
    page.get_by_role("button", name="Schedule").click()


def test_a_manager_schedules_from_a_pool_and_sees_it_on_the_hosts_week(
    site: tuple[Portal, World, str], page: Page
) -> None:
    _, world, base = site
    browser_sign_in(page, base, "ops@example.edu", "/meetings/new")

    _schedule(page, base, "Thermodynamics")
    expect(page).to_have_url(re.compile(r"/meetings/calendar\?host=host0%40example\.edu"))
    expect(page.get_by_role("status")).to_contain_text("with host0@example.edu")
    row = page.locator("table.bookings tr").filter(has_text="Thermodynamics")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("zoombridge")
    bar = page.locator("svg.timeline rect.booking.ours")
    expect(bar).to_have_count(1)
    # In the host's own Zoom time zone until the viewer chooses another
    expect(bar.locator("title")).to_contain_text("Thermodynamics (06:00–07:30 America/New_York)")
    made = [m for m in world.meetings.values() if m.topic == "Thermodynamics"]
    assert len(made) == 1
    assert made[0].settings.get("waiting_room") is True

    _schedule(page, base, "Statistics")  # host0 may run two at once, but host1 is less busy
    expect(page).to_have_url(re.compile(r"host=host1%40example\.edu"))
    expect(page.locator("table.bookings tr").filter(has_text="Statistics")).to_have_count(1)
    page.goto(f"{base}/meetings")
    expect(page.locator("table.meetings tbody tr")).to_have_count(2)
