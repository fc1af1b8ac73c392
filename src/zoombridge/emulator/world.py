"""The emulated Zoom account: its users, meetings, instances, recordings and phone calls.

Everything is plain data plus the operations Zoom's API performs on it (lookups, trash,
recover, purge after 30 days). Identifiers are drawn from a seeded RNG so a scenario with the
same seed and clock is the same world every time. Time comes from the world's clock only.
"""

from __future__ import annotations

import base64
import hashlib
import random
import uuid as uuidlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from zoombridge.clock import Clock, SystemClock
from zoombridge.emulator.faults import Faults
from zoombridge.emulator.limiter import Limiter
from zoombridge.emulator.paging import PageTokens
from zoombridge.emulator.tokens import TokenStore

__all__ = [
    "App",
    "EmuCall",
    "EmuFile",
    "EmuInstance",
    "EmuMeeting",
    "EmuPhoneRecording",
    "EmuUser",
    "World",
]

TRASH_DAYS = 30
Plan = Literal["free", "pro", "business"]


@dataclass
class EmuUser:
    id: str
    email: str
    first_name: str
    last_name: str
    type: int = 2  # 1 Basic, 2 Licensed
    status: str = "active"  # active | inactive | pending
    pmi: int = 0
    timezone: str = "America/New_York"
    dept: str = ""
    role_id: str = "2"  # 0 owner, 1 admin, 2 member
    created_at: datetime | None = None
    last_login_time: datetime | None = None
    webinar: bool = False
    deleted: bool = False
    phone_extension: int | None = None

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class _LazyBody:
    """A body made by `content()` on first use and kept: encoding media is the costly part."""

    content: Callable[[], Any]  # -> MediaBody | bytes
    _body: Any

    def body(self) -> Any:
        if self._body is None:
            self._body = self.content()
        return self._body


@dataclass
class EmuFile(_LazyBody):
    """One downloadable file. `id` is None for CC and TIMELINE files, as in Zoom."""

    token: str
    file_type: str
    file_extension: str
    recording_start: datetime
    recording_end: datetime
    content: Callable[[], Any]  # -> MediaBody | bytes, computed on first use
    id: str | None = None
    recording_type: str | None = None
    status: str = "completed"
    ready_at: datetime | None = None  # late files: "processing" until then
    file_name: str | None = None  # per-participant audio
    trashed_at: datetime | None = None
    deleted: bool = False
    _body: Any = None
    _sha256: str | None = None

    @property
    def size(self) -> int:
        body = self.body()
        return len(body) if isinstance(body, bytes) else int(body.size)

    def sha256(self) -> str:
        """SHA-256 of the body (hex), worked out once."""
        if self._sha256 is None:
            body = self.body()
            self._sha256 = (
                hashlib.sha256(body).hexdigest() if isinstance(body, bytes) else body.sha256()
            )
        return self._sha256

    def refresh_status(self, now: datetime) -> bool:
        """Move a late file to completed once its time has come; True if it changed."""
        if self.status == "processing" and self.ready_at is not None and now >= self.ready_at:
            self.status = "completed"
            return True
        return False


@dataclass
class EmuInstance:
    """One occurrence (UUID) of a meeting, with its participants and recording, if any."""

    uuid: str
    meeting_id: int
    host_id: str
    topic: str
    type: int
    start_time: datetime
    end_time: datetime
    timezone: str = "America/New_York"
    participants: list[dict[str, Any]] = field(default_factory=list)
    files: list[EmuFile] = field(default_factory=list)
    participant_audio: list[EmuFile] = field(default_factory=list)
    recording_passcode: str = ""
    play_passcode: str = ""
    trashed_at: datetime | None = None
    recording_deleted: bool = False
    webinar: bool = False

    def ended(self, now: datetime) -> bool:
        return self.end_time <= now

    @property
    def duration_minutes(self) -> int:
        return max(1, round((self.end_time - self.start_time).total_seconds() / 60))

    def all_files(self) -> Iterator[EmuFile]:
        yield from self.files
        yield from self.participant_audio

    def has_recording(self) -> bool:
        return not self.recording_deleted and any(not f.deleted for f in self.all_files())


