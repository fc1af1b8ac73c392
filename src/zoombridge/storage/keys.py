"""Object keys for archived recordings: a folder per recorded instance, a name per file.

The folder comes from a template (`ZOOMBRIDGE_ARCHIVE__KEY_TEMPLATE`) over the instance's
metadata; file names are fixed (`<recording type>-<file id>.<ext>`). Every value is sanitized
before it is placed, so a topic like `../../etc` or one full of control characters cannot
escape the archive or make an unreadable key, and the template must name `{uuid}`: Zoom's
instance UUID (made path-safe by a reversible mapping) keeps two instances apart even when
everything else about them is equal. File ids keep files apart inside an instance.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from zoombridge.errors import ConfigurationError

__all__ = [
    "FIELDS",
    "JOINED_FOLDER",
    "SIDECAR_NAME",
    "THUMBNAIL_FOLDER",
    "InstanceKeys",
    "check_template",
    "safe_segment",
    "uuid_for_path",
]

FIELDS = frozenset(
    {"host_email", "host_id", "year", "month", "day", "start", "topic", "meeting_id", "uuid"}
)
MAX_SEGMENT = 120
SIDECAR_NAME = "meeting.json"  # beside each instance's files
# What zoombridge makes from the files goes in subfolders, apart from Zoom's originals.
JOINED_FOLDER = "joined"
THUMBNAIL_FOLDER = "thumbnails"
MAX_KEY = 900  # S3 allows 1024 bytes; leave room for the file name
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_SPACES = re.compile(r"\s+")


def check_template(template: str) -> None:
    """Raise ConfigurationError unless the template uses known fields and names `{uuid}`."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ConfigurationError(f"archive key template {template!r}: {exc}") from None
    names = [name for _, name, spec, conv in parts if name is not None]
    unknown = sorted({name for name in names if name not in FIELDS})
    if unknown or any(spec or conv for _, name, spec, conv in parts if name is not None):
        raise ConfigurationError(
            f"archive key template {template!r}: unknown or formatted fields {unknown or ''}; "
            f"use plain {{field}} with fields from {', '.join(sorted(FIELDS))}"
        )
    if "uuid" not in names:
        raise ConfigurationError(
            f"archive key template {template!r} must contain {{uuid}} so that two recorded "
            "instances can never share a folder"
        )
    if template.startswith("/") or ".." in template.split("/"):
        raise ConfigurationError(f"archive key template {template!r} must be a relative path")


def uuid_for_path(uuid: str) -> str:
    """Zoom's base64 instance UUID, with `/` and `+` swapped for the URL-safe alphabet."""
    return uuid.replace("/", "_").replace("+", "-")


def safe_segment(value: str, fallback: str = "_") -> str:
    """One path segment: no separators, control or reserved characters, no dot-only names."""
    text = unicodedata.normalize("NFC", value)
    text = _SPACES.sub(" ", _UNSAFE.sub("_", text)).strip(" .")
    if len(text.encode()) > MAX_SEGMENT:
        text = text.encode()[:MAX_SEGMENT].decode(errors="ignore").rstrip(" .")
    return text or fallback


@dataclass(frozen=True)
class InstanceKeys:
    """The keys of one recorded instance's folder, its files and its sidecar."""

    folder: str

    @classmethod
    def render(
        cls,
        template: str,
        *,
        uuid: str,
        meeting_id: int | None,
        host_id: str | None,
        host_email: str | None,
        topic: str | None,
        start: datetime | None,
    ) -> InstanceKeys:
        when = start or datetime(1970, 1, 1, tzinfo=UTC)
        values = {
            "host_email": (host_email or host_id or "unknown-host").lower(),
            "host_id": host_id or "unknown-host",
            "year": f"{when:%Y}",
            "month": f"{when:%m}",
            "day": f"{when:%d}",
            "start": f"{when:%Y-%m-%d %H.%M}",
            "topic": topic or "untitled",
            "meeting_id": str(meeting_id or "no-id"),
            "uuid": uuid_for_path(uuid),
        }
        safe = {name: safe_segment(value) for name, value in values.items()}
        rendered = template.format_map(safe)
        segments = [safe_segment(part) for part in rendered.split("/") if part.strip()]
        folder = "/".join(segments)
        if len(folder.encode()) > MAX_KEY:
            folder = "/".join([*segments[:-1], safe["uuid"]])
        return cls(folder)

    def file(self, file_id: str, recording_type: str | None, extension: str | None) -> str:
        kind = safe_segment((recording_type or "file").lower())
        ext = safe_segment((extension or "bin").lower())
        return f"{self.folder}/{kind}-{safe_segment(file_id)}.{ext}"

    def joined(self, recording_type: str | None, extension: str) -> str:
        """The joined recording of one recording type (its segments back to back)."""
        kind = safe_segment((recording_type or "file").lower())
        return f"{self.folder}/{JOINED_FOLDER}/{kind}.{safe_segment(extension.lower())}"

    def thumbnail(self, key: str) -> str:
        """The poster frame of the video stored at `key`."""
        return f"{self.folder}/{THUMBNAIL_FOLDER}/{safe_segment(key.rsplit('/', 1)[-1])}.jpg"

    @property
    def sidecar(self) -> str:
        return f"{self.folder}/{SIDECAR_NAME}"
