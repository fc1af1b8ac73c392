"""Every exception zoombridge raises, split by what the caller should do next.

    ZoomBridgeError
    ├── RetriableError              try the same thing again later; nothing is wrong with it
    │   ├── TransportError          timeout, refused connection, broken stream
    │   ├── ZoomServerError         Zoom answered 5xx
    │   ├── RateLimited             429 per-second limit (retry_after says how long)
    │   ├── DailyLimitReached       a daily quota is spent; paused until `resume_at` (00:00 UTC)
    │   │   └── HostDailyLimitReached   one host's 100 create/update calls for the day
    │   ├── StorageError            the archive's storage failed to read or write (full, down)
    │   └── MailNotSent             the SMTP server could not be reached or refused a message
    ├── FatalError                  a person has to change something before this can work
    │   ├── ConfigurationError      settings are missing or malformed
    │   ├── AuthenticationError     Zoom refused the credentials or the token
    │   │   ├── MissingScopes       the app lacks scopes (named in `scopes`)
    │   │   └── ReauthorizationNeeded   the OAuth grant is gone; the user must authorize again
    │   ├── ZoomRequestError        Zoom rejected the request as invalid (4xx)
    │   │   └── PageTokenExpired    a next_page_token expired (15 min); the walk restarts
    │   ├── PaginationError         Zoom's paging broke its own rules (a token loop)
    │   ├── SignInRefused           wrong e-mail or password, or too many tries (`retry_at`)
    │   ├── SchedulingRefused       a meeting cannot be scheduled or moved as asked
    │   │   ├── HostBusy            the named host has a meeting then (`conflict` names it)
    │   │   ├── NoFreeHost          no host of the pool is free then
    │   │   └── TransferRefused     the preflight found what a host transfer lacks (`missing`)
    │   └── InvalidInput            input from outside (a webhook, a file) is malformed
    │       ├── WebhookRejected     signature, timestamp, size or shape is wrong
    │       ├── LinkUnusable        a password link is unknown, expired, used or replaced
    │       ├── RecordingNotFound   no such recording, or one the reader may not see
    │       ├── MeetingNotFound     no meeting zoombridge scheduled has this id
    │       ├── RulesInvalid        a privacy rules file is malformed; `where` names the place
    │       ├── TokenNotAccepted    a reversible pseudonym cannot be decrypted (stale key, foreign)
    │       └── BadRecords          rows of a bulk file are malformed; `problems` lists (line, why)
    └── SkippableError              this item cannot be done; carry on with the others
        ├── ZoomNotFound            Zoom says the user, meeting or recording does not exist
        ├── NotMediaError           a download returned an error page instead of the file
        ├── SizeMismatch            a download's bytes disagree with the size Zoom announced
        └── UnusableMedia           a media file is damaged or unlike its siblings; no join is made

Zoom errors carry the HTTP status, Zoom's own `code`, its message and the request id, and
their `str()` tells a person what to do. Nothing in here ever holds a token or a secret.
"""

from __future__ import annotations

from datetime import datetime

__all__ = [
    "AuthenticationError",
    "BadRecords",
    "ConfigurationError",
    "DailyLimitReached",
    "FatalError",
    "HostBusy",
    "HostDailyLimitReached",
    "InvalidInput",
    "LinkUnusable",
    "MailNotSent",
    "MeetingNotFound",
    "MissingScopes",
    "NoFreeHost",
    "NotMediaError",
    "PageTokenExpired",
    "PaginationError",
    "RateLimited",
    "ReauthorizationNeeded",
    "RecordingNotFound",
    "RetriableError",
    "RulesInvalid",
    "SchedulingRefused",
    "SignInRefused",
    "SizeMismatch",
    "SkippableError",
    "StorageError",
    "TokenNotAccepted",
    "TransferRefused",
    "TransportError",
    "UnusableMedia",
    "WebhookRejected",
    "ZoomBridgeError",
    "ZoomError",
    "ZoomNotFound",
    "ZoomRequestError",
    "ZoomServerError",
]


class ZoomBridgeError(Exception):
    """Root of the tree; catch this to catch everything zoombridge raises on purpose."""


class RetriableError(ZoomBridgeError):
    """The same call may succeed later without any change."""


class FatalError(ZoomBridgeError):
    """Retrying will not help until a person changes configuration or input."""


class SkippableError(ZoomBridgeError):
    """This one item is lost or unavailable; other items are unaffected."""


