"""Outgoing e-mail: invitations and password resets, through the installation's SMTP server.

A `Letter` becomes a standard multipart/alternative message (plain text, and the same in
simple HTML). Addresses and subjects with line breaks are refused before any header is
written, so no input can add a header or a recipient. Sending uses the standard library's
smtplib in a worker thread; every step of the conversation has the configured timeout, and
every way it can fail becomes one MailNotSent that names the server and the reason.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from zoombridge.clock import Clock, SystemClock
from zoombridge.errors import ConfigurationError, InvalidInput, MailNotSent
from zoombridge.settings import MailSettings

__all__ = ["Letter", "Mailer", "compose"]

_FORBIDDEN_IN_HEADERS = ("\r", "\n", "\0")
_NOT_IN_ADDRESSES = '<>,;"()[]\\ \t'


@dataclass(frozen=True)
class Letter:
    to: str
    subject: str
    text: str
    html: str


def _one_line(value: str, what: str) -> str:
    if any(mark in value for mark in _FORBIDDEN_IN_HEADERS):
        raise InvalidInput(f"the {what} of an e-mail must not contain line breaks")
    return value


def _single_address(value: str, what: str) -> str:
    """One bare address: no display name, list separator or comment that could add a
    recipient or hide one."""
    _one_line(value, what)
    local, at, domain = value.rpartition("@")
    if not (local and at and domain) or any(c in value for c in _NOT_IN_ADDRESSES):
        raise InvalidInput(f"{value!r} is not one e-mail address (the {what})")
    return value


def compose(sender: str, letter: Letter, clock: Clock | None = None) -> EmailMessage:
    """The message to send; InvalidInput for an address or subject that could inject."""
    message = EmailMessage()
    message["From"] = _single_address(sender, "sender")
    message["To"] = _single_address(letter.to, "recipient")
    message["Subject"] = _one_line(letter.subject, "subject")
    message["Date"] = format_datetime((clock or SystemClock()).now())
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"  # no vacation replies to a robot
    message.set_content(letter.text)
    message.add_alternative(letter.html, subtype="html")
    return message


class Mailer:
    """Sends letters through the configured SMTP server."""

    def __init__(self, settings: MailSettings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()

    @property
    def configured(self) -> bool:
        return self.settings.configured

    def server(self) -> str:
        return f"{self.settings.host}:{self.settings.effective_port}"

    async def send(self, letter: Letter) -> None:
        """Send one letter; MailNotSent when the server cannot be reached or refuses it,
        ConfigurationError when no server is configured."""
        if not self.configured:
            raise ConfigurationError("no mail server: set ZOOMBRIDGE_MAIL__HOST to send e-mail")
        message = compose(self.settings.sender, letter, self.clock)
        await asyncio.to_thread(self._deliver, message)

    def _deliver(self, message: EmailMessage) -> None:
        try:
            with self._connect() as smtp:
                if self.settings.username:
                    password = self.settings.password.get_secret_value()
                    smtp.login(self.settings.username, password)
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError:
            raise MailNotSent(
                f"the mail server {self.server()} refused ZOOMBRIDGE_MAIL__USERNAME and "
                "its password"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:  # OSError: refused, timeout, TLS
            reason = str(exc) or type(exc).__name__
            raise MailNotSent(f"could not send mail through {self.server()}: {reason}") from None

    def _connect(self) -> smtplib.SMTP:
        host, port = self.settings.host, self.settings.effective_port
        timeout = self.settings.timeout
        if self.settings.security == "tls":
            return smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if self.settings.security == "starttls":
            try:
                smtp.starttls(context=ssl.create_default_context())
            except BaseException:
                smtp.close()
                raise
        return smtp
