"""Discovery: which hosts to archive, and which of their recordings Zoom has.

Every user counts (active, deactivated and pending: scripts that list only active users lose
the recordings of people who left), or only the configured e-mails, where an e-mail Zoom does
not know is reported in the sync status rather than silently ignored. Each host has a cursor:
the first listing goes back to the configured start date, later ones start a few days (the
lag) before the last date up to which every file was settled, so late files are caught.

Zoom's recordings list has no participant count; the usage report has it, one HEAVY paged
call per host and month window. It is asked only for windows where the listing found
instances still without a count, matched by instance UUID (the `past` report leaves out
one-person meetings, so `pastOne` is asked only when some remain), and only inside the six
months the report covers. Without the report scope or on a plan without reports the count
stays empty and the sync says why once; it never fails the listing.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select

from zoombridge.archive.catalog import record_instance
from zoombridge.db import Catalog, FileState
from zoombridge.db.models import MEETING_FILES, Host, Meeting, RecordingFileRow, SyncState
from zoombridge.errors import MissingScopes, ZoomBridgeError
from zoombridge.storage import InstanceKeys
from zoombridge.zoom import ZoomClient
from zoombridge.zoom.models import RecordingMeeting
from zoombridge.zoom.pagination import month_windows
from zoombridge.zoom.recordings import get_meeting_recordings, iter_user_recordings
from zoombridge.zoom.reports import iter_report_meetings
from zoombridge.zoom.users import iter_all_users

__all__ = [
    "HostCursor",
    "HostPlan",
    "advance_cursors",
    "count_participants",
    "discover_host",
    "instance_keys",
    "plan_hosts",
    "with_participant_audio",
]

REPORT_MONTHS = 6  # Zoom's usage reports reach this many months back


class HostCursor(BaseModel):
    """Where a host's listing stands. Versioned: an unknown version means "list again"."""

    v: Literal[1] = 1
    settled_till: date

    @classmethod
    def load(cls, raw: dict[str, Any] | None) -> HostCursor | None:
        if raw is None:
            return None
        try:
            return cls.model_validate(raw)
        except ValidationError:
            return None


@dataclass(frozen=True)
class HostPlan:
    """One host's listing for this sync: its id, e-mail and the dates to list."""

    user_id: str
    email: str
    since: date
    till: date


async def plan_hosts(
    zoom: ZoomClient,
    catalog: Catalog,
    connection_id: int,
    *,
    wanted: list[str],
    start_date: date,
    lag_days: int,
    now: datetime,
) -> list[HostPlan]:
    """List Zoom's users, record them, and say what to list for each."""
    users = [user async for user in iter_all_users(zoom)]
    by_email = {user.email.lower(): user for user in users}
    unknown = sorted(email for email in wanted if email not in by_email)
    chosen = [by_email[email] for email in wanted if email in by_email] if wanted else users
    today = now.date()
    plans = []
    with catalog.session() as session, session.begin():
        state = session.get(SyncState, connection_id)
        if state is not None:
            state.unknown_users = unknown
        for user in chosen:
            if not user.id:  # pending invitations have no id and cannot have recordings
                continue
            host = session.get(Host, (connection_id, user.id))
            if host is None:
                host = Host(connection_id=connection_id, user_id=user.id, email=user.email)
                session.add(host)
            host.email, host.status, host.seen_at = user.email, user.status, now
            cursor = HostCursor.load(host.cursor)
            since = start_date
            if cursor is not None:
                since = max(start_date, cursor.settled_till - timedelta(days=lag_days))
            plans.append(HostPlan(user.id, user.email, min(since, today), today))
    return plans


async def discover_host(
    zoom: ZoomClient,
    catalog: Catalog,
    connection_id: int,
    plan: HostPlan,
    *,
    key_template: str,
    now: datetime,
) -> int:
    """List one host's recordings in month windows; returns how many instances."""
    instances = 0
    async for listed in iter_user_recordings(zoom, plan.user_id, plan.since, plan.till):
        meeting = await with_participant_audio(zoom, listed)
        if not meeting.host_email:  # a user's listing omits it: the library and search need it
            meeting = meeting.model_copy(update={"host_email": plan.email})
        keys = instance_keys(key_template, meeting, plan.user_id, plan.email)
        instances += 1
        record_instance(catalog, connection_id, meeting, keys, now)
    return instances


