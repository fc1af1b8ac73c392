"""Zoom hosts as portal users, for a connection that publishes as "Zoom user": the host of
an archived recording becomes its author.

A portal user with the host's address is used; a Viewer among them is made a Contributor
(authors own recordings). A host without an account gets one, as Contributor without a
password, and a letter saying their recording arrived, with a one-time link to choose a
password (the invitation's link, accounts.links: 7 days, single use). No letter goes out
when the portal cannot send mail; an admin invites them from the users page instead.

The account is made before the letter is sent, and stays if the letter cannot be: the
recording is theirs either way. The link of an unsent letter is withdrawn, so no usable link
exists that nobody received, and the admin's users page shows them without a password.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from html import escape

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from zoombridge.accounts.invitations import Outbox
from zoombridge.accounts.links import INVITE, LIFETIMES, issue_link, revoke_link
from zoombridge.accounts.roles import Role
from zoombridge.accounts.users import normalize_email
from zoombridge.db import Catalog
from zoombridge.db.models import PortalUser
from zoombridge.errors import InvalidInput, MailNotSent
from zoombridge.mail import Letter

__all__ = ["HostAccounts", "arrival_letter"]

log = logging.getLogger("zoombridge.accounts")


@dataclass(frozen=True)
class _Host:
    user_id: int
    email: str
    token: str | None  # a new account's password link, to mail


@dataclass(frozen=True)
class HostAccounts:
    """archive.publishing's HostAuthors, over the portal's accounts and mail."""

    outbox: Outbox

    async def author_for(
        self, email: str, topic: str | None, start_time: datetime | None, path: str
    ) -> int | None:
        now = self.outbox.clock.now()
        mail = self.outbox.mailer.configured
        try:
            host = await asyncio.to_thread(_host_user, self.outbox.catalog, email, now, mail)
        except InvalidInput as exc:  # Zoom's address is not one we can make an account for
            log.warning("the host %r cannot author recordings here: %s", email[:80], exc)
            return None
        if host.token is not None:
            await self._announce(host, topic, start_time, path)
        return host.user_id

    async def _announce(
        self, host: _Host, topic: str | None, start_time: datetime | None, path: str
    ) -> None:
        assert host.token is not None
        outbox = self.outbox
        recording = f"{outbox.public_url.rstrip('/')}{path}" if outbox.public_url else None
        expires_at = outbox.clock.now() + LIFETIMES[INVITE]
        letter = arrival_letter(
            host.email, topic, start_time, outbox.link(host.token), recording, expires_at
        )
        try:
            await outbox.mailer.send(letter)
        except (MailNotSent, InvalidInput) as exc:
            await asyncio.to_thread(revoke_link, outbox.catalog, host.token, outbox.clock.now())
            log.warning("the letter to the new author %s was not sent: %s", host.email, exc)


def _host_user(catalog: Catalog, email: str, now: datetime, with_link: bool) -> _Host:
    address = normalize_email(email)
    for _ in range(2):  # a second try reads the account another transfer just made
        try:
            return _found_or_made(catalog, address, now, with_link)
        except IntegrityError:
            continue
    raise InvalidInput(f"could not make an account for {address}")


def _found_or_made(catalog: Catalog, address: str, now: datetime, with_link: bool) -> _Host:
    with catalog.session() as session, session.begin():
        user = session.scalar(select(PortalUser).where(PortalUser.email == address))
        if user is not None:
            if Role.parse(user.role) < Role.CONTRIBUTOR:
                user.role = Role.CONTRIBUTOR.label
            return _Host(user.id, address, None)
        user = PortalUser(
            email=address,
            role=Role.CONTRIBUTOR.label,
            disabled=False,
            created_at=now,
            password_hash=None,
        )
        session.add(user)
        session.flush()
        token = issue_link(session, user.id, INVITE, now) if with_link else None
        return _Host(user.id, address, token)


def arrival_letter(
    email: str,
    topic: str | None,
    start_time: datetime | None,
    link: str,
    recording: str | None,
    expires_at: datetime,
) -> Letter:
    """ "Your recording arrived": what it is, where it is, and the link to a password."""
    what = f"“{topic}”" if topic else "your Zoom recording"
    when = f" of {start_time:%Y-%m-%d %H:%M} UTC" if start_time else ""
    opening = (
        f"{what}{when} was archived to the zoombridge portal, and you are its author. "
        f"An account was made for you with the address {email}; choose your password here:"
    )
    where = f"The recording: {recording}" if recording else "Find it in the portal's library."
    note = f"The link works once, until {expires_at:%Y-%m-%d %H:%M} UTC."
    text = f"Hello,\n\n{opening}\n\n{link}\n\n{where}\n{note}\n"
    html = (
        f"<p>Hello,</p><p>{escape(opening)}</p>"
        f'<p><a href="{escape(link)}">{escape(link)}</a></p>'
        f"<p>{escape(where)}<br>{escape(note)}</p>"
    )
    return Letter(
        to=email, subject="Your Zoom recording is in the zoombridge portal", text=text, html=html
    )
