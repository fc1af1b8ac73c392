"""One-time links that let a person set their password: an invitation (valid 7 days) or a
password reset (valid 1 hour).

A link is a random 256-bit token of which only the SHA-256 is stored. A newer link of the
same purpose revokes the user's older ones; using a link revokes every other link of its
user. Using one is claimed by a single conditional UPDATE, so two submissions of the same
link cannot both set a password. Setting the password goes through `users.set_password`,
which ends the user's sessions.

Should the process stop between the claim and the new password, the link is spent and the
password unchanged: the person asks for another link, and no link is ever used twice.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from zoombridge.accounts.users import check_password, set_password
from zoombridge.db import Catalog
from zoombridge.db.models import PasswordLink, PortalUser
from zoombridge.errors import LinkUnusable

__all__ = [
    "INVITE",
    "LIFETIMES",
    "RESET",
    "LinkHolder",
    "check_link",
    "issue_link",
    "outstanding_invitations",
    "revoke_link",
    "use_link",
]

INVITE, RESET = "invite", "reset"
LIFETIMES = {INVITE: timedelta(days=7), RESET: timedelta(hours=1)}
MAX_TOKEN = 100  # a made token has 43 characters; longer is not one of ours


@dataclass(frozen=True)
class LinkHolder:
    """Whose password a usable link sets, and until when it may."""

    user_id: int
    email: str
    purpose: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(session: Session, user_id: int, purpose: str, now: datetime) -> str:
    """A new link's token (in the caller's transaction); older ones of its purpose end."""
    if purpose not in LIFETIMES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    session.execute(
        update(PasswordLink)
        .where(
            PasswordLink.user_id == user_id,
            PasswordLink.purpose == purpose,
            PasswordLink.used_at.is_(None),
            PasswordLink.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordLink(
            token_sha256=_digest(token),
            user_id=user_id,
            purpose=purpose,
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    return token


def revoke_link(catalog: Catalog, token: str, now: datetime) -> None:
    """Withdraw a link (its mail could not be sent)."""
    with catalog.session() as session, session.begin():
        session.execute(
            update(PasswordLink)
            .where(PasswordLink.token_sha256 == _digest(token), PasswordLink.used_at.is_(None))
            .values(revoked_at=now)
        )


def check_link(catalog: Catalog, token: str, now: datetime) -> LinkHolder:
    """Whose password the link sets; LinkUnusable saying why it cannot be used."""
    with catalog.session() as session:
        return _usable(session, token, now)


def _usable(session: Session, token: str, now: datetime) -> LinkHolder:
    found = None
    if 0 < len(token) <= MAX_TOKEN:
        found = session.execute(
            select(PasswordLink, PortalUser)
            .join(PortalUser, PortalUser.id == PasswordLink.user_id)
            .where(PasswordLink.token_sha256 == _digest(token))
        ).one_or_none()
    if found is None:
        raise LinkUnusable(
            "this link is not one of ours: copy the whole link from the e-mail, or ask for "
            "a new one",
            known=False,
        )
    link, user = found
    if link.used_at is not None:
        raise LinkUnusable(_ask_again("has been used already"), known=True)
    if link.revoked_at is not None:
        raise LinkUnusable(_ask_again("was replaced by a newer one"), known=True)
    if link.expires_at <= now:
        expired = f"expired at {link.expires_at:%Y-%m-%d %H:%M} UTC"
        raise LinkUnusable(_ask_again(expired), known=True)
    if user.disabled:
        raise LinkUnusable("this account is disabled; ask an administrator", known=True)
    return LinkHolder(user.id, user.email, link.purpose, link.expires_at)


def _ask_again(why: str) -> str:
    return f"this link {why}; ask for a new one (Forgot password?) or ask an administrator"


def use_link(catalog: Catalog, token: str, password: str, now: datetime) -> LinkHolder:
    """Set the password the link is for, once; InvalidInput for a password that does not
    qualify (the link stays usable), LinkUnusable for a link that cannot be used."""
    with catalog.session() as session:
        holder = _usable(session, token, now)
    check_password(password, holder.email)
    with catalog.session() as session, session.begin():
        claimed = session.execute(
            update(PasswordLink)
            .where(
                PasswordLink.token_sha256 == _digest(token),
                PasswordLink.used_at.is_(None),
                PasswordLink.revoked_at.is_(None),
                PasswordLink.expires_at > now,
            )
            .values(used_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]  # another request won
            raise LinkUnusable(_ask_again("has been used already"), known=True)
        session.execute(  # the other links of this user are no longer needed
            update(PasswordLink)
            .where(
                PasswordLink.user_id == holder.user_id,
                PasswordLink.used_at.is_(None),
                PasswordLink.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    set_password(catalog, holder.user_id, password, now)
    return holder


def outstanding_invitations(session: Session, user_id: int | None = None) -> dict[int, datetime]:
    """user id -> when their latest invitation not used nor replaced expires (maybe past);
    of every user, or of `user_id` only."""
    query = select(PasswordLink.user_id, PasswordLink.expires_at).where(
        PasswordLink.purpose == INVITE,
        PasswordLink.used_at.is_(None),
        PasswordLink.revoked_at.is_(None),
    )
    if user_id is not None:
        query = query.where(PasswordLink.user_id == user_id)
    rows = session.execute(query)
    found: dict[int, datetime] = {}
    for user_id, expires_at in rows:
        found[user_id] = max(expires_at, found.get(user_id, expires_at))
    return found
