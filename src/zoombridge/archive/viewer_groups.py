"""Groups of viewers: named sets of portal users that Admins keep, so a recording shared
with "Physics 101" or "Board" reaches whoever is in it today (VIDIZMO's "shared with users
and groups").

A recording's "chosen" visibility names users and groups (archive.library's Sharing); who
may see is decided by archive.visibility, which reads membership at every query. Adding a
member grants them what the group was given; removing one takes it away at once. Deleting a
group removes its grants with it. Every refusal (a blank or taken name, an address that is
no portal user) changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from zoombridge.db import Catalog
from zoombridge.db.library_models import LibraryViewerGroup, ViewerGroup, ViewerGroupMember
from zoombridge.db.models import PortalUser
from zoombridge.errors import InvalidInput

__all__ = [
    "MAX_GROUP_NAME",
    "MAX_MEMBERS_AT_ONCE",
    "GroupView",
    "Member",
    "add_members",
    "chosen_group_names",
    "create_group",
    "delete_group",
    "find_group",
    "group_ids",
    "group_names",
    "list_groups",
    "portal_user_ids",
    "remove_member",
]

MAX_GROUP_NAME = 80
MAX_MEMBERS_AT_ONCE = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Member:
    user_id: int
    email: str


@dataclass(frozen=True)
class GroupView:
    id: int
    name: str
    members: tuple[Member, ...]  # by e-mail address
    recordings: int  # how many recordings were shared with the group

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "members": [{"id": m.user_id, "email": m.email} for m in self.members],
            "recordings": self.recordings,
        }


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_GROUP_NAME or _CONTROL.search(cleaned):
        raise InvalidInput(
            f"a group's name needs 1 to {MAX_GROUP_NAME} printable characters, not {name[:90]!r}"
        )
    return cleaned


def _view(session: Session, group: ViewerGroup) -> GroupView:
    members = session.execute(
        select(PortalUser.id, PortalUser.email)
        .join(ViewerGroupMember, ViewerGroupMember.user_id == PortalUser.id)
        .where(ViewerGroupMember.group_id == group.id)
        .order_by(PortalUser.email)
    ).all()
    shared = session.scalar(select(func.count()).where(LibraryViewerGroup.group_id == group.id))
    listed = tuple(Member(user_id, email) for user_id, email in members)
    return GroupView(group.id, group.name, listed, int(shared or 0))


def list_groups(catalog: Catalog) -> list[GroupView]:
    """Every group by name, with its members."""
    with catalog.session() as session:
        groups = session.scalars(select(ViewerGroup).order_by(func.lower(ViewerGroup.name)))
        return [_view(session, group) for group in groups.all()]


def group_names(catalog: Catalog) -> list[str]:
    """Every group's name, for a sharing form to offer."""
    with catalog.session() as session:
        found = session.scalars(select(ViewerGroup.name).order_by(func.lower(ViewerGroup.name)))
        return list(found.all())


def find_group(catalog: Catalog, group_id: int) -> GroupView | None:
    with catalog.session() as session:
        group = session.get(ViewerGroup, group_id)
        return None if group is None else _view(session, group)


def _group(session: Session, group_id: int) -> ViewerGroup:
    group = session.get(ViewerGroup, group_id)
    if group is None:
        raise InvalidInput(f"there is no group {group_id}")
    return group


def create_group(catalog: Catalog, name: str, actor_id: int | None, now: datetime) -> GroupView:
    """A new, empty group; InvalidInput for a bad name or one taken (in any letter case)."""
    cleaned = _clean_name(name)
    with catalog.session() as session, session.begin():
        taken = session.scalar(
            select(ViewerGroup.id).where(func.lower(ViewerGroup.name) == cleaned.lower())
        )
        if taken is not None:
            raise InvalidInput(f"a group named {cleaned!r} exists already")
        group = ViewerGroup(name=cleaned, created_at=now, created_by=actor_id)
        session.add(group)
        session.flush()
        return _view(session, group)


