"""What happened to a meeting that people should hear about, handed to a notifier.

The service and the sync say what happened; how it reaches people (e-mail today) is the
notifier's business, so a failed mail never undoes a change already made in Zoom.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["MeetingNotice", "NoticeKind", "Notify", "ignore_notices"]

NoticeKind = Literal["created", "changed", "host_changed", "deleted_in_zoom", "cancelled"]


@dataclass(frozen=True)
class MeetingNotice:
    """One event about one meeting (`meeting_id` is zoombridge's id, not Zoom's)."""

    kind: NoticeKind
    connection_id: int
    meeting_id: int
    # What changed, for "changed" (field -> (old, new)) and "host_changed" ("host").
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    detail: str = ""


Notify = Callable[[MeetingNotice], None]


def ignore_notices(_notice: MeetingNotice) -> None:
    """The notifier when no mail is configured: nothing to send."""
