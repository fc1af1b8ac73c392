"""Seeded worlds: a believable Zoom account with everything the archive has to cope with.

`demo` has active, deactivated and pending users (licensed, basic, one with the webinar
add-on), recurring meetings with several instances, stop/start segments, CC and TIMELINE
files without ids, per-participant audio, a webinar, UUIDs that need double encoding, a
transcript that is still processing, upcoming scheduled meetings, and Zoom Phone calls with
recordings. Media durations come from a small set so a world renders only a few dozen
distinct files (each cached on disk), however many meetings it has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from zoombridge.clock import Clock
from zoombridge.emulator import content
from zoombridge.emulator.routes import all_routes
from zoombridge.emulator.world import (
    App,
    EmuCall,
    EmuFile,
    EmuInstance,
    EmuMeeting,
    EmuPhoneRecording,
    EmuUser,
    Plan,
    World,
)

__all__ = ["DEFAULT_CREDENTIALS", "SCENARIOS", "ScenarioOptions", "build_world"]

DEFAULT_CREDENTIALS = {
    "account_id": "emulator-account",
    "client_id": "emulator-client",
    "client_secret": "emulator-secret",
    "user_client_id": "emulator-user-app",
    "user_client_secret": "emulator-user-secret",
}
SEGMENT_SECONDS = (20, 30, 45, 60)
TOPICS = (
    "Weekly team sync",
    "Budget review",
    "Intro to Statistics — Lecture",
    "Customer onboarding call",
    "Research group meeting",
    "Office hours",
    "Design critique",
    "All hands",
)
PEOPLE = (
    ("Ada", "Lovelace", "ada"),
    ("Grace", "Hopper", "grace"),
    ("Alan", "Turing", "alan"),
    ("Katherine", "Johnson", "katherine"),
    ("Edsger", "Dijkstra", "edsger"),
    ("Barbara", "Liskov", "barbara"),
    ("Donald", "Knuth", "donald"),
    ("Margaret", "Hamilton", "margaret"),
)

# The moment simulated worlds are built around in tests and the demo, so they look the same
# on any day (file dates, and so archive keys, do not shift between runs).
DEMO_EPOCH = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class ScenarioOptions:
    users: int = 8
    meetings_per_user: int = 4
    days_back: int = 80
    large_file_bytes: int | None = None  # pad one video per instance to this size
    phone: bool = True
    plan: Plan = "business"


def build_world(
    name: str = "demo", seed: int = 1, *, clock: Clock | None = None, **overrides: object
) -> World:
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; choose from {', '.join(sorted(SCENARIOS))}")
    options, extra = SCENARIOS[name]
    options = ScenarioOptions(**{**options.__dict__, **overrides})
    world = World(seed=seed, clock=clock, plan=options.plan)
    _register_apps(world)
    _populate(world, options)
    if extra is not None:
        extra(world)
    return world


def all_scopes() -> set[str]:
    """Every scope some emulated route accepts: the default apps may call everything."""
    return {scope for route in all_routes() for scope in route.scopes}


def _register_apps(world: World) -> None:
    scopes = all_scopes()
    c = DEFAULT_CREDENTIALS
    world.apps[c["client_id"]] = App(c["client_id"], c["client_secret"], "s2s", set(scopes))
    world.apps[c["user_client_id"]] = App(
        c["user_client_id"],
        c["user_client_secret"],
        "user",
        set(scopes),
        redirect_uris=(
            "http://127.0.0.1:8000/oauth/callback",
            "http://127.0.0.1:8000/oauth/zoom/callback",  # `zoombridge serve`'s own
            "https://app.example/oauth/callback",
        ),
    )


def _populate(world: World, options: ScenarioOptions) -> None:
    now = world.now().replace(microsecond=0)
    users = _users(world, options, now)
    for index, user in enumerate(users):
        if user.status == "pending" or user.type != 2:
            continue
        for number in range(options.meetings_per_user):
            days_ago = world.rng.randint(1, options.days_back)
            start = (now - timedelta(days=days_ago)).replace(
                hour=9 + number % 8, minute=0, second=0
            )
            _recorded_meeting(world, user, start, variant=(index + number) % 6, options=options)
        _upcoming(world, user, now)
    _make_newest_transcript_late(world)
    if options.phone:
        for user in users[:3]:
            _phone_calls(world, user, now)


def _make_newest_transcript_late(world: World) -> None:
    """Zoom finishes transcripts after the video: the newest one is still processing."""
    recorded = [i for i in world.instances.values() if i.files]
    if not recorded:
        return
    newest = max(recorded, key=lambda i: i.start_time)
    for file in newest.files:
        if file.file_type == "TRANSCRIPT":
            world.mark_late(newest, file, world.now() + timedelta(minutes=10))


def _users(world: World, options: ScenarioOptions, now: datetime) -> list[EmuUser]:
    users = []
    for index in range(options.users):
        first, last, handle = PEOPLE[index % len(PEOPLE)]
        # The owner (index 0) is always active; the last two users are pending and inactive.
        status = "inactive" if index == options.users - 2 and index > 0 else "active"
        status = "pending" if index == options.users - 1 and index > 0 else status
        user = EmuUser(
            id=world.new_user_id(),
            email=f"{handle}{index // len(PEOPLE) or ''}@example.edu",
            first_name=first,
            last_name=last,
            type=1 if index == 5 else 2,
            status=status,
            pmi=world.rng.randrange(2_000_000_000, 9_999_999_999),
            role_id="0" if index == 0 else "2",
            dept=("Physics", "Admissions", "IT", "Library")[index % 4],
            created_at=now - timedelta(days=400 + index),
            last_login_time=None if status == "pending" else now - timedelta(days=index),
            webinar=index in (0, 1),
            phone_extension=100 + index if index < 3 else None,
        )
        world.users[user.id] = user
        users.append(user)
    world.owner_id = users[0].id
    return users


def _recorded_meeting(
    world: World, host: EmuUser, start: datetime, *, variant: int, options: ScenarioOptions
) -> None:
    webinar = variant == 4 and host.webinar
    meeting = EmuMeeting(
        id=world.new_meeting_id(),
        uuid=world.new_uuid(),
        host_id=host.id,
        topic=world.rng.choice(TOPICS),
        type=5 if webinar else (8 if variant == 1 else 2),
        start_time=start,
        duration=60,
        timezone=host.timezone,
        created_at=start - timedelta(days=7),
        webinar=webinar,
        password=str(world.rng.randrange(100000, 999999)),
    )
    if variant == 1:
        meeting.recurrence = {"type": 2, "repeat_interval": 1, "end_times": 4}
    world.meetings[meeting.id] = meeting
    occurrences = 2 if variant == 1 else 1
    for occurrence in range(occurrences):
        when = start - timedelta(weeks=occurrence)
        _instance(world, meeting, when, variant=variant, options=options, awkward=variant == 3)


def _instance(
    world: World,
    meeting: EmuMeeting,
    start: datetime,
    *,
    variant: int,
    options: ScenarioOptions,
    awkward: bool,
) -> EmuInstance:
    segments = 3 if variant == 2 else 1
    instance = EmuInstance(
        uuid=world.new_uuid(awkward=awkward),
        meeting_id=meeting.id,
        host_id=meeting.host_id,
        topic=meeting.topic,
        type=meeting.type,
        start_time=start,
        end_time=start,
        timezone=meeting.timezone,
        recording_passcode=meeting.password,
        play_passcode=world.new_token()[:32],
        webinar=meeting.webinar,
    )
    cursor = start + timedelta(seconds=world.rng.randint(5, 60))
    first = cursor
    for _ in range(segments):
        seconds = world.rng.choice(SEGMENT_SECONDS)
        end = cursor + timedelta(seconds=seconds)
        _segment_files(world, instance, cursor, end, seconds, options, variant)
        cursor = end + timedelta(seconds=world.rng.randint(30, 120))
    last_end = cursor
    instance.end_time = last_end + timedelta(minutes=2)
    instance.participants = content.participants(world, meeting.host_id, instance, count=4)
    _text_files(world, instance, first, last_end, variant)
    if variant == 0:
        _participant_audio(world, instance, first, last_end)
    world.add_instance(instance)
    return instance


def _file(
    world: World,
    kind: str,
    ext: str,
    rtype: str | None,
    start: datetime,
    end: datetime,
    make: Callable[[], object],
    with_id: bool = True,
) -> EmuFile:
    return EmuFile(
        token=world.new_token(),
        file_type=kind,
        file_extension=ext,
        recording_start=start,
        recording_end=end,
        content=make,
        id=world.new_file_id() if with_id else None,
        recording_type=rtype,
    )


def _segment_files(
    world: World,
    instance: EmuInstance,
    start: datetime,
    end: datetime,
    seconds: int,
    options: ScenarioOptions,
    variant: int,
) -> None:
    seed = world.rng.randrange(4)
    pad = options.large_file_bytes if not instance.files else None
    layouts = ["shared_screen_with_speaker_view"] + (["gallery_view"] if variant in (0, 2) else [])
    for layout in layouts:
        make = content.video(seconds, seed, pad_to=pad if layout == layouts[0] else None)
        instance.files.append(_file(world, "MP4", "MP4", layout, start, end, make))
    instance.files.append(
        _file(world, "M4A", "M4A", "audio_only", start, end, content.audio(seconds, seed))
    )


def _text_files(
    world: World, instance: EmuInstance, start: datetime, end: datetime, variant: int
) -> None:
    script = content.script(world, instance, (end - start).total_seconds())
    transcript = _file(
        world, "TRANSCRIPT", "VTT", "audio_transcript", start, end, script.transcript
    )
    instance.files += [
        transcript,
        _file(world, "CC", "VTT", None, start, end, script.captions, with_id=False),
        _file(world, "CHAT", "TXT", "chat_file", start, end, script.chat),
        _file(world, "TIMELINE", "JSON", None, start, end, script.timeline, with_id=False),
    ]
    if variant in (1, 4):
        instance.files.append(_file(world, "CSV", "CSV", "poll", start, end, script.poll))
    if variant in (0, 3):
        instance.files.append(
            _file(world, "SUMMARY", "JSON", "summary", start, end, script.summary)
        )


def _participant_audio(world: World, instance: EmuInstance, start: datetime, end: datetime) -> None:
    seconds = int((end - start).total_seconds())
    for person in instance.participants[:3]:
        make = content.audio(min(seconds, 60), world.rng.randrange(4))
        file = _file(world, "M4A", "M4A", None, start, end, make)
        file.file_name = person["name"]
        instance.participant_audio.append(file)


def _upcoming(world: World, host: EmuUser, now: datetime) -> None:
    start = (now + timedelta(days=world.rng.randint(1, 14))).replace(minute=0, second=0)
    meeting = EmuMeeting(
        id=world.new_meeting_id(),
        uuid=world.new_uuid(),
        host_id=host.id,
        topic=f"{world.rng.choice(TOPICS)} (upcoming)",
        start_time=start,
        duration=45,
        timezone=host.timezone,
        created_at=now - timedelta(days=1),
        password=str(world.rng.randrange(100000, 999999)),
    )
    world.meetings[meeting.id] = meeting


def _phone_calls(
    world: World, user: EmuUser, now: datetime, count: int = 4, recent: bool = False
) -> list[EmuPhoneRecording]:
    """`count` calls of `user`, every fourth one not recorded; the recordings made."""
    recorded = []
    for number in range(count):
        back = (
            timedelta(minutes=5)
            if recent
            else timedelta(days=world.rng.randint(1, 60), minutes=number * 7)
        )
        start = now - back
        seconds = world.rng.choice(SEGMENT_SECONDS)
        call = EmuCall(
            id=f"{start:%Y%m%d}-{world.new_file_id()}",
            call_id=str(world.rng.randrange(10**18, 10**19)),
            user_id=user.id,
            direction=world.rng.choice(("inbound", "outbound")),
            start_time=start,
            end_time=start + timedelta(seconds=seconds),
            caller_name=user.display_name,
            caller_number=str(user.phone_extension),
            callee_name="External caller",
            callee_number=f"+1555{world.rng.randrange(1000000, 9999999)}",
        )
        if number != 3:  # one call in four was not recorded
            recording = EmuPhoneRecording(
                id=world.new_file_id().replace("-", ""),
                call_id=call.call_id,
                call_log_id=world.new_file_id(),
                owner_id=user.id,
                caller_name=call.caller_name,
                caller_number=call.caller_number,
                callee_name=call.callee_name,
                callee_number=call.callee_number,
                direction=call.direction,
                date_time=call.start_time,
                end_time=call.end_time,
                content=content.phone_audio(seconds, world.rng.randrange(4)),
            )
            world.phone_recordings[recording.id] = recording
            call.recording_id = recording.id
            recorded.append(recording)
        world.calls.append(call)
    return recorded


def _paging(world: World) -> None:
    """One host with 700 short recorded meetings in the last month (paging past 300)."""
    host = world.users[world.owner_id]
    now = world.now().replace(microsecond=0)
    options = ScenarioOptions()
    for number in range(700):
        start = now - timedelta(days=1 + number % 27, minutes=number)
        meeting = EmuMeeting(
            world.new_meeting_id(), world.new_uuid(), host.id, f"Paging {number}", start_time=start
        )
        world.meetings[meeting.id] = meeting
        _instance(world, meeting, start, variant=3, options=options, awkward=False)


SCENARIOS: dict[str, tuple[ScenarioOptions, Callable[[World], None] | None]] = {
    "demo": (ScenarioOptions(), None),
    "small": (ScenarioOptions(users=4, meetings_per_user=2, phone=True), None),
    "empty": (ScenarioOptions(users=2, meetings_per_user=0, phone=False), None),
    "paging": (ScenarioOptions(users=2, meetings_per_user=0, phone=False), _paging),
    "large": (ScenarioOptions(users=2, meetings_per_user=1, large_file_bytes=512 << 20), None),
    # Backfill throughput (`make bench`): ~93 instances, ~700 files, ~2.3 GB, mostly padding
    # served from one shared buffer, so the emulator is cheap next to the archive it measures.
    "bench": (
        ScenarioOptions(users=6, meetings_per_user=16, large_file_bytes=24 << 20, phone=False),
        None,
    ),
}


def record_instance(world: World, *, host: str = "me", late_transcript: bool = True) -> EmuInstance:
    """A meeting that just ended with a cloud recording (for webhooks and live demos)."""
    user = world.find_user(host)
    if user is None or user.type != 2:
        raise ValueError(f"no licensed user {host!r} on the emulated account")
    start = world.now().replace(microsecond=0) - timedelta(minutes=10)
    meeting = EmuMeeting(
        world.new_meeting_id(),
        world.new_uuid(),
        user.id,
        world.rng.choice(TOPICS),
        start_time=start,
    )
    world.meetings[meeting.id] = meeting
    instance = _instance(world, meeting, start, variant=2, options=ScenarioOptions(), awkward=False)
    transcript = next(f for f in instance.files if f.file_type == "TRANSCRIPT")
    if late_transcript:
        world.mark_late(instance, transcript, world.now() + timedelta(minutes=5))
    return instance


def record_phone_call(world: World, *, user: str = "me") -> EmuPhoneRecording:
    """A recorded Zoom Phone call that just ended."""
    found = world.find_user(user)
    if found is None or found.phone_extension is None:
        raise ValueError(f"no Zoom Phone user {user!r} on the emulated account")
    # A single call is the first of its batch, and the first is always recorded.
    (recording,) = _phone_calls(
        world, found, world.now().replace(microsecond=0), count=1, recent=True
    )
    return recording
