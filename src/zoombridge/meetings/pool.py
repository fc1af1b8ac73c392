"""The hosts zoombridge may schedule for: synced from Zoom, grouped in named pools, found
by any of a person's e-mail addresses.

A host's capacity depends on its licence (Zoom user type) and the account's plan; a webinar
needs the webinar add-on, which Zoom reports only in each user's settings, so it is read for
licensed active users (the only ones who can hold it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from zoombridge.db import Catalog
from zoombridge.db.meeting_models import HostPool, HostPoolMember, PoolHost
from zoombridge.errors import InvalidInput, ZoomNotFound
from zoombridge.zoom.client import ZoomClient
from zoombridge.zoom.models import User
from zoombridge.zoom.users import get_user_settings, iter_all_users

__all__ = [
    "HostSync",
    "find_host",
    "hosts_of_pool",
    "list_hosts",
    "list_pools",
    "save_pool",
    "sync_hosts",
]

SETTINGS_AT_ONCE = 4


@dataclass(frozen=True)
class HostSync:
    """What a host sync found: hosts seen, with webinar add-on, and no longer in Zoom."""

    seen: int
    licensed: int
    webinar: int
    gone: list[str]


async def sync_hosts(
    zoom: ZoomClient, catalog: Catalog, connection_id: int, now: datetime
) -> HostSync:
    """Read every Zoom user (active, inactive, pending) into the host table."""
    users = [u async for u in iter_all_users(zoom) if u.id]
    webinar = await _webinar_holders(
        zoom, [u for u in users if u.licensed and u.status == "active"]
    )
    with catalog.session() as session, session.begin():
        known = {h.user_id: h for h in _hosts(session, connection_id)}
        for user in users:
            _save_host(
                session, known.get(user.id or ""), user, connection_id, user.id in webinar, now
            )
        gone = sorted(k for k in known if k not in {u.id for u in users})
        if gone:
            session.execute(
                update(PoolHost)
                .where(PoolHost.connection_id == connection_id, PoolHost.user_id.in_(gone))
                .values(status="gone", synced_at=now)
            )
        gone_emails = [known[k].email for k in gone]
    licensed = sum(1 for u in users if u.licensed)
    return HostSync(len(users), licensed, len(webinar), gone_emails)


async def _webinar_holders(zoom: ZoomClient, users: Sequence[User]) -> set[str]:
    limit = asyncio.Semaphore(SETTINGS_AT_ONCE)

    async def holds(user: User) -> str | None:
        async with limit:
            try:
                settings: Any = await get_user_settings(zoom, user.id or "")
            except ZoomNotFound:
                return None
        return user.id if (settings or {}).get("feature", {}).get("webinar") else None

    found = await asyncio.gather(*(holds(u) for u in users))
    return {user_id for user_id in found if user_id}


def _save_host(
    session: Session,
    host: PoolHost | None,
    user: User,
    connection_id: int,
    webinar: bool,
    now: datetime,
) -> None:
    if host is None:
        host = PoolHost(connection_id=connection_id, user_id=user.id)
        session.add(host)
    host.email = user.email.lower()
    host.display_name = (
        user.display_name or f"{user.first_name or ''} {user.last_name or ''}"
    ).strip()
    host.user_type = int(user.type or 1)
    host.webinar = webinar
    host.status = user.status or "active"
    host.timezone = user.timezone
    host.synced_at = now


def _hosts(session: Session, connection_id: int) -> list[PoolHost]:
    return list(session.scalars(select(PoolHost).where(PoolHost.connection_id == connection_id)))


def list_hosts(catalog: Catalog, connection_id: int) -> list[PoolHost]:
    with catalog.session() as session:
        hosts = _hosts(session, connection_id)
        session.expunge_all()
    return sorted(hosts, key=lambda h: h.email)


def find_host(
    session: Session, connection_id: int, emails: Iterable[str], domains: Sequence[str]
) -> PoolHost:
    """The active host with one of `emails` (a person may have several), looked up only in the
    allowed e-mail domains; InvalidInput that says which addresses were tried and why not."""
    wanted = [e.strip().lower() for e in emails if e and e.strip()]
    if not wanted:
        raise InvalidInput("name the host by e-mail address (or Zoom user id), or choose a pool")
    allowed = [e for e in wanted if "@" not in e or _domain_allowed(e, domains)]
    if not allowed:
        raise InvalidInput(
            f"{', '.join(wanted)}: not in the e-mail domains hosts are looked up in "
            f"({', '.join(domains)})"
        )
    rows = session.scalars(
        select(PoolHost).where(
            PoolHost.connection_id == connection_id,
            (PoolHost.email.in_(allowed)) | (PoolHost.user_id.in_(allowed)),
        )
    ).all()
    by_key = {r.email: r for r in rows} | {r.user_id.lower(): r for r in rows}
    for email in allowed:  # the caller's order: their primary address first
        host = by_key.get(email)
        if host is not None and host.status == "active":
            return host
    inactive = [by_key[e].email for e in allowed if e in by_key]
    if inactive:
        raise InvalidInput(f"{', '.join(inactive)} cannot host: the Zoom user is not active")
    raise InvalidInput(
        f"no Zoom user with {' or '.join(allowed)}; run `zoombridge meetings hosts --sync` "
        "if the user was added recently"
    )


def _domain_allowed(email: str, domains: Sequence[str]) -> bool:
    if not domains:
        return True
    domain = email.rsplit("@", 1)[1]
    return any(domain == d or domain.endswith("." + d) for d in domains)


def save_pool(catalog: Catalog, connection_id: int, name: str, emails: Sequence[str]) -> list[str]:
    """Create or replace the pool `name` with the hosts of `emails`; returns their user ids.
    An unknown e-mail refuses the whole change."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("a pool needs a name of 1 to 100 characters")
    with catalog.session() as session, session.begin():
        hosts = [find_host(session, connection_id, [e], []) for e in emails]
        pool = session.scalar(
            select(HostPool).where(HostPool.connection_id == connection_id, HostPool.name == name)
        )
        if pool is None:
            pool = HostPool(connection_id=connection_id, name=name)
            session.add(pool)
            session.flush()
        session.execute(delete(HostPoolMember).where(HostPoolMember.pool_id == pool.id))
        ids = sorted({h.user_id for h in hosts})
        session.add_all(
            HostPoolMember(pool_id=pool.id, connection_id=connection_id, user_id=i) for i in ids
        )
    return ids


