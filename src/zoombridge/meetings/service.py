"""Scheduling meetings for other applications: create, edit, cancel, recreate, start.

Create is check-then-book in one locked transaction (the host is chosen and a "reserved"
meeting with its bookings written), then Zoom is called outside the lock, then Zoom's answer
becomes the local copy. A refused create releases its reservation; nothing is left booked.
Edits send only the fields that change, re-read the meeting afterwards (a passcode change
rewrites the join link) and remember a digest of what they sent so the webhook echoing the
edit is skipped. Start links are fetched from Zoom at the moment they are asked for.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from zoombridge.clock import Clock
from zoombridge.db import Catalog
from zoombridge.db.meeting_models import HostBooking, MeetingLink, PoolHost, ScheduledMeeting
from zoombridge.db.secrets import KeyRing
from zoombridge.errors import (
    HostDailyLimitReached,
    InvalidInput,
    MeetingNotFound,
    ZoomError,
    ZoomNotFound,
)
from zoombridge.meetings import edits as edit_ops
from zoombridge.meetings import links as link_ops
from zoombridge.meetings import transfer as moves
from zoombridge.meetings import zoom_calls
from zoombridge.meetings.budget import mark_spent
from zoombridge.meetings.calendar import read_host_calendar, refresh_calendars
from zoombridge.meetings.choice import choose_host
from zoombridge.meetings.drafts import MeetingChanges, MeetingDraft, generate_passcode
from zoombridge.meetings.edits import EditOutcome
from zoombridge.meetings.locking import scheduling_lock
from zoombridge.meetings.notices import MeetingNotice, Notify, ignore_notices
from zoombridge.meetings.pool import find_host, hosts_of_pool
from zoombridge.meetings.records import copy_from_zoom, replace_bookings
from zoombridge.meetings.transfer import Preflight
from zoombridge.settings import MeetingSettings
from zoombridge.zoom.client import ZoomClient
from zoombridge.zoom.meetings import Meeting

__all__ = ["MeetingService"]


@dataclass
class MeetingService:
    """The meetings part for one Zoom connection."""

    catalog: Catalog
    zoom: ZoomClient
    keyring: KeyRing
    clock: Clock
    connection_id: int
    plan: str
    settings: MeetingSettings = field(default_factory=MeetingSettings)
    notify: Notify = ignore_notices
    _passcode_rule: dict[str, Any] | None = None

    async def create(self, draft: MeetingDraft, created_by: str | None = None) -> ScheduledMeeting:
        """Create the meeting with a free host; HostBusy / NoFreeHost / HostDailyLimitReached
        when it cannot be, with nothing booked."""
        wanted = draft.spans()
        candidates = await self._candidates(draft)
        # In a thread: waiting for the lock must not stop the event loop.
        reserved_id, host = await asyncio.to_thread(
            self._reserve, draft, wanted, candidates, created_by
        )
        passcode = draft.passcode or generate_passcode(await self._rule(host.user_id))
        try:
            made = await zoom_calls.create(self.zoom, host.user_id, draft, passcode)
        except ZoomError as exc:
            self._release(reserved_id, host.user_id, exc)
            raise zoom_calls.explain(exc, f"create the {draft.kind} for {host.email}") from None
        row = self._settle(reserved_id, made)
        self.notify(MeetingNotice("created", self.connection_id, row.id))
        return row

    async def _candidates(self, draft: MeetingDraft) -> list[PoolHost]:
        """The hosts to choose from, their Zoom schedules read when older than allowed (a
        named host's always, so a meeting made in Zoom a moment ago is seen)."""
        with self.catalog.session() as session:
            if draft.pool:
                hosts = hosts_of_pool(session, self.connection_id, draft.pool)
            else:
                hosts = [
                    find_host(session, self.connection_id, draft.host, self.settings.host_domains)
                ]
            session.expunge_all()
        max_age = timedelta(seconds=0 if not draft.pool else self.settings.calendar_max_age_seconds)
        now = self.clock.now()
        await refresh_calendars(self.zoom, self.catalog, self.connection_id, hosts, now, max_age)
        return hosts

    def _reserve(
        self,
        draft: MeetingDraft,
        wanted: list[Any],
        candidates: list[PoolHost],
        created_by: str | None,
    ) -> tuple[int, PoolHost]:
        now = self.clock.now()
        with scheduling_lock(self.catalog, self.connection_id) as session:
            choice = choose_host(
                session,
                self.connection_id,
                self.plan,
                candidates,
                wanted,
                draft.webinar,
                now,
                named=not draft.pool,
            )
            row = _reservation(self.connection_id, draft, choice.host.user_id, created_by, now)
            session.add(row)
            replace_bookings(session, row, wanted)
            return row.id, choice.host

    def _release(self, reserved_id: int, host_user_id: str, exc: ZoomError) -> None:
        """Zoom refused: the reservation's bookings go, the row stays as "failed" with why."""
        with self.catalog.session() as session, session.begin():
            row = session.get(ScheduledMeeting, reserved_id)
            if row is not None:
                row.state, row.last_error = "failed", str(exc)
                row.updated_at = self.clock.now()
                replace_bookings(session, row, [])
            if isinstance(exc, HostDailyLimitReached):
                mark_spent(session, self.connection_id, host_user_id, self.clock.now())

    def _settle(self, reserved_id: int, made: Meeting) -> ScheduledMeeting:
        """Zoom made it: its answer becomes the copy; the same meeting read from the host's
        Zoom schedule meanwhile is no longer booked twice."""
        with self.catalog.session() as session, session.begin():
            row = session.get(ScheduledMeeting, reserved_id)
            if row is None:  # pragma: no cover - the row is never deleted
                raise MeetingNotFound(f"meeting {reserved_id} vanished while being created")
            copy_from_zoom(session, row, made, self.keyring, self.clock.now())
            session.execute(
                delete(HostBooking).where(
                    HostBooking.connection_id == self.connection_id,
                    HostBooking.source == "zoom",
                    HostBooking.zoom_id == made.id,
                )
            )
            session.flush()
            session.expunge(row)
        return row

    async def _rule(self, host_user_id: str) -> dict[str, Any]:
        if self._passcode_rule is None:
            self._passcode_rule = await zoom_calls.passcode_rule(self.zoom, host_user_id)
        return self._passcode_rule

    def get(self, meeting_id: int) -> ScheduledMeeting:
        with self.catalog.session() as session:
            row = self._row(session, meeting_id)
            session.expunge(row)
        return row

    def _row(self, session: Session, meeting_id: int) -> ScheduledMeeting:
        row = session.get(ScheduledMeeting, meeting_id)
        if row is None or row.connection_id != self.connection_id:
            raise MeetingNotFound(f"there is no meeting {meeting_id} scheduled by zoombridge")
        return row

    def scheduled(
        self, *, states: tuple[str, ...] = ("active", "missing")
    ) -> list[ScheduledMeeting]:
        with self.catalog.session() as session:
            rows = list(
                session.scalars(
                    select(ScheduledMeeting)
                    .where(
                        ScheduledMeeting.connection_id == self.connection_id,
                        ScheduledMeeting.state.in_(states),
                    )
                    .order_by(ScheduledMeeting.start_time, ScheduledMeeting.id)
                )
            )
            session.expunge_all()
        return rows

    async def cancel(self, meeting_id: int) -> ScheduledMeeting:
        """Delete it in Zoom (already gone there is fine) and free its host's time."""
        row = self.get(meeting_id)
        if row.state in ("cancelled", "failed"):
            return row
        if row.zoom_id is not None and row.state != "missing":
            try:
                await zoom_calls.delete(self.zoom, row)
            except ZoomNotFound:
                pass
            except ZoomError as exc:
                raise zoom_calls.explain(exc, f"cancel meeting {row.zoom_id}") from None
        with self.catalog.session() as session, session.begin():
            row = self._row(session, meeting_id)
            row.state, row.updated_at = "cancelled", self.clock.now()
            replace_bookings(session, row, [])
            session.flush()
            session.expunge(row)
        self.notify(MeetingNotice("cancelled", self.connection_id, row.id))
        return row

    async def start_link(self, meeting_id: int) -> str:
        """The host's start link, fresh from Zoom (it expires after two hours; never stored)."""
        row = self.get(meeting_id)
        if row.zoom_id is None or row.state != "active":
            raise MeetingNotFound(f"meeting {meeting_id} is {row.state}; it cannot be started")
        try:
            meeting = await zoom_calls.read(self.zoom, row)
        except ZoomError as exc:
            raise zoom_calls.explain(exc, f"get a start link for {row.zoom_id}") from None
        if not meeting.start_url:
            raise MeetingNotFound(f"Zoom gave no start link for meeting {row.zoom_id}")
        return meeting.start_url

    async def update(
        self, meeting_id: int, changes: MeetingChanges, *, urgent: bool = True
    ) -> EditOutcome:
        """Send what changes (see `edits`); a non-urgent edit may be queued until 00:00 UTC."""
        return await edit_ops.update(self, meeting_id, changes, urgent=urgent)

    async def apply_due_changes(self) -> int:
        return await edit_ops.apply_due_changes(self)

    async def preflight_transfer(self, meeting_id: int, to: list[str]) -> Preflight:
        return await moves.preflight(self, meeting_id, to)

    async def transfer(
        self, meeting_id: int, to: list[str], *, recreate: bool = False
    ) -> ScheduledMeeting:
        """Move to another host keeping the link, or (recreate) with a new one."""
        return await moves.transfer(self, meeting_id, to, recreate=recreate)

    async def recreate(self, meeting_id: int) -> ScheduledMeeting:
        """A meeting found missing in Zoom made again for its host (new ID and link)."""
        row = self.get(meeting_id)
        if row.state != "missing":
            raise InvalidInput(
                f"meeting {meeting_id} is {row.state}; only missing ones are recreated"
            )
        with self.catalog.session() as session:
            host = session.get(PoolHost, (self.connection_id, row.host_user_id))
            email = host.email if host else row.host_user_id
        made = await moves.recreate_as(self, row, email)
        with self.catalog.session() as session, session.begin():
            old = self._row(session, meeting_id)
            old.state, old.updated_at = "cancelled", self.clock.now()
            old.last_error = f"recreated as meeting {made.id} (Zoom {made.zoom_id})"
        return made

    def link(
        self, meeting_id: int, app: str, external_id: str, visibility: link_ops.Visibility
    ) -> MeetingLink:
        return link_ops.link(self, meeting_id, app, external_id, visibility)

    async def unlink(self, meeting_id: int, app: str, external_id: str) -> bool:
        return await link_ops.unlink(self, meeting_id, app, external_id)

    def links_of(self, meeting_id: int) -> list[MeetingLink]:
        return link_ops.links_of(self, meeting_id)

    def linked_to(self, app: str, external_id: str) -> list[ScheduledMeeting]:
        return link_ops.meetings_of(self, app, external_id)

    def join_details(
        self, meeting_id: int, app: str, external_id: str, audience: link_ops.Audience
    ) -> link_ops.JoinDetails:
        return link_ops.join_details(self, meeting_id, app, external_id, audience)

    async def read_calendar(self, host_user_id: str) -> int:
        """Read one host's real Zoom schedule now."""
        return await read_host_calendar(
            self.zoom, self.catalog, self.connection_id, host_user_id, self.clock.now()
        )


def _reservation(
    connection_id: int, draft: MeetingDraft, host_user_id: str, by: str | None, now: datetime
) -> ScheduledMeeting:
    return ScheduledMeeting(
        connection_id=connection_id,
        webinar=draft.webinar,
        type=draft.meeting_type(),
        host_user_id=host_user_id,
        topic=draft.topic,
        agenda=draft.agenda,
        timezone=draft.timezone,
        start_time=draft.utc_start(),
        duration=draft.duration if draft.fixed_time else None,
        recurrence=draft.recurrence,
        settings_json=draft.options.zoom_settings(),
        state="reserved",
        created_by=by,
        created_at=now,
        updated_at=now,
    )
