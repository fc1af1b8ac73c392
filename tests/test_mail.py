"""zoombridge.mail against a real SMTP server (aiosmtpd): proper messages, no header
injection, and every failure as one clear MailNotSent."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from smtp_helpers import SENDER, Inbox, free_port, smtp_server
from zoombridge.clock import ManualClock
from zoombridge.errors import ConfigurationError, InvalidInput, MailNotSent
from zoombridge.mail import Letter, Mailer, compose
from zoombridge.settings import MailSettings, load_settings

pytestmark = pytest.mark.anyio

LETTER = Letter(
    to="ada@example.edu",
    subject="Set a new password",
    text="Hello Ada,\n\nhttps://zoom.example.edu/password/abc\n",
    html='<p>Hello Ada,</p><p><a href="https://zoom.example.edu/password/abc">link</a></p>',
)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


def test_a_letter_is_a_text_and_html_alternative_with_proper_headers() -> None:
    message = compose(SENDER, LETTER, ManualClock())
    assert message["From"] == SENDER
    assert message["To"] == "ada@example.edu"
    assert message["Subject"] == "Set a new password"
    assert message["Date"] == "Thu, 15 Jan 2026 12:00:00 +0000"
    assert message["Message-ID"].endswith("@example.edu>")
    assert message.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Hello\r\nBcc: eve@example.org"),
        ("subject", "Hello\nX-Evil: 1"),
        ("to", "ada@example.edu\r\nBcc: eve@example.org"),
        ("to", "ada@example.edu, eve@example.org"),
        ("to", "Ada <ada@example.edu>"),
        ("to", "not an address"),
    ],
)
async def test_header_injection_is_refused_and_nothing_is_sent(
    inbox: Inbox, field: str, value: str
) -> None:
    letter = Letter(**(vars(LETTER) | {field: value}))
    with pytest.raises(InvalidInput):
        await Mailer(inbox.settings()).send(letter)
    assert inbox.received == []


async def test_a_letter_reaches_the_server(inbox: Inbox) -> None:
    await Mailer(inbox.settings()).send(LETTER)
    [got] = inbox.wait_for(1)
    assert (got.envelope_from, got.envelope_to) == (SENDER, ["ada@example.edu"])
    assert "https://zoom.example.edu/password/abc" in got.text()
    assert 'href="https://zoom.example.edu/password/abc"' in got.html()


async def test_a_server_that_is_down_is_a_clear_mail_not_sent() -> None:
    settings = MailSettings(host="127.0.0.1", port=free_port(), sender=SENDER, security="none")
    with pytest.raises(
        MailNotSent, match=rf"could not send mail through 127\.0\.0\.1:{settings.port}"
    ):
        await Mailer(settings).send(LETTER)


async def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts the connection, never says hello
        port = silent.getsockname()[1]
        settings = MailSettings(
            host="127.0.0.1", port=port, sender=SENDER, security="none", timeout=0.3
        )
        began = time.monotonic()
        with pytest.raises(MailNotSent, match="timed out"):
            await Mailer(settings).send(LETTER)
        assert time.monotonic() - began < 3


async def test_without_a_server_sending_says_how_to_configure_one() -> None:
    with pytest.raises(ConfigurationError, match="ZOOMBRIDGE_MAIL__HOST"):
        await Mailer(MailSettings()).send(LETTER)


def _only_ada(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    good = data.login == b"ada" and data.password == b"right password"
    return AuthResult(success=good, handled=False)


@pytest.fixture
def guarded() -> Iterator[Inbox]:
    """A server that asks for a login (over plain SMTP: loopback only)."""
    inbox = Inbox(free_port())
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=inbox.port,
        authenticator=_only_ada,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


async def test_a_login_is_used_and_a_refused_one_named_without_its_password(
    guarded: Inbox,
) -> None:
    await Mailer(guarded.settings(username="ada", password="right password")).send(LETTER)
    assert len(guarded.wait_for(1)) == 1
    wrong = guarded.settings(username="ada", password="wrong password")
    with pytest.raises(MailNotSent, match="refused ZOOMBRIDGE_MAIL__USERNAME") as refused:
        await Mailer(wrong).send(LETTER)
    assert "wrong password" not in str(refused.value)
    assert len(guarded.received) == 1


@pytest.mark.parametrize(
    ("variables", "complaint"),
    [
        ({"mail": {"host": "smtp.example.edu"}}, "ZOOMBRIDGE_MAIL__SENDER"),
        (
            {"mail": {"host": "smtp.example.edu", "sender": "zb@example.edu"}},
            "ZOOMBRIDGE_PUBLIC_URL",
        ),
        ({"mail": {"sender": "zb@example.edu\nBcc: eve@example.org"}}, "ZOOMBRIDGE_MAIL__SENDER"),
        ({"mail": {"sender": "Zoom <zb@example.edu>"}}, "ZOOMBRIDGE_MAIL__SENDER"),
        ({"mail": {"security": "ssl"}}, "ZOOMBRIDGE_MAIL__SECURITY"),
    ],
)
def test_mail_settings_are_checked_at_start(variables: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ConfigurationError, match=complaint):
        load_settings(**variables)


def test_the_port_follows_the_security_unless_given() -> None:
    assert MailSettings(security="tls").effective_port == 465
    assert MailSettings(security="starttls").effective_port == 587
    assert MailSettings(security="none", port=2525).effective_port == 2525
