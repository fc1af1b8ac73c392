"""A real SMTP server for tests (aiosmtpd, on a free loopback port) that keeps what it gets,
and the mail settings that point zoombridge at it."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from zoombridge.settings import MailSettings

SENDER = "zoombridge@example.edu"
PUBLIC_URL = "https://zoom.example.edu"
LINK = re.compile(r"https://zoom\.example\.edu/password/([A-Za-z0-9_-]+)")


@dataclass
class Received:
    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage

    def text(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None, "the mail has no plain-text part"
        return str(part.get_content())  # type: ignore[attr-defined]

    def html(self) -> str:
        part = self.message.get_body(("html",))
        assert part is not None, "the mail has no HTML part"
        return str(part.get_content())  # type: ignore[attr-defined]

    def token(self) -> str:
        found = LINK.search(self.text())
        assert found, self.text()
        return found.group(1)


@dataclass
class Inbox:
    """What the server received, in order."""

    port: int
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"

    def settings(self, **changes: Any) -> MailSettings:
        values: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "sender": SENDER,
            "security": "none",
            "timeout": 5,
        }
        return MailSettings(**(values | changes))

    def wait_for(self, count: int, seconds: float = 5.0) -> list[Received]:
        """The first `count` messages, once they are there."""
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.received) >= count, f"{len(self.received)} messages, expected {count}"
        return self.received[:count]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
