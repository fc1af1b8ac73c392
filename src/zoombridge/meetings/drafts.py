"""What a caller asks for: a new meeting or webinar, or changes to one, validated before any
lock is taken or any call is made, and turned into Zoom's request body.

The same models serve the Python API, the JSON API (FastAPI validates with them) and the CLI,
so every entry point refuses the same bad input with the same words.
"""

from __future__ import annotations

import itertools
import secrets
import string
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from zoombridge.errors import InvalidInput
from zoombridge.meetings.recurrence import Span, check_recurrence, spans_of, zone

__all__ = [
    "MeetingChanges",
    "MeetingDraft",
    "MeetingOptions",
    "generate_passcode",
    "zoom_type",
]

PASSCODE_CHARS = set(string.ascii_letters + string.digits + "@-_*")
Visibility = Literal["everyone", "signed_in", "registered", "no_one"]


class MeetingOptions(BaseModel):
    """The meeting settings callers may choose (None: Zoom's or the account's default)."""

    model_config = ConfigDict(extra="forbid")

    waiting_room: bool | None = None
    mute_upon_entry: bool | None = None
    host_video: bool | None = None
    participant_video: bool | None = None
    join_before_host: bool | None = None
    auto_recording: Literal["none", "local", "cloud"] | None = None
    alternative_hosts: list[str] | None = Field(default=None, max_length=50)
    registration: bool | None = None

    @field_validator("alternative_hosts")
    @classmethod
    def _emails(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        bad = [v for v in value if "@" not in v or ";" in v or any(c.isspace() for c in v)]
        if bad:
            raise ValueError(f"alternative hosts must be e-mail addresses: {', '.join(bad)}")
        return [v.lower() for v in value]

    def zoom_settings(self) -> dict[str, Any]:
        chosen = self.model_dump(exclude_none=True, exclude={"alternative_hosts", "registration"})
        if self.alternative_hosts is not None:
            chosen["alternative_hosts"] = ";".join(self.alternative_hosts)  # Zoom's separator
        if self.registration is not None:
            chosen["approval_type"] = 0 if self.registration else 2  # 0: automatic approval
        return chosen


class _Timing(BaseModel):
    """Fields shared by a draft and a change: when and how long."""

    model_config = ConfigDict(extra="forbid")

    start_time: datetime | None = None
    duration: int | None = Field(default=None, ge=1, le=1440)
    timezone: str | None = Field(default=None, max_length=64)
    recurrence: dict[str, Any] | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            _as_value_error(zone, value)
        return value

    @field_validator("recurrence")
    @classmethod
    def _recurrence(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            _as_value_error(check_recurrence, value)
        return value

    def utc_start(self) -> datetime | None:
        """The start in UTC; a time without zone is in the meeting's time zone, as in Zoom."""
        if self.start_time is None:
            return None
        if self.start_time.tzinfo is None:
            return self.start_time.replace(tzinfo=zone(self.timezone)).astimezone(UTC)
        return self.start_time.astimezone(UTC)


class MeetingDraft(_Timing):
    """A new meeting or webinar, and who hosts it: a named host (any of their e-mail
    addresses, or a Zoom user id) or any free host of a pool."""

    kind: Literal["meeting", "webinar"] = "meeting"
    topic: str = Field(min_length=1, max_length=200)
    agenda: str | None = Field(default=None, max_length=2000)
    fixed_time: bool = True
    passcode: str | None = Field(default=None, min_length=1, max_length=10, repr=False)
    options: MeetingOptions = MeetingOptions()
    host: list[str] = Field(default_factory=list, max_length=10)
    pool: str | None = Field(default=None, max_length=100)

    @field_validator("host", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("passcode")
    @classmethod
    def _passcode(cls, value: str | None) -> str | None:
        return _passcode_chars(value)

    @model_validator(mode="after")
    def _coherent(self) -> MeetingDraft:
        if bool(self.host) == bool(self.pool):
            raise ValueError("choose either a host (by e-mail) or a pool, not both or neither")
        if self.fixed_time and self.start_time is None:
            raise ValueError("a meeting with a fixed time needs a start_time")
        if not self.fixed_time and self.recurrence is not None:
            raise ValueError("a meeting without a fixed time takes no recurrence")
        if self.start_time is not None and self.start_time.tzinfo is None and not self.timezone:
            raise ValueError("a start_time without an offset needs a timezone")
        return self

    @property
    def webinar(self) -> bool:
        return self.kind == "webinar"

    def meeting_type(self) -> int:
        return zoom_type(self.webinar, self.fixed_time, self.recurrence is not None)

    def spans(self) -> list[Span]:
        """When the new meeting would keep its host busy."""
        return spans_of(
            self.meeting_type(), self.utc_start(), self.duration, self.timezone, self.recurrence
        )

    def zoom_body(self, passcode: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "topic": self.topic,
            "type": self.meeting_type(),
            "password": passcode,
            "settings": self.options.zoom_settings(),
        }
        if self.fixed_time:
            body["start_time"] = _zoom_time(self.utc_start())
            body["duration"] = self.duration or 60
        optional = {"agenda": self.agenda, "timezone": self.timezone, "recurrence": self.recurrence}
        body |= {k: v for k, v in optional.items() if v is not None}
        return body


class MeetingChanges(_Timing):
    """Changes to a meeting: only the fields given are compared and sent."""

    topic: str | None = Field(default=None, min_length=1, max_length=200)
    agenda: str | None = Field(default=None, max_length=2000)
    passcode: str | None = Field(default=None, min_length=1, max_length=10, repr=False)
    options: MeetingOptions | None = None

    @field_validator("passcode")
    @classmethod
    def _passcode(cls, value: str | None) -> str | None:
        return _passcode_chars(value)

    def touches_time(self) -> bool:
        return any(v is not None for v in (self.start_time, self.duration, self.recurrence))


def _passcode_chars(value: str | None) -> str | None:
    if value is not None and not set(value) <= PASSCODE_CHARS:
        raise ValueError("a passcode may use letters, digits and @ - _ * only")
    return value


def _as_value_error(check: Callable[[Any], Any], value: Any) -> None:
    """Our checks raise InvalidInput; pydantic reports only ValueError as a field error."""
    try:
        check(value)
    except InvalidInput as exc:
        raise ValueError(str(exc)) from None


def zoom_type(webinar: bool, fixed_time: bool, recurring: bool) -> int:
    """Zoom's type number: meetings 2/8/3, webinars 5/9/6 (single/recurring/no fixed time)."""
    if not fixed_time:
        return 6 if webinar else 3
    if recurring:
        return 9 if webinar else 8
    return 5 if webinar else 2


def _zoom_time(when: datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def generate_passcode(rule: dict[str, Any]) -> str:
    """A random passcode meeting the account's `meeting_password_requirement` (Zoom caps
    passcodes at 10 characters)."""
    length = min(10, max(8, int(rule.get("length") or 0)))
    if rule.get("only_allow_numeric"):
        pools = [string.digits]
    else:
        pools = [string.ascii_lowercase, string.ascii_uppercase, string.digits]
        if rule.get("have_special_character"):
            pools.append("@-_*")
    alphabet = "".join(pools)
    run = int(rule.get("consecutive_characters_length") or 0)
    for _ in range(1000):
        code = [secrets.choice(p) for p in pools]
        code += [secrets.choice(alphabet) for _ in range(length - len(code))]
        secrets.SystemRandom().shuffle(code)
        text = "".join(code)
        if not run or not _has_run(text, run - 1):
            return text
    raise InvalidInput("the account's passcode rule cannot be met")  # pragma: no cover


def _has_run(text: str, limit: int) -> bool:
    """Whether `text` holds more than `limit` consecutive characters (abcd, 1234)."""
    streak = 1
    for a, b in itertools.pairwise(text):
        streak = streak + 1 if ord(b) == ord(a) + 1 else 1
        if streak > limit:
            return True
    return False
