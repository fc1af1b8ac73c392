"""Zoom's per-host write budget: 100 meeting/webinar creates and updates per host per UTC day.

Counted in the database, so every worker sees the same count, and taken before the call is
sent: a host at its limit gets "host X is at its daily limit until 00:00 UTC" from us
instead of an obscure 429 from Zoom. When Zoom says the limit is reached anyway (writes made
outside zoombridge count too), the day is marked full.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from zoombridge.db.meeting_models import HostWriteCount
from zoombridge.errors import HostDailyLimitReached

__all__ = [
    "HOST_WRITES_PER_DAY",
    "give_back",
    "mark_spent",
    "next_reset",
    "take_write",
    "writes_today",
]

HOST_WRITES_PER_DAY = 100


def next_reset(now: datetime) -> datetime:
    """00:00 UTC after `now`, when Zoom's daily count starts again."""
    day = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _row(session: Session, connection_id: int, host_user_id: str, now: datetime) -> HostWriteCount:
    day = now.astimezone(UTC).date().isoformat()
    key = (connection_id, host_user_id, day)
    row = session.get(HostWriteCount, key)
    if row is None:
        row = HostWriteCount(
            connection_id=connection_id, host_user_id=host_user_id, day=day, count=0
        )
        session.add(row)
    return row


def take_write(
    session: Session, connection_id: int, host_user_id: str, label: str, now: datetime
) -> int:
    """Count one write for the host (inside the scheduling lock); HostDailyLimitReached when
    the day's 100 are spent. Returns the writes left today."""
    row = _row(session, connection_id, host_user_id, now)
    if row.count >= HOST_WRITES_PER_DAY:
        raise HostDailyLimitReached(
            f"host {label} is at Zoom's daily limit of {HOST_WRITES_PER_DAY} meeting "
            f"create/update calls until 00:00 UTC",
            resume_at=next_reset(now),
            host=label,
        )
    row.count += 1
    return HOST_WRITES_PER_DAY - row.count


def give_back(session: Session, connection_id: int, host_user_id: str, now: datetime) -> None:
    """A counted write that never reached Zoom (refused before sending) is not spent."""
    row = _row(session, connection_id, host_user_id, now)
    row.count = max(0, row.count - 1)


def mark_spent(session: Session, connection_id: int, host_user_id: str, now: datetime) -> None:
    """Zoom said the host's daily limit is reached: no more writes for them today."""
    _row(session, connection_id, host_user_id, now).count = HOST_WRITES_PER_DAY


def writes_today(session: Session, connection_id: int, now: datetime) -> dict[str, int]:
    """Each host's writes counted today."""
    day = now.astimezone(UTC).date().isoformat()
    rows = session.execute(
        select(HostWriteCount.host_user_id, HostWriteCount.count).where(
            HostWriteCount.connection_id == connection_id, HostWriteCount.day == day
        )
    )
    return {host: count for host, count in rows}
