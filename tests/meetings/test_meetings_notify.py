"""Meeting notices arrive by e-mail at a real SMTP server (aiosmtpd): to the host, the old
host of a transfer, and the extra recipients; with what changed and what to do; never a
start link or a bare passcode, and the join link only where the meeting's links allow it. A
mail server that is down loses the mail, never the change."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Iterator
from functools import partial
from pathlib import Path

import pytest
from meetings_helpers import Bench, bench, host_id, sqlite_catalog, sync_world
from sqlalchemy import update

from smtp_helpers import Inbox, Received, free_port, smtp_server
from zoombridge.archive.live import EventHandler
from zoombridge.db.meeting_models import MeetingLink
from zoombridge.mail import Mailer
from zoombridge.meetings.notices import MeetingNotice
from zoombridge.meetings.notifications import MailNotifier, mail_notifier
from zoombridge.meetings.records import open_passcode
from zoombridge.meetings.sync import SyncContext, apply_meeting_event
from zoombridge.settings import Settings
from zoombridge.zoom.meetings import delete_meeting, update_meeting

pytestmark = pytest.mark.anyio
EXTRA = ["av-team@example.edu", "HOST0@example.edu"]  # the host again: one letter each


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def mailed(tmp_path: Path, smtp: Inbox) -> AsyncIterator[tuple[Bench, MailNotifier]]:
    catalog = sqlite_catalog(tmp_path)
    try:
        async with bench(sync_world(), catalog, tmp_path) as made:
            notifier = MailNotifier(
                catalog, Mailer(smtp.settings(), made.world.clock), made.ctx.keyring, EXTRA
            )
            made.ctx = dataclasses.replace(made.ctx, notify=notifier)
            made.applier.others = _handler(made.ctx)
            yield made, notifier
    finally:
        catalog.dispose()


def _handler(ctx: SyncContext) -> EventHandler:
    return partial(apply_meeting_event, ctx)


def by_recipient(mails: list[Received]) -> dict[str, Received]:
    return {m.envelope_to[0]: m for m in mails}


def assert_no_start_link(mail: Received) -> None:
    for part in (mail.text(), mail.html()):
        assert "zak=" not in part
        assert "/s/" not in part


async def test_a_deletion_in_zoom_is_mailed_with_what_to_do(
    mailed: tuple[Bench, MailNotifier], smtp: Inbox
) -> None:
    b, notifier = mailed
    row = await b.schedule(topic="Physics 101")
    await delete_meeting(b.zoom, row.zoom_id or 0)
    await b.deliver()
    await notifier.drain()

    mails = by_recipient(smtp.wait_for(2))
    assert set(mails) == {"host0@example.edu", "av-team@example.edu"}
    mail = mails["host0@example.edu"]
    assert mail.message["Subject"] == "Deleted in Zoom: Physics 101"
    text = mail.text()
    assert "deleted in Zoom, not by zoombridge" in text
    assert f"recreate it (zoombridge meetings recreate {row.id}" in text
    assert "Monday 09 March 2026, 11:00 Europe/Paris, 60 minutes" in text
    assert "Join link" not in text  # missing: there is nothing to join
    assert_no_start_link(mail)


async def test_a_change_lists_what_changed_and_never_the_passcode(
    mailed: tuple[Bench, MailNotifier], smtp: Inbox
) -> None:
    b, notifier = mailed
    row = await b.schedule(topic="Chemistry")
    await update_meeting(b.zoom, row.zoom_id or 0, {"topic": "Chemistry lab", "password": "271828"})
    await b.deliver()
    await notifier.drain()

    mail = by_recipient(smtp.wait_for(2))["host0@example.edu"]
    assert mail.message["Subject"] == "Changed in Zoom: Chemistry lab"
    text = mail.text()
    assert "topic: Chemistry -> Chemistry lab" in text
    assert "passcode: changed" in text
    assert f"Join link: https://zoom.us/j/{row.zoom_id}?pwd=271828" in text  # signed_in link
    assert "Chemistry lab" in mail.html()
    passcode = open_passcode(b.row(row.id), b.ctx.keyring)
    assert passcode == "271828"
    # the passcode appears only inside the join link, never on its own
    assert text.count("271828") == 1
    assert_no_start_link(mail)

    # a meeting shown to no one through every link keeps its join link out of mail too
    with b.catalog.session() as session, session.begin():
        session.execute(
            update(MeetingLink).where(MeetingLink.meeting_id == row.id).values(visibility="no_one")
        )
    await update_meeting(b.zoom, row.zoom_id or 0, {"topic": "Chemistry lab 2"})
    await b.deliver()
    await notifier.drain()
    later = by_recipient(smtp.wait_for(4)[2:])["host0@example.edu"]
    assert "Chemistry lab 2" in later.text()
    assert "271828" not in later.text()
    assert "Join link" not in later.text()


async def test_a_transfer_in_zoom_tells_the_old_and_the_new_host(
    mailed: tuple[Bench, MailNotifier], smtp: Inbox
) -> None:
    b, notifier = mailed
    row = await b.schedule(host=0, topic="Seminar")
    # host0 holds the scheduling privilege for host2, which a transfer needs
    b.world.assistants[host_id(b.world, 2)] = [host_id(b.world, 0)]
    await update_meeting(b.zoom, row.zoom_id or 0, {"schedule_for": "host2@example.edu"})
    await b.deliver()
    await notifier.drain()

    mails = by_recipient(smtp.wait_for(3))
    assert set(mails) == {"host0@example.edu", "host2@example.edu", "av-team@example.edu"}
    text = mails["host2@example.edu"].text()
    assert mails["host2@example.edu"].message["Subject"] == "New host: Seminar"
    assert "host: host0@example.edu -> host2@example.edu" in text
    assert b.row(row.id).host_user_id == host_id(b.world, 2)


async def test_created_and_cancelled_are_mailed(
    mailed: tuple[Bench, MailNotifier], smtp: Inbox
) -> None:
    b, notifier = mailed
    row = await b.schedule(topic="Welcome week")
    assert await notifier.send(MeetingNotice("created", b.connection_id, row.id)) == 2
    first = by_recipient(smtp.wait_for(2))["host0@example.edu"]
    assert first.message["Subject"] == "Scheduled: Welcome week"
    assert "Join link: https://zoom.us/j/" in first.text()
    assert_no_start_link(first)

    notifier(MeetingNotice("cancelled", b.connection_id, row.id))
    await notifier.drain()
    second = smtp.wait_for(4)[2]
    assert second.message["Subject"] == "Cancelled: Welcome week"
    # another connection's notice about this id finds nothing to send
    assert await notifier.send(MeetingNotice("created", b.connection_id + 1, row.id)) == 0


async def test_a_mail_server_that_is_down_loses_the_mail_not_the_change(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    catalog = sqlite_catalog(tmp_path)
    try:
        async with bench(sync_world(), catalog, tmp_path) as b:
            settings = Settings(
                mail={"host": "127.0.0.1", "port": free_port(), "sender": "zb@example.edu"},
                public_url="https://zoom.example.edu",
            )
            notifier = mail_notifier(settings, catalog, b.ctx.keyring, b.world.clock)
            assert isinstance(notifier, MailNotifier)
            b.ctx = dataclasses.replace(b.ctx, notify=notifier)
            b.applier.others = _handler(b.ctx)
            row = await b.schedule()
            await delete_meeting(b.zoom, row.zoom_id or 0)
            with caplog.at_level(logging.WARNING, "zoombridge.meetings.notifications"):
                await b.deliver()
                await notifier.drain()
            assert b.row(row.id).state == "missing"
            assert "deleted_in_zoom notice of meeting" in caplog.text
            assert "not sent" in caplog.text
    finally:
        catalog.dispose()


def test_without_a_mail_server_notices_go_nowhere(tmp_path: Path) -> None:
    catalog = sqlite_catalog(tmp_path)
    try:
        notifier = mail_notifier(Settings(), catalog, None, None)  # type: ignore[arg-type]
        assert not isinstance(notifier, MailNotifier)
        notifier(MeetingNotice("created", 1, 1))  # nothing to do, nothing raised
    finally:
        catalog.dispose()
