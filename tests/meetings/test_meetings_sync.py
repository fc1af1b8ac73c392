"""Two-way sync, Zoom to us: webhook edits, deletions, conversions and recoveries of the
meetings zoombridge made are reflected in the copy and its bookings and told to people; our
own edits' echoes are skipped; an API error is never taken for a deletion; a meeting a pool
host makes in Zoom blocks the host. Every event travels Zoom's real path: the emulator's
signed sender, the receiver, the inbox, the applier."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from meetings_helpers import NEXT_MONDAY_10, Bench, host_id
from sqlalchemy import select, update

from zoombridge.db.meeting_models import ScheduledMeeting
from zoombridge.db.models import WebhookEvent as InboxRow
from zoombridge.emulator.app import create_app
from zoombridge.errors import InvalidInput
from zoombridge.meetings.records import echo_digest, open_join_url
from zoombridge.meetings.sync import apply_meeting_event
from zoombridge.zoom.meetings import (
    MeetingRequest,
    create_meeting,
    delete_meeting,
    set_meeting_status,
    update_meeting,
)
from zoombridge.zoom.webhooks import WebhookEvent

pytestmark = pytest.mark.anyio


def inbox_states(b: Bench) -> list[tuple[str, str, str | None]]:
    with b.catalog.session() as session:
        rows = session.scalars(select(InboxRow).order_by(InboxRow.id))
        return [(row.event, row.state, row.error) for row in rows]


async def test_an_edit_in_zoom_is_reflected_in_the_copy_its_bookings_and_a_notice(
    synced: Bench,
) -> None:
    row = await synced.schedule(topic="Physics 101")
    later = NEXT_MONDAY_10 + timedelta(hours=2)
    await update_meeting(
        synced.zoom,
        row.zoom_id or 0,
        MeetingRequest(topic="Physics 101 (moved)", start_time=later, password="987654"),
    )
    assert await synced.deliver() == 1

    copy = synced.row(row.id)
    assert (copy.topic, copy.start_time, copy.state) == ("Physics 101 (moved)", later, "active")
    assert "pwd=987654" in (open_join_url(copy, synced.ctx.keyring) or "")
    [booking] = synced.bookings(scheduled_meeting_id=row.id)
    assert (booking.starts_at, booking.ends_at) == (later, later + timedelta(hours=1))
    [notice] = synced.notices
    assert (notice.kind, notice.meeting_id) == ("changed", row.id)
    assert notice.changes["topic"] == ("Physics 101", "Physics 101 (moved)")
    assert notice.changes["start_time"] == (NEXT_MONDAY_10.isoformat(), later.isoformat())
    # the passcode and the link that carries it are said to change, never shown
    assert notice.changes["passcode"] == ("", "")
    assert notice.changes["join link"] == ("", "")
    assert "987654" not in repr(notice)

    # the same event again (Zoom repeats itself) changes nothing more and tells no one
    [(_, body)] = [e for e in synced.world.events if e[0] == "meeting.updated"]
    again = await apply_meeting_event(synced.ctx, WebhookEvent.model_validate(body))
    assert again.action == "unchanged"
    assert len(synced.notices) == 1
    assert synced.row(row.id).updated_at == copy.updated_at


async def test_our_own_edit_echoing_back_is_skipped_without_a_read(synced: Bench) -> None:
    row = await synced.schedule(topic="Chemistry")
    sent = {"topic": "Chemistry (lab)", "duration": 90}
    await update_meeting(synced.zoom, row.zoom_id or 0, sent)
    # what the service does after its PATCH: re-read (not here) and remember what it sent
    with synced.catalog.session() as session, session.begin():
        session.execute(
            update(ScheduledMeeting)
            .where(ScheduledMeeting.id == row.id)
            .values(echo_digest=echo_digest(sent))
        )
    calls = synced.zoom.stats.api_calls
    await synced.deliver()

    assert synced.zoom.stats.api_calls == calls  # recognised from the event alone
    assert synced.row(row.id).topic == "Chemistry"  # the event was not applied as news
    assert synced.row(row.id).echo_digest is None  # skipped once, not forever
    assert synced.notices == []
    assert inbox_states(synced) == [("meeting.updated", "applied", None)]

    # someone else's edit afterwards is news again
    await update_meeting(synced.zoom, row.zoom_id or 0, {"topic": "Chemistry (moved)"})
    await synced.deliver()
    assert synced.row(row.id).topic == "Chemistry (moved)"
    assert [n.kind for n in synced.notices] == ["changed"]


async def test_a_deletion_in_zoom_marks_it_missing_frees_the_host_and_keeps_its_links(
    synced: Bench,
) -> None:
    row = await synced.schedule(links=2)
    assert synced.bookings(scheduled_meeting_id=row.id)
    await delete_meeting(synced.zoom, row.zoom_id or 0)
    await synced.deliver()

    copy = synced.row(row.id)
    assert copy.state == "missing"
    assert "recreate" in (copy.last_error or "")
    assert synced.bookings(scheduled_meeting_id=row.id) == []
    assert synced.links(row.id) == 2  # nothing local destroyed: it can be recreated
    [notice] = synced.notices
    assert (notice.kind, notice.meeting_id) == ("deleted_in_zoom", row.id)
    assert notice.detail.startswith("meeting.deleted by ")

    [(_, body)] = [e for e in synced.world.events if e[0] == "meeting.deleted"]
    again = await apply_meeting_event(synced.ctx, WebhookEvent.model_validate(body))
    assert again.action == "unchanged"
    assert len(synced.notices) == 1

    # recovered in Zoom: active again, booked again, and people are told
    await set_meeting_status(synced.zoom, row.zoom_id or 0, "recover")
    await synced.deliver()
    assert synced.row(row.id).state == "active"
    assert len(synced.bookings(scheduled_meeting_id=row.id)) == 1
    assert synced.notices[-1].kind == "changed"
    assert synced.notices[-1].changes["state"] == ("missing", "active")


async def test_a_meeting_converted_to_a_webinar_and_back_is_followed(synced: Bench) -> None:
    row = await synced.schedule(host=0, topic="Town hall")
    admin = httpx.AsyncClient(
        transport=httpx.ASGITransport(create_app(synced.world)), base_url="http://emulator"
    )
    async with admin:
        converted = await admin.post(f"/_emulator/meetings/{row.zoom_id}/convert")
        assert converted.status_code == 200
        await synced.deliver()
        copy = synced.row(row.id)
        assert (copy.webinar, copy.type, copy.zoom_id) == (True, 5, row.zoom_id)
        assert "/w/" in (open_join_url(copy, synced.ctx.keyring) or "")
        [booking] = synced.bookings(scheduled_meeting_id=row.id)
        assert booking.webinar  # a webinar keeps its host from anything else at that time
        assert synced.notices[-1].changes["kind"] == ("meeting", "webinar")

        await admin.post(f"/_emulator/meetings/{row.zoom_id}/convert")
        await synced.deliver()
    copy = synced.row(row.id)
    assert (copy.webinar, copy.type, copy.state) == (False, 2, "active")
    assert not synced.bookings(scheduled_meeting_id=row.id)[0].webinar
    assert [n.changes["kind"][1] for n in synced.notices] == ["webinar", "meeting"]


async def test_an_api_error_is_never_taken_for_a_deletion(synced: Bench) -> None:
    row = await synced.schedule()
    await update_meeting(synced.zoom, row.zoom_id or 0, {"topic": "Renamed in Zoom"})
    synced.world.faults.server_error_rate = 1.0  # Zoom answers 5xx to everything
    await synced.deliver()

    copy = synced.row(row.id)
    assert (copy.state, copy.topic) == ("active", "Physics 101")
    assert len(synced.bookings(scheduled_meeting_id=row.id)) == 1
    assert synced.notices == []
    assert inbox_states(synced) == [("meeting.updated", "new", None)]  # waits for Zoom

    synced.world.faults.server_error_rate = 0.0
    await synced.applier.apply_waiting()
    assert synced.row(row.id).topic == "Renamed in Zoom"
    assert inbox_states(synced) == [("meeting.updated", "applied", None)]


async def test_a_malformed_event_is_refused_and_changes_nothing(synced: Bench) -> None:
    row = await synced.schedule()
    for bad in ({"id": "not-a-number"}, {"id": True}, {}, {"id": None}):
        event = WebhookEvent(event="meeting.deleted", event_ts=1, payload={"object": bad})
        with pytest.raises(InvalidInput, match=r"payload\.object\.id"):
            await apply_meeting_event(synced.ctx, event)
    nonsense = WebhookEvent(event="meeting.deleted", event_ts=1, payload={"object": [1]})
    with pytest.raises(InvalidInput):
        await apply_meeting_event(synced.ctx, nonsense)
    assert synced.row(row.id).state == "active"
    assert synced.notices == []
    ignored = WebhookEvent(event="meeting.started", event_ts=1, payload={"object": {"id": 1}})
    assert (await apply_meeting_event(synced.ctx, ignored)).action == "ignored"


async def test_a_meeting_a_pool_host_makes_in_zoom_blocks_them_until_deleted(
    synced: Bench,
) -> None:
    host = host_id(synced.world, 1)
    start = NEXT_MONDAY_10 + timedelta(days=1)
    made = await create_meeting(
        synced.zoom,
        host,
        {"topic": "Made in Zoom", "start_time": start.isoformat(), "duration": 30},
    )
    await synced.deliver()
    [booking] = synced.bookings(source="zoom")
    assert (booking.host_user_id, booking.zoom_id, booking.starts_at) == (host, made.id, start)
    assert booking.ends_at == start + timedelta(minutes=30)
    assert booking.scheduled_meeting_id is None
    assert synced.notices == []  # not ours: nobody is told

    await update_meeting(synced.zoom, made.id, {"duration": 45})
    await synced.deliver()
    [booking] = synced.bookings(source="zoom")
    assert booking.ends_at == start + timedelta(minutes=45)

    await delete_meeting(synced.zoom, made.id)
    await synced.deliver()
    assert synced.bookings(source="zoom") == []
    assert {state for _, state, _ in inbox_states(synced)} == {"applied"}