@dataclass
class EmuMeeting:
    id: int
    uuid: str
    host_id: str
    topic: str
    type: int = 2
    start_time: datetime | None = None
    duration: int = 60
    timezone: str = "UTC"
    agenda: str = ""
    password: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    recurrence: dict[str, Any] | None = None
    created_at: datetime | None = None
    webinar: bool = False
    status: str = "waiting"
    deleted_at: datetime | None = None
    instance_uuids: list[str] = field(default_factory=list)


@dataclass
class EmuPhoneRecording(_LazyBody):
    id: str
    call_id: str
    call_log_id: str
    owner_id: str
    caller_name: str
    caller_number: str
    callee_name: str
    callee_number: str
    direction: str
    date_time: datetime
    end_time: datetime
    content: Callable[[], Any]
    recording_type: str = "Automatic"
    deleted: bool = False
    _body: Any = None


@dataclass
class EmuCall:
    id: str
    call_id: str
    user_id: str
    direction: str
    start_time: datetime
    end_time: datetime
    caller_name: str
    caller_number: str
    callee_name: str
    callee_number: str
    recording_id: str | None = None


@dataclass
class App:
    """An OAuth app registered on the account: Server-to-Server or a user-level General app."""

    client_id: str
    client_secret: str
    kind: Literal["s2s", "user"]
    scopes: set[str]
    redirect_uris: tuple[str, ...] = ()


