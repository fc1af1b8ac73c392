"""The sync status panel: what needs a look and why, a retry per failed file, and what was
archived and freed day by day; each with its JSON twin."""

from __future__ import annotations

import pytest
from portal_helpers import Portal, archive_with_troubles, csrf_of

from zoombridge.accounts import Role
from zoombridge.db.models import FileState, RecordingFileRow

pytestmark = pytest.mark.anyio


async def test_the_panel_says_what_needs_a_look_and_why(portal: Portal) -> None:
    archive_with_troubles(portal)
    client = await portal.signed_in(Role.MANAGER)
    page = (await client.get("/status")).text
    assert "Zoom answered 500 three times" in page
    assert "Zoom is still producing it" in page
    assert "archived as Zoom served it, but does not decode" in page
    assert "Budget &lt;review&gt;" in page
    assert page.count(">Retry</button>") == 1  # only the failed file can be retried
    assert "recordings archived per day" in page
    assert "storage freed in Zoom per day" in page
    twin = (await client.get("/api/connections/default/attention")).json()
    assert [(i["file_id"], i["state"], i["retryable"]) for i in twin] == [
        ("bad", "failed", True),
        ("flag", "flagged", False),
        ("wait", "processing", False),
    ]


async def test_activity_per_day_counts_recordings_bytes_and_what_was_freed(
    portal: Portal,
) -> None:
    archive_with_troubles(portal)
    client = await portal.signed_in(Role.MANAGER)
    days = (await client.get("/api/connections/default/activity", params={"days": 3})).json()
    assert days == [
        {"day": "2026-11-21", "recordings": 0, "bytes_archived": 0, "bytes_freed": 0},
        {"day": "2026-11-22", "recordings": 1, "bytes_archived": 5_000_000, "bytes_freed": 0},
        {"day": "2026-11-23", "recordings": 1, "bytes_archived": 7, "bytes_freed": 3_000_000},
    ]
    too_many = await client.get("/api/connections/default/activity", params={"days": 5000})
    assert too_many.status_code == 422


async def test_retrying_a_failed_file_queues_it_once(portal: Portal) -> None:
    archive_with_troubles(portal)
    client = await portal.signed_in(Role.MANAGER)
    form = {"csrf_token": await csrf_of(client)}
    done = await client.post("/status/default/files/bad/retry", data=form)
    assert (done.status_code, done.headers["location"]) == (303, "/status#default")
    with portal.catalog.session() as session:
        row = session.get(RecordingFileRow, (1, "bad"))
        assert row is not None
        assert (row.state, row.attempt) == (FileState.PENDING, 1)
    again = await client.post("/status/default/files/bad/retry", data=form)
    assert again.status_code == 409
    headers = {"x-csrf-token": form["csrf_token"]}
    archived = await client.post("/api/connections/default/files/ok/retry", headers=headers)
    assert archived.status_code == 409  # an archived file is never fetched again by hand
    nowhere = await client.post("/api/connections/elsewhere/files/bad/retry", headers=headers)
    assert nowhere.status_code == 404
    with portal.catalog.session() as session:
        assert session.get(RecordingFileRow, (1, "ok")).state == FileState.ARCHIVED  # type: ignore[union-attr]
