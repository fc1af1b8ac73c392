"""Moving a meeting to another host: in place when Zoom allows it (same ID and link), a
preflight that names what is missing when it does not, and an explicit recreate path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from scheduling_helpers import ENGINES, MONDAY_10, opened_catalog, pool_world, scheduling, user_id
from sqlalchemy import select

from zoombridge.db import Catalog
from zoombridge.db.meeting_models import HostBooking
from zoombridge.errors import TransferRefused
from zoombridge.meetings.drafts import MeetingDraft

pytestmark = pytest.mark.anyio
H0, H1, BASIC, NO_GRANT = (f"host{i}@example.edu" for i in range(4))


@pytest.fixture(params=ENGINES)
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    yield from opened_catalog(request, tmp_path)


def booked_hosts(catalog: Catalog, meeting_id: int) -> set[str]:
    with catalog.session() as session:
        query = select(HostBooking.host_user_id).where(
            HostBooking.scheduled_meeting_id == meeting_id
        )
        return set(session.scalars(query))


async def test_a_transfer_keeps_the_meeting_id_and_link_when_zoom_allows_it(
    catalog: Catalog,
) -> None:
    world = pool_world(4, basic=(2,))
    world.assistants[user_id(world, H1)] = [user_id(world, H0)]  # H0 may schedule for H1
    async with scheduling(world, catalog) as s:
        made = await s.service.create(
            MeetingDraft(topic="Oral exam", start_time=MONDAY_10, host=H0)
        )
        s.service.link(made.id, "lms", "course-7", "signed_in")
        before = world.meetings[made.zoom_id or 0]
        link = before.password, before.id
        check = await s.service.preflight_transfer(made.id, [H1])
        assert check.possible_in_place, (check.in_place, check.anyway)
        moved = await s.service.transfer(made.id, [H1])
        assert moved.zoom_id == made.zoom_id
        assert world.meetings[link[1]].host_id == user_id(world, H1)
        assert (world.meetings[link[1]].password, world.meetings[link[1]].id) == link
        assert booked_hosts(catalog, made.id) == {user_id(world, H1)}
        assert s.notices[-1].kind == "host_changed"
        assert s.notices[-1].changes == {"host": (H0, H1)}


async def test_the_preflight_names_each_missing_licence_and_privilege(catalog: Catalog) -> None:
    world = pool_world(4, basic=(2,))
    async with scheduling(world, catalog) as s:
        made = await s.service.create(MeetingDraft(topic="Exam", start_time=MONDAY_10, host=H0))
        basic = await s.service.preflight_transfer(made.id, [BASIC])
        assert any("host2@example.edu is not licensed" in m for m in basic.in_place)
        no_grant = await s.service.preflight_transfer(made.id, [NO_GRANT])
        assert no_grant.in_place == [
            f"{H0} has no scheduling privilege for {NO_GRANT} "
            f"(in Zoom, add {H0} as an assistant of {NO_GRANT})"
        ]
        with pytest.raises(TransferRefused, match="ask again with recreate") as refused:
            await s.service.transfer(made.id, [NO_GRANT])
        assert refused.value.missing == no_grant.in_place
        assert world.meetings[made.zoom_id or 0].host_id == user_id(world, H0)  # unchanged


async def test_recreate_makes_a_new_meeting_for_the_new_host_and_moves_the_links(
    catalog: Catalog,
) -> None:
    world = pool_world(4, basic=(2,))
    async with scheduling(world, catalog) as s:
        made = await s.service.create(
            MeetingDraft(topic="Exam", start_time=MONDAY_10, passcode="k3y-123", host=H0)
        )
        s.service.link(made.id, "lms", "course-7", "everyone")
        new = await s.service.transfer(made.id, [BASIC], recreate=True)
        assert new.zoom_id != made.zoom_id
        assert world.meetings[new.zoom_id or 0].host_id == user_id(world, BASIC)
        assert world.meetings[new.zoom_id or 0].password == "k3y-123"
        assert world.meetings[made.zoom_id or 0].deleted_at is not None
        assert s.service.get(made.id).state == "cancelled"
        assert [m.id for m in s.service.linked_to("lms", "course-7")] == [new.id]
        assert "new link" in s.notices[-1].detail


async def test_a_busy_new_host_is_refused_even_with_recreate(catalog: Catalog) -> None:
    world = pool_world(4, basic=(2,))
    async with scheduling(world, catalog) as s:
        await s.service.create(MeetingDraft(topic="Busy", start_time=MONDAY_10, host=BASIC))
        made = await s.service.create(MeetingDraft(topic="Exam", start_time=MONDAY_10, host=H0))
        check = await s.service.preflight_transfer(made.id, [BASIC])
        assert any("Busy" in m for m in check.anyway)
        with pytest.raises(TransferRefused, match="Busy"):
            await s.service.transfer(made.id, [BASIC], recreate=True)
        assert world.meetings[made.zoom_id or 0].deleted_at is None