def delete_group(catalog: Catalog, group_id: int) -> None:
    """Remove the group, its members' places in it and every recording's grant to it."""
    with catalog.session() as session, session.begin():
        group = _group(session, group_id)
        session.execute(delete(LibraryViewerGroup).where(LibraryViewerGroup.group_id == group.id))
        session.execute(delete(ViewerGroupMember).where(ViewerGroupMember.group_id == group.id))
        session.delete(group)


def _user_ids(session: Session, emails: list[str]) -> dict[str, int]:
    """Portal users by address; InvalidInput naming the addresses that are none."""
    wanted = sorted({email.strip().lower() for email in emails if email.strip()})
    if not wanted:
        raise InvalidInput("give the e-mail address of at least one portal user")
    if len(wanted) > MAX_MEMBERS_AT_ONCE:
        raise InvalidInput(f"at most {MAX_MEMBERS_AT_ONCE} addresses at once")
    return portal_user_ids(session, wanted)


def portal_user_ids(session: Session, wanted: list[str]) -> dict[str, int]:
    """The portal users with these (normalized) addresses, by address; InvalidInput naming
    the first ten that are none."""
    found = dict(
        session.execute(
            select(PortalUser.email, PortalUser.id).where(PortalUser.email.in_(wanted))
        ).all()
    )
    unknown = [email for email in wanted if email not in found]
    if unknown:
        raise InvalidInput(f"not portal users: {', '.join(unknown[:10])}; invite them first")
    return found


def add_members(catalog: Catalog, group_id: int, emails: list[str], now: datetime) -> GroupView:
    """Add portal users to the group (those in it already stay as they are); all or none."""
    with catalog.session() as session, session.begin():
        group = _group(session, group_id)
        users = _user_ids(session, emails)
        present = set(
            session.scalars(
                select(ViewerGroupMember.user_id).where(ViewerGroupMember.group_id == group.id)
            )
        )
        session.add_all(
            ViewerGroupMember(group_id=group.id, user_id=user_id, added_at=now)
            for user_id in sorted(set(users.values()) - present)
        )
        session.flush()
        return _view(session, group)


def remove_member(catalog: Catalog, group_id: int, user_id: int) -> GroupView:
    """Take someone out of the group: what was shared only through it is hidden from them
    from their next request on. InvalidInput when they are not in it."""
    with catalog.session() as session, session.begin():
        group = _group(session, group_id)
        gone = session.execute(
            delete(ViewerGroupMember).where(
                ViewerGroupMember.group_id == group.id, ViewerGroupMember.user_id == user_id
            )
        )
        if not gone.rowcount:  # type: ignore[attr-defined]
            raise InvalidInput(f"user {user_id} is not in the group {group.name!r}")
        return _view(session, group)


def group_ids(session: Session, names: tuple[str, ...]) -> list[int]:
    """The ids of groups named (in any letter case); InvalidInput naming those that are not."""
    wanted = {" ".join(name.split()).lower() for name in names if name.strip()}
    if not wanted:
        return []
    found: dict[str, int] = dict(
        session.execute(
            select(func.lower(ViewerGroup.name), ViewerGroup.id).where(
                func.lower(ViewerGroup.name).in_(sorted(wanted))
            )
        ).all()
    )
    unknown = sorted(wanted - set(found))
    if unknown:
        raise InvalidInput(f"no such groups: {', '.join(unknown[:10])}; an Admin makes them")
    return sorted(found.values())


def chosen_group_names(session: Session, connection_id: int, uuid: str) -> list[str]:
    """The groups chosen to see one recording, by name."""
    return list(
        session.scalars(
            select(ViewerGroup.name)
            .join(LibraryViewerGroup, LibraryViewerGroup.group_id == ViewerGroup.id)
            .where(
                LibraryViewerGroup.connection_id == connection_id,
                LibraryViewerGroup.meeting_uuid == uuid,
            )
            .order_by(func.lower(ViewerGroup.name))
        ).all()
    )