def hosts_of_pool(session: Session, connection_id: int, name: str) -> list[PoolHost]:
    pool = session.scalar(
        select(HostPool).where(HostPool.connection_id == connection_id, HostPool.name == name)
    )
    if pool is None:
        raise InvalidInput(f"there is no host pool named {name!r}")
    return list(
        session.scalars(
            select(PoolHost)
            .join(
                HostPoolMember,
                (HostPoolMember.connection_id == PoolHost.connection_id)
                & (HostPoolMember.user_id == PoolHost.user_id),
            )
            .where(HostPoolMember.pool_id == pool.id)
        )
    )


def list_pools(catalog: Catalog, connection_id: int) -> dict[str, list[str]]:
    """Each pool's name with its hosts' e-mail addresses."""
    with catalog.session() as session:
        rows = session.execute(
            select(HostPool.name, PoolHost.email)
            .select_from(HostPool)
            .outerjoin(HostPoolMember, HostPoolMember.pool_id == HostPool.id)
            .outerjoin(
                PoolHost,
                (PoolHost.connection_id == HostPoolMember.connection_id)
                & (PoolHost.user_id == HostPoolMember.user_id),
            )
            .where(HostPool.connection_id == connection_id)
        ).all()
    pools: dict[str, list[str]] = {}
    for name, email in rows:
        pools.setdefault(name, [])
        if email:
            pools[name].append(email)
    return {name: sorted(emails) for name, emails in sorted(pools.items())}
