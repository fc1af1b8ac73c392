"""Sign-in throttling: at most so many attempts per WINDOW for one address from one client,
for one address from anywhere, and from one client for any address.

An attempt is counted before its password is checked, in one atomic statement (an upsert
that returns the new count), so guesses sent in parallel cannot slip past the count, and
an attempt over the limit costs no password hash. A successful sign-in clears the counts
of its address. The per-address limit is higher than the per-pair one, so someone else's
guesses make a person wait only after many tries; the per-client one is higher still, as
many people may share an address (a campus NAT).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from zoombridge.db.models import SignInAttempts

__all__ = ["LIMITS", "WINDOW", "clear", "count_attempt", "count_keys"]

WINDOW = timedelta(minutes=15)
LIMITS = {"pair": 5, "email": 20, "client": 50}


def _keys(email: str, client: str) -> dict[str, str]:
    return {"pair": f"pair:{client}:{email}", "email": f"email:{email}", "client": f"ip:{client}"}


def count_attempt(session: Session, email: str, client: str, now: datetime) -> datetime | None:
    """Count one attempt; when any count is over its limit, the time it may be tried again."""
    return count_keys(
        session, {key: LIMITS[kind] for kind, key in _keys(email, client).items()}, now
    )


def count_keys(session: Session, limits: Mapping[str, int], now: datetime) -> datetime | None:
    """Count one attempt under each key (other throttles than sign-in's, with their own key
    prefixes); when any count is over its limit, the time it may be tried again."""
    until: list[datetime] = []
    for key, limit in limits.items():
        count, first = _counted(session, key, now)
        if count > limit:
            until.append(first + WINDOW)
    return max(until, default=None)


def _counted(session: Session, key: str, now: datetime) -> tuple[int, datetime]:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stale = SignInAttempts.first_at <= now - WINDOW
    started = literal(now, SignInAttempts.first_at.type)
    statement = (
        insert(SignInAttempts)
        .values(key=key, attempts=1, first_at=now)
        .on_conflict_do_update(
            index_elements=[SignInAttempts.key],
            set_={
                "attempts": case((stale, 1), else_=SignInAttempts.attempts + 1),
                "first_at": case((stale, started), else_=SignInAttempts.first_at),
            },
        )
        .returning(SignInAttempts.attempts, SignInAttempts.first_at)
    )
    count, first = session.execute(statement).one()
    return int(count), first


def clear(session: Session, email: str, client: str) -> None:
    """A successful sign-in: its address starts afresh (the client's count stays)."""
    keys = _keys(email, client)
    session.execute(
        delete(SignInAttempts).where(SignInAttempts.key.in_([keys["pair"], keys["email"]]))
    )
