"""Links from other applications' objects to meetings (Indico's model: one Zoom meeting used
by an event, a session and a contribution), each saying who may see the join link and
passcode through it.

The calling application says who is looking: anyone, a signed-in user, a registered
participant, or one of the object's managers. A link's visibility admits that audience or
not; managers always see. Unlinking the last object deletes the meeting in Zoom when the
installation says so (the default), so meetings nobody uses do not linger.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Select, delete, func, select

from zoombridge.db.meeting_models import MeetingLink, ScheduledMeeting
from zoombridge.errors import InvalidInput, MeetingNotFound
from zoombridge.meetings.records import open_join_url, open_passcode

if TYPE_CHECKING:
    from zoombridge.meetings.service import MeetingService

__all__ = [
    "Audience",
    "JoinDetails",
    "Visibility",
    "join_details",
    "link",
    "links_of",
    "meetings_of",
    "unlink",
]

Visibility = Literal["everyone", "signed_in", "registered", "no_one"]
Audience = Literal["anyone", "signed_in", "registered", "manager"]
# The least audience each visibility admits (managers of the object always see).
ADMITS: dict[str, int] = {"everyone": 0, "signed_in": 1, "registered": 2, "no_one": 3}
RANK: dict[str, int] = {"anyone": 0, "signed_in": 1, "registered": 2, "manager": 3}


@dataclass(frozen=True)
class JoinDetails:
    """What one audience may see through one link: the link and passcode, or why not."""

    visible: bool
    join_url: str | None = None
    passcode: str | None = None
    reason: str = ""


def _check_object(app: str, external_id: str) -> None:
    if not app.strip() or len(app) > 100:
        raise InvalidInput("app must name the calling application in 1 to 100 characters")
    if not external_id.strip() or len(external_id) > 200:
        raise InvalidInput("external_id must identify the object in 1 to 200 characters")


def link(
    service: MeetingService, meeting_id: int, app: str, external_id: str, visibility: Visibility
) -> MeetingLink:
    """Link the object to the meeting (again: its visibility is updated)."""
    _check_object(app, external_id)
    if visibility not in ADMITS:
        raise InvalidInput(f"visibility must be one of {', '.join(ADMITS)}")
    service.get(meeting_id)  # MeetingNotFound for another connection's or no meeting
    with service.catalog.session() as session, session.begin():
        row = session.scalar(_one(meeting_id, app, external_id))
        if row is None:
            row = MeetingLink(
                meeting_id=meeting_id,
                app=app,
                external_id=external_id,
                created_at=service.clock.now(),
            )
            session.add(row)
        row.visibility = visibility
        session.flush()
        session.expunge(row)
    return row


async def unlink(service: MeetingService, meeting_id: int, app: str, external_id: str) -> bool:
    """Remove the link; True when it was the last and the meeting was cancelled in Zoom."""
    service.get(meeting_id)
    with service.catalog.session() as session, session.begin():
        gone = session.execute(
            delete(MeetingLink).where(
                MeetingLink.meeting_id == meeting_id,
                MeetingLink.app == app,
                MeetingLink.external_id == external_id,
            )
        )
        if not getattr(gone, "rowcount", 0):
            raise MeetingNotFound(f"{app}/{external_id} is not linked to meeting {meeting_id}")
        left = session.scalar(select(func.count()).where(MeetingLink.meeting_id == meeting_id))
    if left == 0 and service.settings.delete_when_unlinked:
        await service.cancel(meeting_id)
        return True
    return False


def links_of(service: MeetingService, meeting_id: int) -> list[MeetingLink]:
    with service.catalog.session() as session:
        rows = list(
            session.scalars(
                select(MeetingLink)
                .where(MeetingLink.meeting_id == meeting_id)
                .order_by(MeetingLink.id)
            )
        )
        session.expunge_all()
    return rows


def meetings_of(service: MeetingService, app: str, external_id: str) -> list[ScheduledMeeting]:
    """The meetings an object is linked to (an event may use several)."""
    with service.catalog.session() as session:
        rows = list(
            session.scalars(
                select(ScheduledMeeting)
                .join(MeetingLink, MeetingLink.meeting_id == ScheduledMeeting.id)
                .where(
                    ScheduledMeeting.connection_id == service.connection_id,
                    MeetingLink.app == app,
                    MeetingLink.external_id == external_id,
                )
                .order_by(ScheduledMeeting.start_time, ScheduledMeeting.id)
            )
        )
        session.expunge_all()
    return rows


def join_details(
    service: MeetingService, meeting_id: int, app: str, external_id: str, audience: Audience
) -> JoinDetails:
    """The join link and passcode for `audience` looking through one linked object."""
    if audience not in RANK:
        raise InvalidInput(f"audience must be one of {', '.join(RANK)}")
    row = service.get(meeting_id)
    with service.catalog.session() as session:
        found = session.scalar(_one(meeting_id, app, external_id))
    if found is None:
        raise MeetingNotFound(f"{app}/{external_id} is not linked to meeting {meeting_id}")
    if row.state != "active":
        return JoinDetails(False, reason=f"the meeting is {row.state}")
    if RANK[audience] < ADMITS[found.visibility]:
        return JoinDetails(
            False, reason=f"this link shows the join details to {found.visibility} only"
        )
    return JoinDetails(
        True, open_join_url(row, service.keyring), open_passcode(row, service.keyring)
    )


def _one(meeting_id: int, app: str, external_id: str) -> Select[MeetingLink]:
    return select(MeetingLink).where(
        MeetingLink.meeting_id == meeting_id,
        MeetingLink.app == app,
        MeetingLink.external_id == external_id,
    )
