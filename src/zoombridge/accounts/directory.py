"""The admins' view of the portal's users: who they are, whether they can sign in, whether
an invitation is still waiting, and the changes an admin makes to someone else.

An admin cannot lower their own role nor disable themselves: the last admin would lock
everyone out of user administration, and only `zoombridge user` could undo it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from zoombridge.accounts.links import outstanding_invitations
from zoombridge.accounts.roles import Role
from zoombridge.accounts.users import UserView, update_user
from zoombridge.db import Catalog
from zoombridge.db.models import PortalUser
from zoombridge.errors import InvalidInput

__all__ = ["UserRow", "change_user", "user_rows"]


@dataclass(frozen=True)
class UserRow:
    id: int
    email: str
    name: str | None
    role: Role
    disabled: bool
    has_password: bool
    created_at: datetime
    last_sign_in_at: datetime | None
    invitation: str | None  # "pending" | "expired" | None (none outstanding)
    invitation_expires_at: datetime | None

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "role": self.role.label,
            "disabled": self.disabled,
            "has_password": self.has_password,
            "created_at": self.created_at.isoformat(),
            "last_sign_in_at": _iso(self.last_sign_in_at),
            "invitation": self.invitation,
            "invitation_expires_at": _iso(self.invitation_expires_at),
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def user_rows(catalog: Catalog, now: datetime, user_id: int | None = None) -> list[UserRow]:
    """Every user by address (or the one `user_id`, if there is one); an invitation shows
    only while no password is set."""
    query = select(PortalUser).order_by(func.lower(PortalUser.email))
    if user_id is not None:
        query = query.where(PortalUser.id == user_id)
    with catalog.session() as session:
        invitations = outstanding_invitations(session, user_id)
        return [_row(user, invitations.get(user.id), now) for user in session.scalars(query)]


def _row(user: PortalUser, invited_until: datetime | None, now: datetime) -> UserRow:
    waiting = invited_until if user.password_hash is None else None
    state = None if waiting is None else ("pending" if waiting > now else "expired")
    return UserRow(
        id=user.id,
        email=user.email,
        name=user.name,
        role=Role.parse(user.role),
        disabled=user.disabled,
        has_password=user.password_hash is not None,
        created_at=user.created_at,
        last_sign_in_at=user.last_sign_in_at,
        invitation=state,
        invitation_expires_at=waiting,
    )


def change_user(
    catalog: Catalog,
    actor_id: int,
    user_id: int,
    *,
    role: Role | None = None,
    disabled: bool | None = None,
) -> UserView:
    """An admin changes a user's role or switches them off or on; InvalidInput for no such
    user, or for lowering one's own role or disabling oneself."""
    if user_id == actor_id and disabled:
        raise InvalidInput("you cannot disable yourself; another admin can")
    if user_id == actor_id and role is not None and role < Role.ADMIN:
        raise InvalidInput("you cannot lower your own role; another admin can")
    return update_user(catalog, user_id, role=role, disabled=disabled)
