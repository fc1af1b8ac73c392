"""A meeting's page in a real browser (Chromium through Playwright, over a real socket, under
the portal's Content-Security-Policy): a Manager checks a move to a host who has not granted
the current host scheduling privilege, reads what is missing, chooses to recreate with a new
link, and lands on the new meeting's page with its new Zoom ID."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import browser_sign_in
from meetings_portal_helpers import MONDAY_10, host, served_with_hosts
from playwright.sync_api import Page, expect
from portal_helpers import Portal

from zoombridge.emulator.world import World


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Portal, World, str, int]]:
    """Two licensed hosts synced; meeting "Thermodynamics" made for host0 through the API."""
    with served_with_hosts(tmp_path, 2) as (portal, world, base, api):
        draft = {"topic": "Thermodynamics", "host": host(0), "duration": 60}
        made = api.post("/api/meetings", json=draft | {"start_time": MONDAY_10.isoformat()})
        assert made.status_code == 201, made.text
        yield portal, world, base, made.json()["zoom_id"]


def test_a_manager_checks_a_move_sees_what_is_missing_and_recreates_with_a_new_link(
    site: tuple[Portal, World, str, int], page: Page
) -> None:
    _, world, base, old_zoom_id = site
    browser_sign_in(page, base, "ops@example.edu", "/meetings")
    page.get_by_role("link", name="Thermodynamics").click()
    expect(page).to_have_url(re.compile(r"/meetings/1\?"))
    expect(page.locator("#zoom-id")).to_have_text(str(old_zoom_id))
    expect(page.locator("#state")).to_contain_text("active")

    page.get_by_label("New host").select_option(host(1))
    page.get_by_role("button", name="Check the move").click()
    preflight = page.locator("#preflight")
    expect(preflight).to_contain_text("Moving to host1@example.edu")
    expect(preflight.locator("ul.missing.in-place li")).to_have_text(
        [
            "host0@example.edu has no scheduling privilege for host1@example.edu (in Zoom, "
            "add host0@example.edu as an assistant of host1@example.edu)"
        ]
    )
    expect(page.get_by_role("button", name="Move keeping the link")).to_have_count(0)
    assert world.meetings[old_zoom_id].deleted_at is None  # checking changed nothing

    page.get_by_role("button", name="Recreate with a new link").click()
    expect(page).to_have_url(re.compile(r"/meetings/2\?recreated=1"))
    expect(page.get_by_role("status")).to_contain_text("made to replace meeting 1")
    alive = [
        m for m in world.meetings.values() if m.deleted_at is None and m.topic == "Thermodynamics"
    ]
    assert len(alive) == 1
    new = alive[0]
    h1 = world.find_user(host(1))
    assert h1 is not None
    assert (new.host_id, new.id != old_zoom_id) == (h1.id, True)
    expect(page.locator("#zoom-id")).to_have_text(str(new.id))
    expect(page.locator(".meeting-facts")).to_contain_text(host(1))
    assert world.meetings[old_zoom_id].deleted_at is not None
