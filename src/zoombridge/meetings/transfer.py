"""Moving a meeting to another host.

In place (PATCH `schedule_for`) keeps the meeting ID, passcode and join link; Zoom allows it
only between licensed users, and a webinar's new host needs the webinar add-on. The preflight
says which of these is missing before anything is sent. When the move cannot be made in place
the caller may choose to recreate: a new meeting (new ID, new link) for the new host, the
external links moved to it, the old one deleted.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import update as sql_update

from zoombridge.db.meeting_models import MeetingLink, PoolHost, ScheduledMeeting
from zoombridge.errors import TransferRefused, ZoomError
from zoombridge.meetings import zoom_calls
from zoombridge.meetings.budget import take_write
from zoombridge.meetings.choice import bookings_of, conflict_for, refuse_busy
from zoombridge.meetings.drafts import MeetingDraft, MeetingOptions
from zoombridge.meetings.locking import scheduling_lock
from zoombridge.meetings.notices import MeetingNotice
from zoombridge.meetings.pool import find_host
from zoombridge.meetings.records import (
    copy_from_zoom,
    echo_digest,
    open_passcode,
    replace_bookings,
    spans_of_copy,
)
from zoombridge.zoom.users import list_assistants

if TYPE_CHECKING:
    from zoombridge.meetings.service import MeetingService

__all__ = ["Preflight", "preflight", "recreate_as", "transfer"]

LICENCE = 2


@dataclass
class Preflight:
    """What a move to `target` needs: `in_place` lists what an in-place move lacks (licences,
    add-on); `anyway` what even a recreated meeting would lack (the new host busy, inactive,
    without the webinar add-on)."""

    meeting: ScheduledMeeting
    current: PoolHost | None
    target: PoolHost
    in_place: list[str] = field(default_factory=list)
    anyway: list[str] = field(default_factory=list)

    @property
    def possible_in_place(self) -> bool:
        return not self.in_place and not self.anyway


async def preflight(service: MeetingService, meeting_id: int, to: list[str]) -> Preflight:
    row = service.get(meeting_id)
    with service.catalog.session() as session:
        target = find_host(session, service.connection_id, to, service.settings.host_domains)
        current = session.get(PoolHost, (service.connection_id, row.host_user_id))
        check = Preflight(row, current, target)
        if row.state != "active":
            check.anyway.append(f"the meeting is {row.state}, not active")
        if row.webinar and not target.webinar:
            check.anyway.append(f"{target.email} has no webinar add-on in Zoom")
        if current is not None and current.user_type != LICENCE:
            check.in_place.append(f"the current host {current.email} is not licensed")
        if target.user_type != LICENCE:
            check.in_place.append(
                f"{target.email} is not licensed (Zoom moves meetings only between licensed users)"
            )
        spans = spans_of_copy(row)
        if spans:
            busy = bookings_of(session, service.connection_id, [target.user_id], spans)[
                target.user_id
            ]
            if conflict := conflict_for(target, service.plan, spans, row.webinar, busy):
                check.anyway.append(str(refuse_busy(target, conflict, advice=False)))
        session.expunge_all()
    current = check.current
    if not check.in_place and current is not None and current.user_id != check.target.user_id:
        await _check_privilege(service, check)
    return check


async def _check_privilege(service: MeetingService, check: Preflight) -> None:
    """Zoom moves a meeting only when its host may schedule for the new host: the current
    host must be one of the new host's assistants (scheduling privilege)."""
    assert check.current is not None
    try:
        assistants = await list_assistants(service.zoom, check.target.user_id)
    except ZoomError as exc:
        check.in_place.append(f"the new host's scheduling privileges could not be read ({exc})")
        return
    if check.current.user_id not in {a.id for a in assistants}:
        check.in_place.append(
            f"{check.current.email} has no scheduling privilege for {check.target.email} "
            f"(in Zoom, add {check.current.email} as an assistant of {check.target.email})"
        )


async def transfer(
    service: MeetingService, meeting_id: int, to: list[str], *, recreate: bool = False
) -> ScheduledMeeting:
    """Move the meeting to the host with one of the addresses `to`; TransferRefused naming
    what is missing when it cannot be done (in place, or at all)."""
    check = await preflight(service, meeting_id, to)
    if check.target.user_id == check.meeting.host_user_id:
        return check.meeting
    if check.anyway:
        raise TransferRefused(_refusal(check, check.anyway, ""), missing=check.anyway)
    if check.in_place and not recreate:
        hint = "; ask again with recreate to make a new meeting (new ID and link) for the new host"
        raise TransferRefused(_refusal(check, check.in_place, hint), missing=check.in_place)
    if check.in_place:
        return await _recreate_for(service, check)
    return await _move_in_place(service, check)


