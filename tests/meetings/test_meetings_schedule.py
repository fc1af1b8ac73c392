"""Scheduling against the emulator: every meeting and webinar type created, changed and
cancelled; conflicts refused naming the meeting in the way; meetings made in Zoom directly
block their host; passcodes follow the account's rule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from scheduling_helpers import ENGINES, MONDAY_10, opened_catalog, pool_world, scheduling, user_id
from sqlalchemy import select

from zoombridge.db import Catalog
from zoombridge.db.meeting_models import HostBooking, ScheduledMeeting
from zoombridge.emulator.world import EmuMeeting
from zoombridge.errors import HostBusy, InvalidInput, MeetingNotFound, ZoomRequestError
from zoombridge.meetings.drafts import MeetingChanges, MeetingDraft, MeetingOptions
from zoombridge.meetings.records import open_join_url, open_passcode

pytestmark = pytest.mark.anyio
HOST0 = "host0@example.edu"
WEEKLY = {"type": 2, "weekly_days": "2,4", "end_times": 4}


@pytest.fixture(params=ENGINES)
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    yield from opened_catalog(request, tmp_path)


def bookings(catalog: Catalog, meeting_id: int) -> list[tuple[str, str]]:
    with catalog.session() as session:
        rows = session.scalars(
            select(HostBooking)
            .where(HostBooking.scheduled_meeting_id == meeting_id)
            .order_by(HostBooking.starts_at)
        )
        return [(r.starts_at.isoformat(), r.ends_at.isoformat()) for r in rows]


KINDS = [
    ("meeting", True, None, 2, 1),
    ("meeting", True, WEEKLY, 8, 4),
    ("meeting", False, None, 3, 0),
    ("webinar", True, None, 5, 1),
    ("webinar", True, WEEKLY, 9, 4),
    ("webinar", False, None, 6, 0),
]


@pytest.mark.parametrize(("kind", "fixed", "recurrence", "zoom_type", "booked"), KINDS)
async def test_each_type_is_created_changed_and_cancelled(
    catalog: Catalog,
    kind: str,
    fixed: bool,
    recurrence: dict[str, object] | None,
    zoom_type: int,
    booked: int,
) -> None:
    world = pool_world(2, webinar=(0,))
    async with scheduling(world, catalog) as s:
        draft = MeetingDraft(
            kind=kind,
            topic="Thermodynamics",
            start_time=MONDAY_10 if fixed else None,
            duration=90 if fixed else None,
            timezone="Europe/Berlin",
            recurrence=recurrence,
            fixed_time=fixed,
            options=MeetingOptions(waiting_room=True, mute_upon_entry=True),
            host=HOST0,
        )
        made = await s.service.create(draft, created_by="lms")
        zoom = world.meetings[made.zoom_id or 0]
        assert (zoom.type, zoom.webinar, zoom.topic) == (
            zoom_type,
            kind == "webinar",
            "Thermodynamics",
        )
        assert zoom.host_id == user_id(world, HOST0)
        assert made.state == "active"
        assert made.created_by == "lms"
        assert len(bookings(catalog, made.id)) == booked
        assert f"/{zoom.id}?pwd={zoom.password}" in (open_join_url(made, s.service.keyring) or "")
        assert open_passcode(made, s.service.keyring) == zoom.password

        changed = await s.service.update(made.id, MeetingChanges(topic="Thermodynamics II"))
        assert changed.sent == {"topic": "Thermodynamics II"}  # only what changes is sent
        assert world.meetings[zoom.id].topic == "Thermodynamics II"
        assert (
            await s.service.update(made.id, MeetingChanges(topic="Thermodynamics II"))
        ).sent == {}

        cancelled = await s.service.cancel(made.id)
        assert cancelled.state == "cancelled"
        assert world.meetings[zoom.id].deleted_at is not None
        assert bookings(catalog, made.id) == []
        assert [n.kind for n in s.notices] == ["created", "changed", "cancelled"]


async def test_join_link_and_passcode_are_sealed_at_rest(catalog: Catalog) -> None:
    world = pool_world(1)
    async with scheduling(world, catalog) as s:
        made = await s.service.create(MeetingDraft(topic="T", start_time=MONDAY_10, host=HOST0))
        zoom = world.meetings[made.zoom_id or 0]
        with catalog.session() as session:
            stored = session.get(ScheduledMeeting, made.id)
            assert stored is not None
            assert zoom.password not in (stored.join_url_sealed or "")
            assert str(zoom.id) not in (stored.passcode_sealed or "")
        assert f"pwd={zoom.password}" in (open_join_url(made, s.service.keyring) or "")


async def test_a_conflict_for_a_named_host_is_refused_naming_the_meeting(catalog: Catalog) -> None:
    world = pool_world(2, basic=(1,))
    async with scheduling(world, catalog) as s:
        first = await s.service.create(
            MeetingDraft(
                topic="Budget review", start_time=MONDAY_10, duration=60, host="host1@example.edu"
            )
        )
        with pytest.raises(HostBusy) as refused:
            await s.service.create(
                MeetingDraft(
                    topic="Clash",
                    start_time=MONDAY_10 + timedelta(minutes=30),
                    host="host1@example.edu",
                )
            )
        assert "Budget review" in str(refused.value)
        assert str(first.zoom_id) in str(refused.value)
        assert "one meeting at a time" in str(refused.value)
        assert sum(1 for m in world.meetings.values() if m.topic == "Clash") == 0
        # Back to back is not a conflict.
        await s.service.create(
            MeetingDraft(
                topic="Next", start_time=MONDAY_10 + timedelta(hours=1), host="host1@example.edu"
            )
        )


async def test_licensed_hosts_take_two_and_webinars_take_the_host_alone(catalog: Catalog) -> None:
    world = pool_world(1, webinar=(0,))
    async with scheduling(world, catalog) as s:
        one = MeetingDraft(topic="A", start_time=MONDAY_10, host=HOST0)
        await s.service.create(one)
        await s.service.create(one.model_copy(update={"topic": "B"}))
        with pytest.raises(HostBusy, match="2 meetings at a time"):
            await s.service.create(one.model_copy(update={"topic": "C"}))
        webinar = one.model_copy(
            update={"kind": "webinar", "start_time": MONDAY_10 + timedelta(days=1)}
        )
        await s.service.create(webinar)
        with pytest.raises(HostBusy, match="webinar cannot run next to"):
            await s.service.create(webinar.model_copy(update={"kind": "meeting"}))
        # No fixed time: never blocks, never blocked.
        await s.service.create(MeetingDraft(topic="Office hours", fixed_time=False, host=HOST0))


async def test_a_recurring_series_conflicts_on_a_later_occurrence(catalog: Catalog) -> None:
    world = pool_world(1, basic=(0,))
    async with scheduling(world, catalog) as s:
        series = MeetingDraft(
            topic="Seminar", start_time=MONDAY_10, recurrence=WEEKLY, timezone="UTC", host=HOST0
        )
        await s.service.create(series)
        third_monday = MONDAY_10 + timedelta(days=7)
        with pytest.raises(HostBusy, match="Seminar") as refused:
            await s.service.create(
                MeetingDraft(topic="One-off", start_time=third_monday, host=HOST0)
            )
        assert third_monday.strftime("%Y-%m-%d %H:%M") in str(refused.value)


async def test_a_meeting_made_in_zoom_directly_blocks_its_host(catalog: Catalog) -> None:
    world = pool_world(2, basic=(0,))
    async with scheduling(world, catalog) as s:
        host = user_id(world, HOST0)
        made_in_zoom = EmuMeeting(
            id=world.new_meeting_id(),
            uuid=world.new_uuid(),
            host_id=host,
            topic="Dentist",
            start_time=MONDAY_10,
            duration=45,
            created_at=world.now(),
        )
        world.meetings[made_in_zoom.id] = made_in_zoom
        with pytest.raises(HostBusy, match="Dentist"):
            await s.service.create(MeetingDraft(topic="Lecture", start_time=MONDAY_10, host=HOST0))
        series = EmuMeeting(
            id=world.new_meeting_id(),
            uuid=world.new_uuid(),
            host_id=host,
            topic="Weekly sync",
            type=8,
            start_time=MONDAY_10 + timedelta(days=1),
            duration=30,
            recurrence={"type": 1, "repeat_interval": 7, "end_times": 5},
            created_at=world.now(),
        )
        world.meetings[series.id] = series
        with pytest.raises(HostBusy, match="Weekly sync"):  # its third occurrence
            await s.service.create(
                MeetingDraft(topic="L", start_time=MONDAY_10 + timedelta(days=15), host=HOST0)
            )


async def test_passcodes_follow_the_accounts_rule(catalog: Catalog) -> None:
    world = pool_world(1)
    world.passcode_requirement |= {
        "length": 9,
        "have_letter": True,
        "have_special_character": True,
        "have_upper_and_lower_characters": True,
    }
    async with scheduling(world, catalog) as s:
        made = await s.service.create(MeetingDraft(topic="T", start_time=MONDAY_10, host=HOST0))
        code = world.meetings[made.zoom_id or 0].password
        assert len(code) >= 9
        assert any(c in "@-_*" for c in code)
        assert code.lower() != code
        assert code.upper() != code
        with pytest.raises(ZoomRequestError, match="Passcode does not meet"):
            await s.service.create(
                MeetingDraft(
                    topic="T2",
                    start_time=MONDAY_10 + timedelta(hours=3),
                    passcode="123",
                    host=HOST0,
                )
            )


async def test_a_refused_create_leaves_nothing_booked(catalog: Catalog) -> None:
    world = pool_world(1)
    world.passcode_requirement["only_allow_numeric"] = True
    async with scheduling(world, catalog) as s:
        with pytest.raises(ZoomRequestError, match="could not create the meeting for host0@exam"):
            await s.service.create(
                MeetingDraft(topic="T", start_time=MONDAY_10, passcode="abc123", host=HOST0)
            )
        with catalog.session() as session:
            rows = list(session.scalars(select(ScheduledMeeting)))
            assert [r.state for r in rows] == ["failed"]
            assert rows[0].last_error
            assert session.scalars(select(HostBooking)).first() is None
        await s.service.create(MeetingDraft(topic="T", start_time=MONDAY_10, host=HOST0))


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"topic": "", "start_time": MONDAY_10, "host": HOST0}, "topic"),
        ({"topic": "T", "host": HOST0}, "needs a start_time"),
        ({"topic": "T", "start_time": MONDAY_10, "host": HOST0, "pool": "P"}, "either a host"),
        ({"topic": "T", "start_time": MONDAY_10, "host": HOST0, "timezone": "Mars/Base"}, "IANA"),
        ({"topic": "T", "start_time": MONDAY_10, "host": HOST0, "duration": 0}, "duration"),
        ({"topic": "T", "start_time": MONDAY_10, "host": HOST0, "passcode": "a b"}, "passcode"),
        (
            {"topic": "T", "start_time": MONDAY_10, "host": HOST0, "recurrence": {"type": 9}},
            "recurrence",
        ),
        ({"topic": "T", "start_time": MONDAY_10, "host": HOST0, "surprise": 1}, "surprise"),
    ],
)
def test_bad_drafts_are_refused_with_the_field_named(fields: dict[str, object], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        MeetingDraft.model_validate(fields)


async def test_unknown_hosts_pools_and_meetings_are_named(catalog: Catalog) -> None:
    world = pool_world(2)
    async with scheduling(world, catalog, host_domains="example.edu") as s:
        with pytest.raises(InvalidInput, match=r"no Zoom user with nobody@example\.edu"):
            await s.service.create(
                MeetingDraft(topic="T", start_time=MONDAY_10, host="nobody@example.edu")
            )
        with pytest.raises(InvalidInput, match="not in the e-mail domains"):
            await s.service.create(
                MeetingDraft(topic="T", start_time=MONDAY_10, host="host0@evil.org")
            )
        # A person is found by any of their addresses, the first that is a Zoom user.
        made = await s.service.create(
            MeetingDraft(
                topic="T", start_time=MONDAY_10, host=["h.zero@example.edu", "HOST1@example.edu"]
            )
        )
        assert s.host_email(made.host_user_id) == "host1@example.edu"
        with pytest.raises(InvalidInput, match="no host pool named"):
            await s.service.create(MeetingDraft(topic="T", start_time=MONDAY_10, pool="nope"))
        with pytest.raises(MeetingNotFound):
            s.service.get(9999)
        assert sum(1 for m in world.meetings.values() if m.topic == "T") == 1
