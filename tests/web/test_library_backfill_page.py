"""A connection's default visibility for new library entries, and the library settings
page's "Add missing recordings" button (the backfill) with its JSON twin."""

from __future__ import annotations

from pathlib import Path

import pytest
from portal_helpers import PASSWORD, Portal, csrf_of, sign_in
from publishing_helpers import entries, small_world, synced_portal

from zoombridge.accounts import Role
from zoombridge.accounts.users import create_user
from zoombridge.archive.publishing import read_publishing, save_publishing
from zoombridge.clock import ManualClock
from zoombridge.db import Catalog

pytestmark = pytest.mark.anyio


def _nothing(catalog: Catalog, connection_id: int, clock: ManualClock) -> None:
    """Archive before anyone saved publishing: no entries are made."""


async def test_author_only_by_default_hides_published_recordings_until_shared(
    tmp_path: Path,
) -> None:
    def prepare(catalog: Catalog, connection_id: int, clock: ManualClock) -> None:
        admin = create_user(catalog, "it@example.edu", Role.ADMIN, clock.now(), password=PASSWORD)
        save_publishing(catalog, connection_id, "me", "published", admin.id, clock.now(), "author")

    portal = synced_portal(tmp_path, small_world(), prepare)
    try:
        made = entries(portal.catalog)
        assert len(made) == 6
        assert {(e.status, e.visibility) for e, _ in made} == {("published", "author")}
        viewer = await portal.signed_in(Role.VIEWER, "viewer@example.edu")
        assert (await viewer.get("/api/library")).json()["recordings"] == []
        author = portal.client()
        assert (await sign_in(author, "it@example.edu", PASSWORD)).status_code == 303
        assert len((await author.get("/api/library")).json()["recordings"]) == 6
    finally:
        portal.catalog.dispose()


async def test_the_connection_page_shows_and_saves_the_default_visibility(
    portal: Portal,
) -> None:
    admin = await portal.signed_in(Role.ADMIN)
    csrf = await csrf_of(admin)
    page = await admin.get("/connections/default")
    assert 'name="default_visibility"' in page.text
    form = {"enabled": "true", "publish_as": "me", "publish_status": "published"}
    saved = await admin.post(
        "/connections/default", data=form | {"default_visibility": "author", "csrf_token": csrf}
    )
    assert saved.status_code == 303
    shown = (await admin.get("/api/connections/default/settings")).json()
    assert shown["default_visibility"] == "author"
    assert read_publishing(portal.catalog, 1).default_visibility == "author"
    page = await admin.get("/connections/default")
    assert '<option value="author" selected>' in page.text
    headers = {"x-csrf-token": csrf}
    for bad in ("everyone", "chosen", ""):
        body = {"enabled": True, "default_visibility": bad}
        refused = await admin.put("/api/connections/default/settings", json=body, headers=headers)
        assert refused.status_code == 422, bad
        assert "default visibility" in refused.json()["detail"]
    refused = await admin.post(
        "/connections/default", data=form | {"default_visibility": "public", "csrf_token": csrf}
    )
    assert refused.status_code == 422
    assert read_publishing(portal.catalog, 1).default_visibility == "author"
    kept = await admin.put(
        "/api/connections/default/settings",
        json={"enabled": True, "publish_status": "draft"},
        headers=headers,
    )
    assert kept.json()["default_visibility"] == "author"  # not sent: kept


async def test_the_button_adds_the_missing_entries_once(tmp_path: Path) -> None:
    portal = synced_portal(tmp_path, small_world(), _nothing)
    try:
        assert entries(portal.catalog) == []
        admin = await portal.signed_in(Role.ADMIN, "it@example.edu")
        viewer = await portal.signed_in(Role.VIEWER, "viewer@example.edu")
        csrf = await csrf_of(admin)
        headers = {"x-csrf-token": csrf}
        skipped = (await admin.post("/api/library/backfill", headers=headers)).json()
        assert skipped[0]["added"] == 0
        assert "publishing" in skipped[0]["skipped"]
        assert entries(portal.catalog) == []

        settings = await admin.get("/library/settings")
        assert 'action="/library/backfill"' in settings.text
        form = {"enabled": "true", "publish_as": "me", "publish_status": "published"}
        saved = await admin.post("/connections/default", data=form | {"csrf_token": csrf})
        assert saved.status_code == 303
        pressed = await admin.post("/library/backfill", data={"csrf_token": csrf})
        assert pressed.status_code == 200
        assert "default: 6 added (6 were missing)" in pressed.text
        made = entries(portal.catalog)
        assert {(e.status, e.visibility) for e, _ in made} == {("published", "signed_in")}
        assert len((await viewer.get("/api/library")).json()["recordings"]) == 6

        again = (await admin.post("/api/library/backfill", headers=headers)).json()
        assert again == [{"connection": "default", "missing": 0, "added": 0, "skipped": None}]
        assert [(e.meeting_uuid, e.updated_at) for e, _ in entries(portal.catalog)] == [
            (e.meeting_uuid, e.updated_at) for e, _ in made
        ]
        forged = await admin.post("/library/backfill", data={})
        assert forged.status_code == 403
    finally:
        portal.catalog.dispose()
