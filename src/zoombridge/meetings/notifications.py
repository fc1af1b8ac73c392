"""Meeting notices by e-mail: to the meeting's host and the configured extra recipients.

The notifier is called after a change is committed and only schedules the mail, so neither
a slow nor a failing SMTP server can delay or undo a change made in Zoom: a letter that
cannot be sent is logged, and that is all. The letter is written from the meeting as it is
when the mail goes out, so it never says more than the copy does.

What a letter never holds: a start link (it lets anyone start the meeting as the host; it
is fetched fresh at click time instead), and the passcode on its own. The join link, which
carries the passcode, is included only while the meeting is active and when its links let
someone see it (a meeting shown to "no one" through every link keeps it out of mail too).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from html import escape

from sqlalchemy import select

from zoombridge.clock import Clock
from zoombridge.db import Catalog
from zoombridge.db.meeting_models import MeetingLink, PoolHost, ScheduledMeeting
from zoombridge.db.secrets import KeyRing
from zoombridge.errors import ZoomBridgeError
from zoombridge.mail import Letter, Mailer
from zoombridge.meetings.notices import MeetingNotice, Notify, ignore_notices
from zoombridge.meetings.records import open_join_url
from zoombridge.meetings.recurrence import zone
from zoombridge.settings import Settings

__all__ = ["MailNotifier", "mail_notifier"]

log = logging.getLogger("zoombridge.meetings.notifications")

SUBJECTS = {
    "created": "Scheduled: {topic}",
    "changed": "Changed in Zoom: {topic}",
    "host_changed": "New host: {topic}",
    "deleted_in_zoom": "Deleted in Zoom: {topic}",
    "cancelled": "Cancelled: {topic}",
}
LEADS = {
    "created": "This meeting was scheduled in Zoom.",
    "changed": "This meeting was changed in Zoom.",
    "host_changed": "This meeting has a new host; its link stays the same.",
    "deleted_in_zoom": (
        "This meeting was deleted in Zoom, not by zoombridge. Nothing is lost here: its "
        "links to your events are kept, and its host's time is free again."
    ),
    "cancelled": "This meeting was cancelled and deleted in Zoom.",
}
RECREATE = (
    "What to do: if it should take place, recreate it (zoombridge meetings recreate "
    "{id}, or Recreate on its page in the portal). It gets a new join link, which every "
    "linked event then shows. If it was meant to go, cancel it there to unlink it."
)
HIDDEN_CHANGES = ("passcode", "join link")


class MailNotifier:
    """A `Notify` that e-mails each notice (see the module docstring); `drain()` waits for
    the letters under way (a one-shot command, and tests)."""

    def __init__(
        self,
        catalog: Catalog,
        mailer: Mailer,
        keyring: KeyRing,
        extra: Sequence[str] = (),
    ) -> None:
        self.catalog = catalog
        self.mailer = mailer
        self.keyring = keyring
        self.extra = list(extra)
        self._sending: set[asyncio.Task[int]] = set()

    def __call__(self, notice: MeetingNotice) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called outside any event loop: send now
            asyncio.run(self.send(notice))
            return
        task = loop.create_task(self.send(notice))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def drain(self) -> None:
        while self._sending:
            await asyncio.gather(*list(self._sending), return_exceptions=True)

    async def send(self, notice: MeetingNotice) -> int:
        """Write and send the notice's letters; how many went. Never raises for mail."""
        try:
            letters = await asyncio.to_thread(self.letters, notice)
        except Exception:  # the catalog failed us: the change stands, the mail is lost
            log.exception(
                "could not write the %s notice of meeting %d", notice.kind, notice.meeting_id
            )
            return 0
        sent = 0
        for letter in letters:
            try:
                await self.mailer.send(letter)
            except ZoomBridgeError as exc:  # unreachable, refused, not configured, bad address
                log.warning(
                    "%s notice of meeting %d to %s not sent: %s",
                    notice.kind,
                    notice.meeting_id,
                    letter.to,
                    exc,
                )
            else:
                sent += 1
        return sent

    def letters(self, notice: MeetingNotice) -> list[Letter]:
        """One letter per recipient, written from the meeting as it is now."""
        with self.catalog.session() as session:
            row = session.get(ScheduledMeeting, notice.meeting_id)
            if row is None or row.connection_id != notice.connection_id:
                return []
            hosts = [row.host_user_id]
            if notice.kind == "host_changed" and "host" in notice.changes:
                hosts.insert(0, notice.changes["host"][0])  # the old host hears of it too
            names = dict(
                session.execute(
                    select(PoolHost.user_id, PoolHost.email).where(
                        PoolHost.connection_id == row.connection_id, PoolHost.user_id.in_(hosts)
                    )
                ).all()
            )
            shown = session.scalars(
                select(MeetingLink.visibility).where(MeetingLink.meeting_id == row.id)
            ).all()
            join = _join_link(row, self.keyring, shown)
            emails = [names[host] for host in hosts if host in names]
            subject = SUBJECTS[notice.kind].format(topic=_one_line(row.topic))
            text, html = _body(row, notice, join, names)
        return [Letter(to, subject, text, html) for to in _recipients([*emails, *self.extra])]


