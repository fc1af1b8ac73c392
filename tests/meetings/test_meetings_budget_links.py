"""The per-host daily write budget (counted, reported, non-urgent edits queued until 00:00 UTC)
and the links from other applications' objects with their join-link visibility."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scheduling_helpers import ENGINES, MONDAY_10, NOW, opened_catalog, pool_world, scheduling

from zoombridge.clock import ManualClock
from zoombridge.db import Catalog
from zoombridge.errors import HostDailyLimitReached, InvalidInput, MeetingNotFound
from zoombridge.meetings.budget import writes_today
from zoombridge.meetings.drafts import MeetingChanges, MeetingDraft

pytestmark = pytest.mark.anyio
HOST0 = "host0@example.edu"


@pytest.fixture(params=ENGINES)
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    yield from opened_catalog(request, tmp_path)


async def test_the_daily_write_cap_is_counted_reported_and_queued(catalog: Catalog) -> None:
    world = pool_world(1)
    async with scheduling(world, catalog) as s:
        made = await s.service.create(MeetingDraft(topic="v0", start_time=MONDAY_10, host=HOST0))
        for n in range(1, 100):
            await s.service.update(made.id, MeetingChanges(topic=f"v{n}"))
        with catalog.session() as session:
            assert writes_today(session, s.service.connection_id, NOW) == {made.host_user_id: 100}
        with pytest.raises(HostDailyLimitReached, match=r"host0@example\.edu .* until 00:00 UTC"):
            await s.service.update(made.id, MeetingChanges(topic="urgent"))
        assert world.meetings[made.zoom_id or 0].topic == "v99"  # nothing was sent

        queued = await s.service.update(made.id, MeetingChanges(topic="later"), urgent=False)
        midnight = datetime(2026, 3, 3, tzinfo=UTC)
        assert queued.queued_until == midnight
        assert await s.service.apply_due_changes() == 0  # not before midnight

        clock = world.clock
        assert isinstance(clock, ManualClock)
        clock.advance((midnight - clock.now() + timedelta(minutes=1)).total_seconds())
        assert await s.service.apply_due_changes() == 1
        assert world.meetings[made.zoom_id or 0].topic == "later"
        assert await s.service.apply_due_changes() == 0  # applied once


async def test_join_details_follow_each_links_visibility(catalog: Catalog) -> None:
    world = pool_world(1)
    async with scheduling(world, catalog) as s:
        made = await s.service.create(
            MeetingDraft(topic="Talk", start_time=MONDAY_10, passcode="563412", host=HOST0)
        )
        s.service.link(made.id, "indico", "event-1", "everyone")
        s.service.link(made.id, "indico", "session-2", "registered")
        s.service.link(made.id, "indico", "contrib-3", "no_one")
        public = s.service.join_details(made.id, "indico", "event-1", "anyone")
        assert public.visible
        assert public.passcode == "563412"
        assert "pwd=563412" in (public.join_url or "")
        hidden = s.service.join_details(made.id, "indico", "session-2", "signed_in")
        assert not hidden.visible
        assert hidden.join_url is None
        assert "registered" in hidden.reason
        assert s.service.join_details(made.id, "indico", "session-2", "registered").visible
        assert not s.service.join_details(made.id, "indico", "contrib-3", "registered").visible
        assert s.service.join_details(made.id, "indico", "contrib-3", "manager").visible
        s.service.link(made.id, "indico", "contrib-3", "everyone")  # linking again updates
        assert s.service.join_details(made.id, "indico", "contrib-3", "anyone").visible
        with pytest.raises(MeetingNotFound):
            s.service.join_details(made.id, "indico", "event-404", "manager")
        with pytest.raises(InvalidInput, match="visibility"):
            s.service.link(made.id, "indico", "x", "friends")  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="external_id"):
            s.service.link(made.id, "indico", "", "everyone")


@pytest.mark.parametrize("delete_when_unlinked", [True, False])
async def test_unlinking_the_last_object_deletes_the_meeting_if_configured(
    catalog: Catalog, delete_when_unlinked: bool
) -> None:
    world = pool_world(1)
    async with scheduling(world, catalog, delete_when_unlinked=delete_when_unlinked) as s:
        made = await s.service.create(MeetingDraft(topic="T", start_time=MONDAY_10, host=HOST0))
        s.service.link(made.id, "lms", "a", "everyone")
        s.service.link(made.id, "lms", "b", "everyone")
        assert await s.service.unlink(made.id, "lms", "a") is False
        assert world.meetings[made.zoom_id or 0].deleted_at is None
        assert await s.service.unlink(made.id, "lms", "b") is delete_when_unlinked
        deleted = world.meetings[made.zoom_id or 0].deleted_at is not None
        assert deleted is delete_when_unlinked
        with pytest.raises(MeetingNotFound):
            await s.service.unlink(made.id, "lms", "b")