class ZoomError(ZoomBridgeError):
    """Mixin data for errors that came back from Zoom's HTTP API."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        zoom_message: str | None = None,
        method: str | None = None,
        path: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.zoom_message = zoom_message
        self.method = method
        self.path = path
        self.request_id = request_id

    def where(self) -> str:
        """`GET /users/x/recordings -> 404/1001` for logs and notes."""
        parts = [f"{self.method or '?'} {self.path or '?'}", f"-> {self.status}"]
        if self.code is not None:
            parts[-1] += f"/{self.code}"
        return " ".join(parts)


class TransportError(RetriableError, ZoomError):
    """No usable answer: the connection failed, timed out or broke mid-stream.

    `request_sent` is False when the request surely never reached Zoom (connect failed), so
    even a non-idempotent call may be repeated.
    """

    def __init__(self, message: str, *, request_sent: bool = True, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.request_sent = request_sent


class ZoomServerError(RetriableError, ZoomError):
    """Zoom answered 5xx."""


class RateLimited(RetriableError, ZoomError):
    """Zoom's per-second limit was hit; `retry_after` is seconds to wait (None: back off)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class DailyLimitReached(RetriableError, ZoomError):
    """A daily quota is used up; calls in `category` are paused until `resume_at`."""

    def __init__(self, message: str, *, category: str, resume_at: datetime, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.category = category
        self.resume_at = resume_at


class HostDailyLimitReached(DailyLimitReached):
    """Zoom allows 100 meeting/webinar create+update calls per host per UTC day."""

    def __init__(self, message: str, *, host: str, resume_at: datetime, **kw: object) -> None:
        super().__init__(message, category="host", resume_at=resume_at, **kw)
        self.host = host


class StorageError(RetriableError):
    """The archive's storage failed (unreachable, full, refused); nothing was marked archived."""


class MailNotSent(RetriableError):
    """The SMTP server was unreachable, timed out or refused the message; says which."""


class ConfigurationError(FatalError):
    """Settings are missing or malformed; the message names the setting."""


class AuthenticationError(FatalError, ZoomError):
    """Zoom refused the client credentials, the grant or the access token."""


class MissingScopes(AuthenticationError):
    """The token lacks scopes; `scopes` names them so an admin can add them to the app."""

    def __init__(self, message: str, *, scopes: list[str], **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.scopes = scopes


class ReauthorizationNeeded(AuthenticationError):
    """The user's OAuth grant cannot be used any more; send them through authorize again."""


class ZoomRequestError(FatalError, ZoomError):
    """Zoom rejected the request itself (validation, permission, plan)."""


class PageTokenExpired(ZoomRequestError):
    """Zoom's 300 "next page token is invalid or expired"; pagination restarts the window."""


class PaginationError(FatalError, ZoomError):
    """Zoom returned a page token it had already returned: following it would loop forever."""


class SignInRefused(FatalError):
    """A portal sign-in failed; the message never says whether the e-mail address exists.
    `retry_at` is set while the address or the client is locked out."""

    def __init__(self, message: str, *, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class SchedulingRefused(FatalError):
    """A meeting cannot be scheduled or moved as asked; nothing was changed in Zoom."""


class HostBusy(SchedulingRefused):
    """The named host already has a meeting at that time; `conflict` names it."""

    def __init__(self, message: str, *, conflict: dict[str, object]) -> None:
        super().__init__(message)
        self.conflict = conflict


class NoFreeHost(SchedulingRefused):
    """Every host of the pool is busy at that time (or cannot host this kind of meeting)."""


class TransferRefused(SchedulingRefused):
    """A host transfer cannot be made in place; `missing` lists what it lacks."""

    def __init__(self, message: str, *, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing


class InvalidInput(FatalError):
    """Input from outside zoombridge is malformed; nothing was changed."""


class WebhookRejected(InvalidInput):
    """A webhook request failed verification; `status` is the HTTP status to answer with,
    `reason` a short fixed word for counting refusals (bad_signature, stale, malformed...)."""

    def __init__(self, message: str, *, status: int = 401, reason: str = "rejected") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class LinkUnusable(InvalidInput):
    """A password link cannot be used; `known` is False when no such link was ever made."""

    def __init__(self, message: str, *, known: bool) -> None:
        super().__init__(message)
        self.known = known


class RecordingNotFound(InvalidInput):
    """No such recording, or one the reader may not see (the two are not told apart)."""


class MeetingNotFound(InvalidInput):
    """No meeting zoombridge scheduled has this id (on this connection)."""


class RulesInvalid(InvalidInput):
    """A rules document cannot be used; nothing was loaded."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)
        self.where = where
        self.problem = problem


class TokenNotAccepted(InvalidInput):
    """A reversible token was not made with any key this installation holds, or was altered."""

    def __init__(self, message: str, *, key_id: str | None = None) -> None:
        super().__init__(message)
        self.key_id = key_id


class BadRecords(InvalidInput):
    """Malformed rows in a bulk file: `problems` is [(line number, what is wrong)]."""

    def __init__(self, source: str, problems: list[tuple[int, str]], *, more: int = 0) -> None:
        listed = "; ".join(f"line {line}: {reason}" for line, reason in problems)
        extra = f" (and {more} more)" if more else ""
        super().__init__(f"{source}: malformed rows: {listed}{extra}")
        self.source = source
        self.problems = list(problems)
        self.more = more


class ZoomNotFound(SkippableError, ZoomError):
    """Zoom says the object does not exist (codes 1001, 3001, 3301...)."""


class NotMediaError(SkippableError, ZoomError):
    """A download answered with an HTML or JSON error body instead of the recording bytes."""


class SizeMismatch(SkippableError):
    """The bytes Zoom served are not the size its listing announced; nothing was kept."""


class UnusableMedia(SkippableError):
    """Media files that cannot be joined as they are; `problems` maps each file to what is wrong.

    The originals are untouched and no output is left behind; the caller skips the join and
    reports the problems.
    """

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = dict(problems)
        listed = "; ".join(f"{name}: {problem}" for name, problem in self.problems.items())
        super().__init__(f"cannot join these media files: {listed}")

    def __reduce__(self) -> tuple[type[UnusableMedia], tuple[dict[str, str]]]:
        # Raised in the media worker process: it must cross back whole, problems and all.
        return (UnusableMedia, (self.problems,))