def _recipients(addresses: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for address in addresses:
        if address:
            seen.setdefault(address.strip().lower(), address.strip())
    return list(seen.values())


def _one_line(text: str) -> str:
    return " ".join(text.split())[:150] or "(no topic)"


def _join_link(row: ScheduledMeeting, keyring: KeyRing, visibilities: Sequence[str]) -> str | None:
    """The join link, when mail may carry it: an active meeting someone may join through."""
    if row.state != "active":
        return None
    if visibilities and all(v == "no_one" for v in visibilities):
        return None
    return open_join_url(row, keyring)


def _when(row: ScheduledMeeting) -> str:
    if row.start_time is None:
        return "no fixed time"
    try:
        local = row.start_time.astimezone(zone(row.timezone))
    except ZoomBridgeError:
        local = row.start_time
    length = f", {row.duration} minutes" if row.duration else ""
    recurring = " (first of a series)" if row.recurrence else ""
    return f"{_format(local)} {row.timezone or 'UTC'}{length}{recurring}"


def _format(moment: datetime) -> str:
    return moment.strftime("%A %d %B %Y, %H:%M")


def _change_lines(notice: MeetingNotice, names: dict[str, str]) -> list[str]:
    lines = []
    for field, (old, new) in notice.changes.items():
        if field in HIDDEN_CHANGES:
            lines.append(f"{field}: changed")
        elif field == "host":
            lines.append(f"host: {names.get(old, old)} -> {names.get(new, new)}")
        else:
            lines.append(f"{field}: {old or '(none)'} -> {new or '(none)'}")
    return lines


def _body(
    row: ScheduledMeeting, notice: MeetingNotice, join: str | None, names: dict[str, str]
) -> tuple[str, str]:
    """The letter's plain text and the same in simple HTML."""
    facts = [
        f"Meeting: {_one_line(row.topic)}",
        f"When: {_when(row)}",
        f"Zoom meeting ID: {row.zoom_id or '(none yet)'}",
        f"Host: {names.get(row.host_user_id, row.host_user_id)}",
    ]
    if join:
        facts.append(f"Join link: {join}")
    changes = _change_lines(notice, names)
    after = [RECREATE.format(id=row.id)] if notice.kind == "deleted_in_zoom" else []
    if notice.detail:
        after.append(f"Seen through: {notice.detail}")
    text = "\n".join(
        [LEADS[notice.kind], "", *facts]
        + (["", "What changed:", *(f"  - {line}" for line in changes)] if changes else [])
        + (["", *after] if after else [])
    )
    html = "".join(
        [f"<p>{escape(LEADS[notice.kind])}</p>", "<p>", "<br>".join(map(escape, facts)), "</p>"]
        + (
            ["<p>What changed:</p><ul>", *(f"<li>{escape(c)}</li>" for c in changes), "</ul>"]
            if changes
            else []
        )
        + [f"<p>{escape(line)}</p>" for line in after]
    )
    return text + "\n", html


def mail_notifier(settings: Settings, catalog: Catalog, keyring: KeyRing, clock: Clock) -> Notify:
    """The installation's notifier: mail when a server is configured, else none."""
    if not settings.mail.configured:
        return ignore_notices
    return MailNotifier(catalog, Mailer(settings.mail, clock), keyring, settings.meetings.notify)