def _refusal(check: Preflight, missing: list[str], hint: str) -> str:
    head = f"meeting {check.meeting.zoom_id} cannot move to {check.target.email}"
    return f"{head}: {'; '.join(missing)}{hint}"


async def _move_in_place(service: MeetingService, check: Preflight) -> ScheduledMeeting:
    row, target = check.meeting, check.target
    body = {"schedule_for": target.email}
    await asyncio.to_thread(_book_target, service, check, body)
    try:
        await zoom_calls.patch(service.zoom, row, body)
        fresh = await zoom_calls.read(service.zoom, row)
    except ZoomError as exc:
        _give_back_to(service, row)
        raise zoom_calls.explain(exc, f"move meeting {row.zoom_id} to {target.email}") from None
    with service.catalog.session() as session, session.begin():
        live = session.get(ScheduledMeeting, row.id)
        assert live is not None
        copy_from_zoom(session, live, fresh, service.keyring, service.clock.now())
        live.echo_digest = echo_digest(body)
        session.flush()
        session.expunge(live)
    old = check.current.email if check.current else row.host_user_id
    changes = {"host": (old, target.email)}
    service.notify(MeetingNotice("host_changed", service.connection_id, row.id, changes))
    return live


def _book_target(service: MeetingService, check: Preflight, body: dict[str, str]) -> None:
    """Under the lock: the new host is checked again (the preflight ran without it) and its
    time booked for this meeting before Zoom is asked."""
    row, target = check.meeting, check.target
    with scheduling_lock(service.catalog, service.connection_id) as session:
        spans = spans_of_copy(row)
        if spans:
            ids = [target.user_id]
            busy = bookings_of(session, service.connection_id, ids, spans, except_meeting=row.id)
            if conflict := conflict_for(target, service.plan, spans, row.webinar, busy[ids[0]]):
                raise refuse_busy(target, conflict)
        label = check.current.email if check.current else row.host_user_id
        take_write(session, service.connection_id, row.host_user_id, label, service.clock.now())
        live = session.get(ScheduledMeeting, row.id)
        assert live is not None
        live.echo_digest = echo_digest(body)
        live.host_user_id = target.user_id
        replace_bookings(session, live, spans)


def _give_back_to(service: MeetingService, row: ScheduledMeeting) -> None:
    """Zoom refused the move: the meeting and its bookings are the old host's again."""
    with service.catalog.session() as session, session.begin():
        live = session.get(ScheduledMeeting, row.id)
        if live is not None:
            live.host_user_id, live.echo_digest = row.host_user_id, None
            replace_bookings(session, live, spans_of_copy(live))


async def _recreate_for(service: MeetingService, check: Preflight) -> ScheduledMeeting:
    row, target = check.meeting, check.target
    made = await recreate_as(service, row, target.email)
    await service.cancel(row.id)
    old = check.current.email if check.current else row.host_user_id
    detail = f"recreated as Zoom meeting {made.zoom_id} with a new link; {row.zoom_id} was deleted"
    changes = {"host": (old, target.email)}
    service.notify(MeetingNotice("host_changed", service.connection_id, made.id, changes, detail))
    return made


async def recreate_as(
    service: MeetingService, row: ScheduledMeeting, host_email: str
) -> ScheduledMeeting:
    """A new meeting like `row` (same topic, time, passcode, settings) for `host_email`, with
    `row`'s external links moved to it."""
    draft = MeetingDraft(
        kind="webinar" if row.webinar else "meeting",
        topic=row.topic,
        agenda=row.agenda,
        start_time=row.start_time,
        duration=row.duration,
        timezone=row.timezone,
        recurrence=row.recurrence,
        fixed_time=row.start_time is not None,
        passcode=open_passcode(row, service.keyring),
        options=MeetingOptions.model_validate(_known_options(row)),
        host=[host_email],
    )
    made = await service.create(draft, created_by=row.created_by)
    with service.catalog.session() as session, session.begin():
        moved = sql_update(MeetingLink).where(MeetingLink.meeting_id == row.id)
        session.execute(moved.values(meeting_id=made.id))
    return made


def _known_options(row: ScheduledMeeting) -> dict[str, object]:
    names = MeetingOptions.model_fields.keys() - {"alternative_hosts", "registration"}
    return {k: v for k, v in row.settings_json.items() if k in names}
