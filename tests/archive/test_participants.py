"""Participant counts: from Zoom's usage report, one call per host and month window that has
listed instances without a count, matched by instance UUID; left empty (and said once in the
sync status) when the report scope or the plan is missing, never failing the sync."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from archive_helpers import read_json, recorded_bridge, sync, sync_status
from call_log import Recorder
from sqlalchemy import select

from zoombridge.app import ZoomBridge
from zoombridge.clock import ManualClock
from zoombridge.db.models import Meeting
from zoombridge.emulator import DEFAULT_CREDENTIALS
from zoombridge.emulator.world import World
from zoombridge.errors import ConfigurationError
from zoombridge.settings import load_settings
from zoombridge.zoom.pagination import month_windows

pytestmark = pytest.mark.anyio

REPORT_SCOPES = {"report:read:user:admin", "report:read:admin"}


MakeRecorded = Callable[..., tuple[ZoomBridge, Recorder]]


@pytest.fixture
def recorded(tmp_path: Path, world: World, clock: ManualClock) -> MakeRecorded:
    def make(**archive: Any) -> tuple[ZoomBridge, Recorder]:
        return recorded_bridge(tmp_path / "home", world, clock, **archive)

    return make


def counts(bridge: ZoomBridge) -> dict[str, int | None]:
    catalog = bridge.catalog()
    with catalog.session() as session:
        found = dict(session.execute(select(Meeting.uuid, Meeting.participants_count)).all())
    catalog.dispose()
    return found


def expected_report_calls(world: World, since: Any, till: Any) -> int:
    """One `past` call per host and window with recorded instances, and one `pastOne` call
    where some instance is not in `past` (fewer than two participants)."""
    calls = 0
    for host in {i.host_id for i in world.instances.values() if i.has_recording()}:
        mine = [i for i in world.instances.values() if i.host_id == host and i.has_recording()]
        for first, last in month_windows(since, till):
            inside = [i for i in mine if first <= i.start_time.date() <= last]
            if inside:
                calls += 1 + any(len(i.participants) < 2 for i in inside)
    return calls


async def test_counts_come_from_the_usage_report_matched_by_instance(
    recorded: MakeRecorded, world: World, tmp_path: Path
) -> None:
    alone = next(i for i in world.instances.values() if i.has_recording())
    alone.participants = alone.participants[:1]  # only in the `pastOne` report
    bridge, recorder = recorded()
    summary = await sync(bridge)
    assert summary.error is None
    found = counts(bridge)
    recorded_instances = {i.uuid: i for i in world.instances.values() if i.has_recording()}
    assert found == {uuid: len(i.participants) for uuid, i in recorded_instances.items()}
    assert found[alone.uuid] == 1
    since = bridge.settings.archive.start_date
    assert recorder.reports() == expected_report_calls(world, since, world.now().date())

    for path in (tmp_path / "home" / "archive").rglob("meeting.json"):
        meeting = read_json(path)["meeting"]
        assert meeting["participants_count"] == len(
            recorded_instances[meeting["uuid"]].participants
        )

    before = recorder.reports()
    await sync(bridge)  # everything counted: the report is not asked again
    assert recorder.reports() == before


async def test_without_the_report_scope_counts_stay_empty_and_the_status_says_so(
    recorded: MakeRecorded, world: World
) -> None:
    world.apps[DEFAULT_CREDENTIALS["client_id"]].scopes -= REPORT_SCOPES
    bridge, _ = recorded()
    summary = await sync(bridge)
    assert summary.error is None
    assert summary.failed == 0
    assert summary.verified > 0
    assert set(counts(bridge).values()) == {None}
    status = sync_status(bridge)
    assert status.process == "finished"
    assert status.authorization == "authorized"
    detail = status.authorization_detail or ""
    assert detail.count("participants count left empty") == 1  # once, not once per host
    assert "report:read:user:admin" in detail


async def test_a_plan_without_reports_leaves_counts_empty(
    recorded: MakeRecorded, world: World
) -> None:
    world.plan = "free"  # Zoom: "This is only available for paid account"
    bridge, _ = recorded()
    summary = await sync(bridge)
    assert summary.error is None
    assert summary.failed == 0
    assert set(counts(bridge).values()) == {None}
    status = sync_status(bridge)
    assert "usage report refused" in (status.authorization_detail or "")


async def test_the_setting_turns_the_report_off(recorded: MakeRecorded) -> None:
    bridge, recorder = recorded(participants_count=False)
    summary = await sync(bridge)
    assert summary.verified > 0
    assert recorder.reports() == 0
    assert set(counts(bridge).values()) == {None}


def test_a_bad_value_for_the_setting_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZOOMBRIDGE_ARCHIVE__PARTICIPANTS_COUNT", "sometimes")
    with pytest.raises(ConfigurationError, match="ZOOMBRIDGE_ARCHIVE__PARTICIPANTS_COUNT"):
        load_settings()


async def test_instances_older_than_the_reports_six_months_keep_an_empty_count(
    recorded: MakeRecorded, world: World
) -> None:
    old = next(i for i in world.instances.values() if i.has_recording())
    moved = timedelta(days=200)
    old.start_time -= moved
    old.end_time -= moved
    for file in old.all_files():
        if file.recording_start and file.recording_end:
            file.recording_start -= moved
            file.recording_end -= moved
    bridge, _ = recorded(start_date=(world.now() - timedelta(days=300)).date())
    summary = await sync(bridge)
    assert summary.error is None
    found = counts(bridge)
    assert found[old.uuid] is None  # Zoom's report does not reach that far back
    others = {uuid: n for uuid, n in found.items() if uuid != old.uuid}
    assert others == {uuid: len(world.instances[uuid].participants) for uuid in others}
    status = sync_status(bridge)
    assert status.authorization_detail is None  # no window was asked that Zoom would refuse