class World:
    """All state of one emulated Zoom account, plus the clock and fault knobs."""

    def __init__(
        self,
        *,
        seed: int = 1,
        clock: Clock | None = None,
        plan: Plan = "business",
        account_id: str = "emulator-account",
        web_base: str = "https://zoom.us",
        api_url: str = "https://api.zoom.us",
    ) -> None:
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        self.clock = clock or SystemClock()
        self.plan: Plan = plan
        self.account_id = account_id
        self.web_base = web_base.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.faults = Faults()
        self.tokens = TokenStore(self.clock)
        self.limiter = Limiter(self.clock)
        self.page_tokens = PageTokens(self.clock, random.Random(seed + 1))  # noqa: S311
        self.users: dict[str, EmuUser] = {}
        self.meetings: dict[int, EmuMeeting] = {}
        self.instances: dict[str, EmuInstance] = {}
        self.files_by_token: dict[str, tuple[EmuInstance, EmuFile]] = {}
        self.phone_recordings: dict[str, EmuPhoneRecording] = {}
        self.calls: list[EmuCall] = []
        self.apps: dict[str, App] = {}
        self.assistants: dict[str, list[str]] = {}  # host id -> assistant ids
        # The account's meeting passcode rule (Zoom's meeting_password_requirement).
        self.passcode_requirement: dict[str, Any] = {
            "length": 6,
            "have_letter": False,
            "have_number": True,
            "have_special_character": False,
            "have_upper_and_lower_characters": False,
            "only_allow_numeric": False,
            "consecutive_characters_length": 0,
            "weak_enhance_detection": False,
        }
        self.owner_id = ""
        self.refresh_token_days = 90
        self.token_ttl = 3600
        self.single_token_mode = False
        self.rate_headers: Literal["429", "always", "never"] = "429"
        self.instances_by_host: dict[str, list[EmuInstance]] = {}
        self.late_files: list[tuple[EmuInstance, EmuFile]] = []
        self._next_purge: datetime | None = None
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.listeners: list[Callable[[str, dict[str, Any]], None]] = []

    # identifiers -------------------------------------------------------------------------
    def new_user_id(self) -> str:
        return base64.urlsafe_b64encode(self.rng.randbytes(16)).decode().rstrip("=")[:22]

    def new_uuid(self, awkward: bool = False) -> str:
        """A meeting-instance UUID; `awkward` ones start with '/' or contain '//' like Zoom's."""
        raw = base64.b64encode(self.rng.randbytes(16)).decode()
        if awkward:
            raw = ("/" + raw[1:]) if self.rng.random() < 0.5 else raw[:5] + "//" + raw[7:]
        return raw

    def new_meeting_id(self) -> int:
        while True:
            candidate = self.rng.randrange(81_000_000_000, 99_999_999_999)
            if candidate not in self.meetings:
                return candidate

    def new_file_id(self) -> str:
        return str(uuidlib.UUID(bytes=self.rng.randbytes(16), version=4))

    def new_token(self) -> str:
        return base64.urlsafe_b64encode(self.rng.randbytes(24)).decode().rstrip("=")

    # lookups ------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def find_user(self, key: str) -> EmuUser | None:
        """By id, e-mail (any case) or `me` (the account owner); deleted users are gone."""
        if key == "me":
            key = self.owner_id
        user = self.users.get(key)
        if user is None:
            lowered = key.lower()
            user = next((u for u in self.users.values() if u.email.lower() == lowered), None)
        return None if user is None or user.deleted else user

    def live_meeting(self, meeting_id: int) -> EmuMeeting | None:
        meeting = self.meetings.get(meeting_id)
        return None if meeting is None or meeting.deleted_at is not None else meeting

    def add_instance(self, instance: EmuInstance) -> None:
        self.instances[instance.uuid] = instance
        self.instances_by_host.setdefault(instance.host_id, []).append(instance)
        meeting = self.meetings.get(instance.meeting_id)
        if meeting is not None and instance.uuid not in meeting.instance_uuids:
            meeting.instance_uuids.append(instance.uuid)
        for file in instance.all_files():
            self.files_by_token[file.token] = (instance, file)

    def recorded_instance(self, key: str) -> EmuInstance | None:
        """The instance a recordings call means: a UUID, or a meeting id's latest instance."""
        self.purge_expired_trash()
        instance = self.instances.get(key)
        if instance is None and key.isdigit():
            candidates = [
                i for i in self.instances.values() if i.meeting_id == int(key) and i.has_recording()
            ]
            return max(candidates, key=lambda i: i.start_time, default=None)
        return instance if instance is not None and instance.has_recording() else None

    def mark_late(self, instance: EmuInstance, file: EmuFile, ready_at: datetime) -> None:
        """`file` is still processing and completes at `ready_at` (like Zoom's transcripts)."""
        file.status, file.ready_at = "processing", ready_at
        self.late_files.append((instance, file))

    def refresh_late_files(self) -> list[tuple[EmuInstance, list[EmuFile]]]:
        """Complete late files whose time has come: (instance, files completed now) for each
        instance whose files are now all complete."""
        now = self.now()
        changed: dict[str, list[EmuFile]] = {}
        for instance, file in self.late_files:
            if file.refresh_status(now):
                changed.setdefault(instance.uuid, []).append(file)
        if not changed:
            return []
        self.late_files = [(i, f) for i, f in self.late_files if f.status == "processing"]
        finished = []
        for uuid, files in changed.items():
            instance = self.instances[uuid]
            if all(f.status == "completed" for f in instance.all_files()):
                finished.append((instance, files))
        return finished

    def purge_expired_trash(self) -> None:
        """Zoom empties its trash after 30 days (checked at most once a minute)."""
        now = self.now()
        if self._next_purge is not None and now < self._next_purge:
            return
        self._next_purge = now + timedelta(minutes=1)
        limit = now - timedelta(days=TRASH_DAYS)
        for instance in self.instances.values():
            if instance.trashed_at and instance.trashed_at <= limit:
                instance.recording_deleted = True
            for file in instance.all_files():
                if file.trashed_at and file.trashed_at <= limit:
                    file.deleted = True

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        """Record an event and hand it to listeners (the webhook sender)."""
        self.events.append((event, payload))
        for listener in self.listeners:
            listener(event, payload)
