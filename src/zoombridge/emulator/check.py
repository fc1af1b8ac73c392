"""The emulator scenario check: walk a whole account through the client and verify every file.

Until the archive exists this is `make demo`: every user (active, deactivated, pending), every
month window, every recorded instance (fetched again by UUID, double-encoded where needed, for
its per-participant audio), every file downloaded through Zoom's redirect and checked against
the announced size, and every Zoom Phone recording. It exercises what the archive relies on.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from zoombridge.errors import NotMediaError, SkippableError
from zoombridge.zoom import ZoomClient, phone, recordings, users
from zoombridge.zoom.models import RecordingFile

__all__ = ["CheckReport", "run_check"]


@dataclass
class CheckReport:
    users_by_status: Counter[str] = field(default_factory=Counter)
    instances: int = 0
    files_by_type: Counter[str] = field(default_factory=Counter)
    bytes_verified: int = 0
    files_verified: int = 0
    still_processing: int = 0
    phone_recordings: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and self.files_verified > 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "users_by_status": dict(self.users_by_status),
            "recorded_instances": self.instances,
            "files_by_type": dict(self.files_by_type),
            "files_verified": self.files_verified,
            "bytes_verified": self.bytes_verified,
            "still_processing": self.still_processing,
            "phone_recordings": self.phone_recordings,
            "problems": self.problems,
            "seconds": round(self.seconds, 2),
        }


Progress = Callable[[str, int], None]


async def run_check(
    zoom: ZoomClient, start: date, end: date, progress: Progress | None = None
) -> CheckReport:
    report = CheckReport()
    began = time.monotonic()
    note = progress or (lambda label, size: None)
    async for user in users.iter_all_users(zoom):
        report.users_by_status[user.status or "?"] += 1
        if user.status == "pending" or user.id is None:
            continue  # pending users never hosted anything
        async for listed in recordings.iter_user_recordings(zoom, user.id, start, end):
            report.instances += 1
            meeting = await recordings.get_meeting_recordings(zoom, listed.uuid)
            for file in meeting.all_files():
                await _verify(zoom, file, report, note)
    async for call in phone.iter_phone_recordings(zoom, start, end):
        if call.download_url:
            size = await _download(zoom, call.download_url, "MP3")
            report.phone_recordings += 1
            report.bytes_verified += size
            note(f"phone {call.id[:8]}", size)
    report.seconds = time.monotonic() - began
    return report


async def _verify(
    zoom: ZoomClient, file: RecordingFile, report: CheckReport, note: Progress
) -> None:
    kind = file.file_type or "?"
    report.files_by_type[kind] += 1
    if not file.completed:
        report.still_processing += 1
        return
    if not file.download_url:
        report.problems.append(f"{kind} file without a download_url")
        return
    try:
        size = await _download(zoom, file.download_url, file.file_extension)
    except (NotMediaError, SkippableError) as exc:
        report.problems.append(f"{kind} {file.id}: {exc}")
        return
    if file.file_size is not None and size != file.file_size:
        report.problems.append(
            f"{kind} {file.id}: got {size} bytes, Zoom announced {file.file_size}"
        )
        return
    report.files_verified += 1
    report.bytes_verified += size
    note(f"{kind} {file.recording_type or ''}".strip(), size)


async def _download(zoom: ZoomClient, url: str, extension: str | None) -> int:
    async with zoom.download(url, expected_extension=extension) as stream:
        async for _chunk in stream.iter_bytes():
            pass  # Download itself checks every promised byte arrived
        return stream.received
