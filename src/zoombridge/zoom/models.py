"""Typed views of Zoom's JSON, shared by the API functions and the webhook parser.

Models keep fields Zoom adds later (`extra="allow"`) so nothing is lost on the way to the
catalog. Zoom is loose with types (a meeting `type` is a string in recording lists and an
integer in webhooks; empty strings stand for "no date"), so the field types below absorb that.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "Assistant",
    "Page",
    "RecordingFile",
    "RecordingMeeting",
    "User",
    "ZoomModel",
    "ZoomTime",
    "utc_text",
]


def _blank_is_none(value: Any) -> Any:
    return None if value == "" else value


def _int_or_none(value: Any) -> Any:
    if value in ("", None):
        return None
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


ZoomTime = Annotated[datetime | None, BeforeValidator(_blank_is_none)]
ZoomInt = Annotated[int | None, BeforeValidator(_int_or_none)]


def utc_text(value: datetime) -> str:
    """`value` in Zoom's UTC form (`2026-01-15T12:00:00Z`); a naive datetime is taken as UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class ZoomModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)

    def raw(self) -> dict[str, Any]:
        """The JSON Zoom sent (known and unknown fields), for sidecars and the catalog."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Page(ZoomModel):
    """The envelope of a paged list."""

    page_size: ZoomInt = None
    page_count: ZoomInt = None
    total_records: ZoomInt = None
    next_page_token: str | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None


class RecordingFile(ZoomModel):
    """One file of one recorded meeting instance.

    CC and TIMELINE files come without id, status, size and recording_type; `key()` gives
    every file a stable identity anyway.
    """

    id: str | None = None
    meeting_id: str | None = None
    recording_start: ZoomTime = None
    recording_end: ZoomTime = None
    file_type: str | None = None
    file_extension: str | None = None
    file_size: ZoomInt = None
    file_name: str | None = None
    play_url: str | None = None
    download_url: str | None = None
    status: str | None = None
    recording_type: str | None = None
    deleted_time: ZoomTime = None
    file_path: str | None = None

    def key(self, instance_uuid: str) -> str:
        """Zoom's file id, or for id-less files a stable id derived from what identifies them."""
        if self.id:
            return self.id
        parts = [
            instance_uuid,
            self.file_type or "",
            self.file_extension or "",
            self.recording_start.isoformat() if self.recording_start else "",
            self.recording_end.isoformat() if self.recording_end else "",
        ]
        digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
        return f"derived-{digest}"

    @property
    def completed(self) -> bool:
        """Ready to download. Files without a status (CC, TIMELINE) come only when ready."""
        return self.status in (None, "completed")


class RecordingMeeting(ZoomModel):
    """One recorded meeting instance (a UUID) with its files."""

    uuid: str
    id: ZoomInt = None
    account_id: str | None = None
    host_id: str | None = None
    host_email: str | None = None
    topic: str | None = None
    type: ZoomInt = None
    start_time: ZoomTime = None
    timezone: str | None = None
    duration: ZoomInt = None
    total_size: ZoomInt = None
    recording_count: ZoomInt = None
    share_url: str | None = None
    recording_play_passcode: str | None = Field(default=None, repr=False)
    password: str | None = Field(default=None, repr=False)
    auto_delete: bool | None = None
    auto_delete_date: str | None = None
    recording_files: list[RecordingFile] = []
    participant_audio_files: list[RecordingFile] = []
    download_access_token: str | None = Field(default=None, repr=False)

    def all_files(self) -> list[RecordingFile]:
        return [*self.recording_files, *self.participant_audio_files]


class User(ZoomModel):
    """A Zoom user. Pending users (invited, not yet signed in) come without an id."""

    id: str | None = None
    email: str
    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None
    type: ZoomInt = None
    status: str | None = None
    pmi: ZoomInt = None
    timezone: str | None = None
    dept: str | None = None
    role_id: str | None = None
    role_name: str | None = None
    created_at: ZoomTime = None
    last_login_time: ZoomTime = None
    plan_united_type: str | None = None

    @property
    def licensed(self) -> bool:
        """Zoom user type 2 is Licensed; 1 is Basic."""
        return self.type == 2


class Assistant(ZoomModel):
    id: str | None = None
    email: str | None = None
    can_manage_host_private_event: bool | None = None