def instance_keys(
    key_template: str, meeting: RecordingMeeting, user_id: str, email: str
) -> InstanceKeys:
    """Where an instance's files go; the host's id and e-mail fill what the listing omits."""
    return InstanceKeys.render(
        key_template,
        uuid=meeting.uuid,
        meeting_id=meeting.id,
        host_id=meeting.host_id or user_id,
        host_email=meeting.host_email or email,
        topic=meeting.topic,
        start=meeting.start_time,
    )


async def with_participant_audio(zoom: ZoomClient, meeting: RecordingMeeting) -> RecordingMeeting:
    """Zoom lists per-participant audio only in an instance's own recordings, but counts it
    in `recording_count`: fetch the instance only when the count says files are missing."""
    listed = len(meeting.recording_files) + len(meeting.participant_audio_files)
    if (meeting.recording_count or 0) <= listed:
        return meeting
    detail = await get_meeting_recordings(zoom, meeting.uuid)
    return meeting.model_copy(update={"participant_audio_files": detail.participant_audio_files})


async def count_participants(
    zoom: ZoomClient, catalog: Catalog, connection_id: int, plan: HostPlan, now: datetime
) -> str | None:
    """Fill in the participant count of the host's listed instances that have none; returns
    a note for the sync status when Zoom's usage report is not available to this app."""
    uncounted = _uncounted(catalog, connection_id, plan)
    oldest = _months_before(now.date(), REPORT_MONTHS)
    counts: dict[str, int] = {}
    note: str | None = None
    try:
        for first, last in month_windows(max(plan.since, oldest), plan.till):
            wanted = {uuid for uuid, day in uncounted.items() if first <= day <= last}
            if not wanted:
                continue
            for kind in ("past", "pastOne"):  # one-person meetings are only in pastOne
                async for row in iter_report_meetings(zoom, plan.user_id, first, last, kind):
                    if row.uuid in wanted and row.participants_count is not None:
                        counts[row.uuid] = row.participants_count
                        wanted.discard(row.uuid)
                if not wanted:
                    break
    except MissingScopes as exc:
        scopes = ", ".join(exc.scopes) or "report:read:admin"
        note = f"participants count left empty: add the scope {scopes} to the Zoom app"
    except ZoomBridgeError as exc:
        note = f"participants count left empty: Zoom's usage report refused ({exc})"
    _store_counts(catalog, connection_id, counts, now)
    return note


def _uncounted(catalog: Catalog, connection_id: int, plan: HostPlan) -> dict[str, date]:
    """The host's instances in the plan's dates without a participant count: uuid -> day."""
    with catalog.session() as session:
        rows = session.execute(
            select(Meeting.uuid, Meeting.start_time).where(
                Meeting.connection_id == connection_id,
                Meeting.host_id == plan.user_id,
                Meeting.participants_count.is_(None),
                Meeting.start_time.is_not(None),
            )
        ).all()
    found = {uuid: start.date() for uuid, start in rows if start is not None}
    return {uuid: day for uuid, day in found.items() if plan.since <= day <= plan.till}


def _store_counts(
    catalog: Catalog, connection_id: int, counts: dict[str, int], now: datetime
) -> None:
    if not counts:
        return
    with catalog.session() as session, session.begin():
        for uuid, count in counts.items():
            row = session.get(Meeting, (connection_id, uuid))
            if row is not None:
                row.participants_count = count
                row.updated_at = now  # the sidecar is rewritten with the count


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def advance_cursors(catalog: Catalog, connection_id: int, plans: list[HostPlan]) -> None:
    """Move each host's cursor to the day before its oldest unsettled file (or the end)."""
    with catalog.session() as session, session.begin():
        oldest = dict(
            session.execute(
                select(Meeting.host_id, func.min(Meeting.start_time))
                .join(RecordingFileRow, MEETING_FILES)
                .where(
                    Meeting.connection_id == connection_id,
                    RecordingFileRow.state.not_in(FileState.SETTLED),
                )
                .group_by(Meeting.host_id)
            ).all()
        )
        for plan in plans:
            host = session.get(Host, (connection_id, plan.user_id))
            if host is None:
                continue
            blocked = oldest.get(plan.user_id)
            till = plan.till if blocked is None else min(plan.till, blocked.date())
            previous = HostCursor.load(host.cursor)
            if previous is not None and previous.settled_till > till and blocked is None:
                till = previous.settled_till
            host.cursor = HostCursor(settled_till=till).model_dump(mode="json")
