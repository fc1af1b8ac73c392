"""Invitations and password resets: a one-time link (accounts.links) sent by e-mail, or,
where no mail server is configured, handed to the admin to pass on.

When the mail server cannot take a letter, nothing is left half-done: the link just made is
withdrawn (and a user created by that invitation removed), so no usable link exists that
nobody received, and the admin is told why with MailNotSent. A re-invitation or a reset
that fails this way has still replaced the older link of its purpose: the admin sends a
new one once mail works.

"Forgot password" answers the same whether or not the address has an account: it is
throttled per address and per client before the address is looked up, and its letter is
sent after the answer (`deliver_quietly`), so the answer's timing shows no SMTP round trip.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from html import escape

from sqlalchemy import delete, select

from zoombridge.accounts import throttle
from zoombridge.accounts.links import INVITE, LIFETIMES, RESET, issue_link, revoke_link
from zoombridge.accounts.roles import Role
from zoombridge.accounts.users import normalize_email
from zoombridge.clock import Clock
from zoombridge.db import Catalog
from zoombridge.db.models import PasswordLink, PortalUser
from zoombridge.errors import (
    ConfigurationError,
    InvalidInput,
    MailNotSent,
    SignInRefused,
)
from zoombridge.mail import Letter, Mailer

__all__ = [
    "FORGOT_LIMITS",
    "Delivery",
    "Outbox",
    "PendingLetter",
    "deliver_quietly",
    "forgot_password",
    "invite",
    "send_reset",
]

log = logging.getLogger("zoombridge.accounts")

# Requests per throttle.WINDOW: few per address (nobody's mailbox gets flooded), more per
# client (people behind one NAT).
FORGOT_LIMITS = {"email": 3, "client": 10}


@dataclass(frozen=True)
class Outbox:
    """What sending a link needs."""

    catalog: Catalog
    mailer: Mailer
    clock: Clock
    public_url: str | None  # the portal as people reach it (links in letters)

    def link(self, token: str, fallback_base: str | None = None) -> str:
        """The link of a token: under the public URL, else under `fallback_base` (the
        admin's own view of the portal), else a path to put after the portal's address."""
        base = self.public_url or fallback_base or ""
        return f"{base.rstrip('/')}/password/{token}"


@dataclass(frozen=True)
class Delivery:
    """How a link went out: by mail, or (no mail server) as `link`, to be shown once."""

    email: str
    role: Role
    purpose: str
    expires_at: datetime
    mailed: bool
    link: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "email": self.email,
            "role": self.role.label,
            "purpose": self.purpose,
            "expires_at": self.expires_at.isoformat(),
            "mailed": self.mailed,
            "link": self.link,
        }


@dataclass(frozen=True)
class _Made:
    user_id: int
    email: str
    role: Role
    token: str
    created: bool  # the invitation created the user


async def invite(
    outbox: Outbox, email: str, role: Role, fallback_base: str | None = None
) -> Delivery:
    """Create the user (or re-invite one who never set a password) and send the link;
    InvalidInput for a bad address or one that already has an account."""
    now = outbox.clock.now()
    made = await asyncio.to_thread(_make_invitation, outbox.catalog, email, role, now)
    return await _deliver(outbox, made, INVITE, fallback_base)


def _make_invitation(catalog: Catalog, email: str, role: Role, now: datetime) -> _Made:
    address = normalize_email(email)
    with catalog.session() as session, session.begin():
        user = session.scalar(select(PortalUser).where(PortalUser.email == address))
        created = user is None
        if user is None:
            user = PortalUser(
                email=address, role=role.label, disabled=False, created_at=now, password_hash=None
            )
            session.add(user)
            session.flush()
        elif user.password_hash is not None:
            raise InvalidInput(f"{address} has an account already; send a password reset instead")
        token = issue_link(session, user.id, INVITE, now)
        return _Made(user.id, address, Role.parse(user.role), token, created)


async def send_reset(outbox: Outbox, user_id: int, fallback_base: str | None = None) -> Delivery:
    """An admin sends a user a password-reset link; InvalidInput for no such user or a
    disabled one."""
    now = outbox.clock.now()
    made = await asyncio.to_thread(_make_reset, outbox.catalog, user_id, now)
    return await _deliver(outbox, made, RESET, fallback_base)


def _make_reset(catalog: Catalog, user_id: int, now: datetime) -> _Made:
    with catalog.session() as session, session.begin():
        user = session.get(PortalUser, user_id)
        if user is None:
            raise InvalidInput(f"there is no user {user_id}")
        if user.disabled:
            raise InvalidInput(f"{user.email} is disabled; enable them before a reset")
        token = issue_link(session, user.id, RESET, now)
        return _Made(user.id, user.email, Role.parse(user.role), token, False)


async def _deliver(
    outbox: Outbox, made: _Made, purpose: str, fallback_base: str | None
) -> Delivery:
    expires_at = outbox.clock.now() + LIFETIMES[purpose]
    link = outbox.link(made.token, fallback_base)
    if not outbox.mailer.configured:
        return Delivery(made.email, made.role, purpose, expires_at, False, link)
    letter = _letter(purpose, made.email, made.role, link, expires_at)
    try:
        await outbox.mailer.send(letter)
    except MailNotSent as exc:
        await asyncio.to_thread(_undo, outbox, made)
        raise MailNotSent(f"{exc}; the link made for it is withdrawn, try again later") from None
    except InvalidInput:  # an address the mail refuses to write into a header
        await asyncio.to_thread(_undo, outbox, made)
        raise
    return Delivery(made.email, made.role, purpose, expires_at, True, None)


def _undo(outbox: Outbox, made: _Made) -> None:
    if not made.created:
        revoke_link(outbox.catalog, made.token, outbox.clock.now())
        return
    with outbox.catalog.session() as session, session.begin():
        session.execute(delete(PasswordLink).where(PasswordLink.user_id == made.user_id))
        session.execute(delete(PortalUser).where(PortalUser.id == made.user_id))


@dataclass(frozen=True)
class PendingLetter:
    """A reset letter to send after answering; `token` is withdrawn if it cannot be."""

    letter: Letter
    token: str


def forgot_password(outbox: Outbox, email: str, client: str) -> PendingLetter | None:
    """Someone asks for a reset link for `email`: the letter to send, or None (no such
    enabled account; the caller answers the same). ConfigurationError without a mail
    server, InvalidInput for a malformed address, SignInRefused while throttled."""
    if not outbox.mailer.configured:
        raise ConfigurationError(
            "this portal cannot send e-mail; ask an administrator to send you a reset link"
        )
    address = normalize_email(email)
    now = outbox.clock.now()
    keys = {f"forgot-email:{address}": FORGOT_LIMITS["email"]}
    keys[f"forgot-ip:{client[:64]}"] = FORGOT_LIMITS["client"]
    with outbox.catalog.session() as session, session.begin():
        retry_at = throttle.count_keys(session, keys, now)
    if retry_at is not None:
        raise SignInRefused(
            f"too many requests; try again after {retry_at:%H:%M} UTC", retry_at=retry_at
        )
    with outbox.catalog.session() as session, session.begin():
        user = session.scalar(select(PortalUser).where(PortalUser.email == address))
        if user is None or user.disabled:
            return None
        token = issue_link(session, user.id, RESET, now)
        role = Role.parse(user.role)
    link = outbox.link(token)
    return PendingLetter(_letter(RESET, address, role, link, now + LIFETIMES[RESET]), token)


async def deliver_quietly(outbox: Outbox, pending: PendingLetter) -> None:
    """Send a reset letter after the answer went out; a failure withdraws its link and is
    logged for the admins (the person who asked sees no difference and may ask again)."""
    try:
        await outbox.mailer.send(pending.letter)
    except (MailNotSent, InvalidInput) as exc:
        await asyncio.to_thread(revoke_link, outbox.catalog, pending.token, outbox.clock.now())
        log.warning("a password-reset letter was not sent (its link is withdrawn): %s", exc)


def _letter(purpose: str, email: str, role: Role, link: str, expires_at: datetime) -> Letter:
    until = f"{expires_at:%Y-%m-%d %H:%M} UTC"
    if purpose == INVITE:
        subject = "You are invited to the zoombridge portal"
        opening = (
            f"You have been given access to the zoombridge portal as {role.label}, with the "
            f"address {email}. Choose your password here:"
        )
        closing = "If you did not expect this, you can ignore this message."
    else:
        subject = "Set a new password for the zoombridge portal"
        opening = f"A new password was asked for {email} on the zoombridge portal. Choose it here:"
        closing = "If you did not ask for this, ignore this message: your password stays as it is."
    note = f"The link works once, until {until}."
    text = f"Hello,\n\n{opening}\n\n{link}\n\n{note}\n{closing}\n"
    html = (
        f"<p>Hello,</p><p>{escape(opening)}</p>"
        f'<p><a href="{escape(link)}">{escape(link)}</a></p>'
        f"<p>{escape(note)}<br>{escape(closing)}</p>"
    )
    return Letter(to=email, subject=subject, text=text, html=html)
