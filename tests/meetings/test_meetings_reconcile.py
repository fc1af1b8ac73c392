"""The reconcile catches what webhooks did not say: a deletion or an edit whose event was lost,
a conversion, expired meeting IDs (expected, not missing); an API error is "unknown" and
changes nothing."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from meetings_helpers import NOW, Bench
from sqlalchemy import update

from zoombridge.db.meeting_models import ScheduledMeeting
from zoombridge.emulator.app import create_app
from zoombridge.meetings.reconcile import reconcile
from zoombridge.zoom.meetings import delete_meeting, update_meeting

pytestmark = pytest.mark.anyio


async def test_a_deletion_whose_webhook_was_lost_is_found_and_told(synced: Bench) -> None:
    kept = await synced.schedule(topic="Kept")
    gone = await synced.schedule(topic="Deleted in Zoom", links=2)
    await delete_meeting(synced.zoom, gone.zoom_id or 0)
    synced.drop_webhooks()  # Zoom gave up delivering meeting.deleted

    report = await reconcile(synced.ctx)

    assert report.counts() == {
        "unchanged": 1,
        "changed": 0,
        "missing": 1,
        "expired": 0,
        "unknown": 0,
    }
    assert [(i.meeting_id, i.outcome) for i in report.items] == [
        (kept.id, "unchanged"),
        (gone.id, "missing"),
    ]
    assert synced.row(gone.id).state == "missing"
    assert synced.bookings(scheduled_meeting_id=gone.id) == []
    assert synced.links(gone.id) == 2
    assert synced.row(kept.id).state == "active"
    assert [(n.kind, n.meeting_id, n.detail) for n in synced.notices] == [
        ("deleted_in_zoom", gone.id, "the nightly reconcile")
    ]
    assert report.as_dict()["meetings"] == [
        {
            "meeting_id": gone.id,
            "zoom_id": gone.zoom_id,
            "topic": "Deleted in Zoom",
            "outcome": "missing",
            "detail": "the nightly reconcile",
        }
    ]
    # the next night: missing is not read again, nobody is told twice
    calls = synced.zoom.stats.api_calls
    again = await reconcile(synced.ctx)
    assert [i.meeting_id for i in again.items] == [kept.id]
    assert synced.zoom.stats.api_calls == calls + 1
    assert len(synced.notices) == 1


async def test_an_edit_or_conversion_whose_webhook_was_lost_is_copied(synced: Bench) -> None:
    edited = await synced.schedule(topic="Old name")
    converted = await synced.schedule(host=0, topic="Town hall")
    await update_meeting(synced.zoom, edited.zoom_id or 0, {"topic": "New name"})
    admin = httpx.AsyncClient(transport=httpx.ASGITransport(create_app(synced.world)))
    async with admin:
        answer = await admin.post(f"http://emulator/_emulator/meetings/{converted.zoom_id}/convert")
        assert answer.status_code == 200
    synced.drop_webhooks()

    report = await reconcile(synced.ctx)

    assert report.counts()["changed"] == 2
    assert synced.row(edited.id).topic == "New name"
    assert synced.row(converted.id).webinar
    kinds = {n.meeting_id: n.changes for n in synced.notices}
    assert kinds[edited.id]["topic"] == ("Old name", "New name")
    assert kinds[converted.id]["kind"] == ("meeting", "webinar")


async def test_an_api_error_is_unknown_and_changes_nothing(synced: Bench) -> None:
    row = await synced.schedule()
    await delete_meeting(synced.zoom, row.zoom_id or 0)
    synced.drop_webhooks()
    synced.world.faults.server_error_rate = 1.0

    report = await reconcile(synced.ctx)

    [item] = report.items
    assert item.outcome == "unknown"
    assert "500" in item.detail or "server" in item.detail
    assert synced.row(row.id).state == "active"
    assert len(synced.bookings(scheduled_meeting_id=row.id)) == 1
    assert synced.notices == []

    synced.world.faults.server_error_rate = 0.0
    assert (await reconcile(synced.ctx)).counts()["missing"] == 1


async def test_expired_meeting_ids_are_expected_not_missing(synced: Bench) -> None:
    long_past = await synced.schedule(
        topic="Last term", start_time=(NOW - timedelta(days=40)).isoformat()
    )
    recent = await synced.schedule(
        topic="Last week", start_time=(NOW - timedelta(days=7)).isoformat()
    )
    standing = await synced.schedule(topic="Office hours", type=3)
    with synced.catalog.session() as session, session.begin():
        session.execute(
            update(ScheduledMeeting)
            .where(ScheduledMeeting.id == standing.id)
            .values(created_at=NOW - timedelta(days=400))
        )
    # Zoom let both IDs go; no webhook says so
    synced.world.meetings[long_past.zoom_id or 0].deleted_at = NOW
    synced.world.meetings[standing.zoom_id or 0].deleted_at = NOW
    calls = synced.zoom.stats.api_calls

    report = await reconcile(synced.ctx)

    outcomes = {i.meeting_id: i.outcome for i in report.items}
    assert outcomes == {long_past.id: "expired", recent.id: "unchanged", standing.id: "expired"}
    assert synced.zoom.stats.api_calls == calls + 2  # the standing one, as meeting and webinar
    assert synced.row(long_past.id).state == "expired"
    assert synced.row(standing.id).state == "expired"
    assert synced.row(recent.id).state == "active"  # over, its ID still kept: not asked
    assert synced.notices == []  # expected: nobody is alarmed
