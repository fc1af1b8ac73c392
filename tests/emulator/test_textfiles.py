"""Zoom's text files as the emulator writes them, parsed back the way a reader would."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import pytest

from zoombridge.emulator.textfiles import (
    CHAT_LINES,
    SENTENCES,
    ChatMessage,
    Cue,
    TimelineEvent,
    TimelineUser,
    chat_txt,
    closed_caption_vtt,
    poll_csv,
    script_for_meeting,
    summary_json,
    timeline_json,
    transcript_vtt,
)

SPEAKERS = ["Alice Example", "Bob Example", "Zoë Ångström"]
CLOCK = r"(\d{2}):([0-5]\d):([0-5]\d)\.(\d{3})"
TIMING = re.compile(rf"^{CLOCK} --> {CLOCK}$")
CHAT_HEADER = re.compile(r"^(\d{2}):([0-5]\d):([0-5]\d) From (.+?) to (.+?)(\(direct message\))?:$")
TS = re.compile(rf"^{CLOCK}$")
POLL_HEADER = [
    "#",
    "User Name",
    "Email Address",
    "Submitted Date/Time",
    "How useful was today's session?",
]
TIMELINE_USER_KEYS = {
    "username",
    "multiple_people",
    "user_id",
    "zoom_userid",
    "email_address",
    "client_type",
    "os",
}


@dataclass(frozen=True)
class ParsedCue:
    number: int
    start: str
    end: str
    speaker: str
    text: str


def seconds(clock: str) -> float:
    hours, minutes, rest = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def clock(value: float) -> str:
    """The expected `HH:MM:SS.mmm` for a time, rounded to the nearest millisecond."""
    millis = round(value * 1000)
    return (
        f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:"
        f"{millis // 1000 % 60:02d}.{millis % 1000:03d}"
    )


def parse_vtt(data: bytes) -> list[ParsedCue]:
    """Strict WebVTT as Zoom writes it: header, blank line, then number/timing/text blocks."""
    text = data.decode("utf-8")
    assert "\r" not in text
    assert text.endswith("\n")
    header, *blocks = text[:-1].split("\n\n")
    assert header == "WEBVTT"
    cues = []
    for block in blocks:
        lines = block.split("\n")
        assert len(lines) == 3, lines
        number, timing, line = lines
        match = TIMING.match(timing)
        assert match, timing
        start, end = timing.split(" --> ")
        speaker, sep, words = line.partition(": ")
        assert sep, f"no 'Speaker: ' prefix in {line!r}"
        cues.append(ParsedCue(int(number), start, end, speaker, words))
    assert [c.number for c in cues] == list(range(1, len(cues) + 1)), "cues numbered from 1"
    return cues


def parse_chat(data: bytes) -> list[tuple[str, str, str, bool, str]]:
    """(time, sender, recipient, direct, text) per message: a header line, then a tab line."""
    text = data.decode("utf-8")
    assert text.endswith("\n")
    lines = text[:-1].split("\n")
    assert len(lines) % 2 == 0, lines
    messages = []
    for header, body in zip(lines[::2], lines[1::2], strict=True):
        match = CHAT_HEADER.match(header)
        assert match, header
        assert body.startswith("\t"), body
        hours, minutes, secs, sender, recipient, direct = match.groups()
        messages.append(
            (f"{hours}:{minutes}:{secs}", sender, recipient, direct is not None, body[1:])
        )
    return messages


def script(seed: int = 7, duration: float = 300.0, speakers: list[str] | None = None) -> Any:
    return script_for_meeting(seed, duration, SPEAKERS if speakers is None else speakers)


# transcript -----------------------------------------------------------------------------------
def test_transcript_vtt_exact_layout() -> None:
    cues = [Cue(0, 1.5, "Ann Lee", "Hi."), Cue(3661.25, 3662.0, "Zoë Ångström", "Bye: for now.")]
    assert (
        transcript_vtt(cues)
        == (
            "WEBVTT\n\n"
            "1\n00:00:00.000 --> 00:00:01.500\nAnn Lee: Hi.\n\n"
            "2\n01:01:01.250 --> 01:01:02.000\nZoë Ångström: Bye: for now.\n"
        ).encode()
    )


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_transcript_vtt_parses_back_to_the_script(seed: int) -> None:
    cues, _, _ = script(seed)
    parsed = parse_vtt(transcript_vtt(cues))
    assert len(parsed) == len(cues) > 10
    for cue, back in zip(cues, parsed, strict=True):
        assert (back.speaker, back.text) == (cue.speaker, cue.text)
        assert abs(seconds(back.start) - cue.start) < 0.0005
        assert abs(seconds(back.end) - cue.end) < 0.0005
        assert back.speaker in SPEAKERS
        assert back.text in SENTENCES
    for earlier, later in pairwise(parsed):
        assert seconds(earlier.start) < seconds(earlier.end) <= seconds(later.start)


def test_transcript_of_no_cues_is_just_the_header() -> None:
    assert parse_vtt(transcript_vtt([])) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.9996, "00:00:02.000"), (59.9999, "00:01:00.000"), (3599.9996, "01:00:00.000")],
)
def test_times_just_below_a_whole_second_round_up(value: float, expected: str) -> None:
    (back,) = parse_vtt(transcript_vtt([Cue(value, value + 1, "Ann", "Hi.")]))
    assert back.start == expected


# closed captions ------------------------------------------------------------------------------
def test_closed_captions_split_long_cues_into_two_halves() -> None:
    cues = [
        Cue(1.0, 5.0, "Ann", "one two three four five six seven eight"),
        Cue(6.0, 7.0, "Bob", "short and sweet"),
        Cue(8.0, 11.0, "Ann", "exactly six words in this cue"),
        Cue(12.0, 15.0, "Bob", "seven words make this cue get split"),
    ]
    parsed = parse_vtt(closed_caption_vtt(cues))
    assert [(c.start, c.end, c.speaker, c.text) for c in parsed] == [
        ("00:00:01.000", "00:00:03.000", "Ann", "one two three four"),
        ("00:00:03.000", "00:00:05.000", "Ann", "five six seven eight"),
        ("00:00:06.000", "00:00:07.000", "Bob", "short and sweet"),
        ("00:00:08.000", "00:00:11.000", "Ann", "exactly six words in this cue"),
        ("00:00:12.000", "00:00:13.500", "Bob", "seven words make"),
        ("00:00:13.500", "00:00:15.000", "Bob", "this cue get split"),
    ]


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_closed_captions_cover_the_transcript_word_for_word(seed: int) -> None:
    cues, _, _ = script(seed)
    pieces = parse_vtt(closed_caption_vtt(cues))
    assert len(pieces) == sum(2 if len(c.text.split()) > 6 else 1 for c in cues)
    remaining = iter(pieces)
    for cue in cues:
        parts = [next(remaining)] + ([next(remaining)] if len(cue.text.split()) > 6 else [])
        assert " ".join(p.text for p in parts) == cue.text
        assert {p.speaker for p in parts} == {cue.speaker}
        assert abs(seconds(parts[0].start) - cue.start) < 0.0005
        assert abs(seconds(parts[-1].end) - cue.end) < 0.0005
        if len(parts) == 2:
            assert parts[0].end == parts[1].start
            assert parts[0].start < parts[0].end < parts[1].end


# chat -----------------------------------------------------------------------------------------
def test_chat_txt_exact_layout() -> None:
    messages = [
        ChatMessage(5.9, "Alice Example", "Hello: all"),
        ChatMessage(3725.0, "Bob Example", "Thanks!", recipient="Alice Example"),
    ]
    assert chat_txt(messages) == (
        b"00:00:05 From Alice Example to Everyone:\n"
        b"\tHello: all\n"
        b"01:02:05 From Bob Example to Alice Example(direct message):\n"
        b"\tThanks!\n"
    )


@pytest.mark.parametrize("seed", [1, 7, 42, 99])
def test_chat_txt_parses_back_to_the_script(seed: int) -> None:
    _, chat, _ = script(seed)
    parsed = parse_chat(chat_txt(chat))
    assert len(parsed) == len(chat)
    for message, (time, sender, recipient, direct, text) in zip(chat, parsed, strict=True):
        whole = int(message.offset)
        assert time == f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
        assert (sender, text) == (message.sender, message.text)
        assert direct == (message.recipient is not None)
        assert recipient == (message.recipient or "Everyone")
        assert sender in SPEAKERS
        assert text in CHAT_LINES
    assert [t for t, *_ in parsed] == sorted(t for t, *_ in parsed)


# timeline -------------------------------------------------------------------------------------
def test_timeline_json_exact_entry() -> None:
    user = TimelineUser("Ann Lee", "16778240", "ann.lee@example.edu")
    body = json.loads(timeline_json([TimelineEvent(61.5, (user,))]))
    assert body == {
        "timeline": [
            {
                "ts": "00:01:01.500",
                "users": [
                    {
                        "username": "Ann Lee",
                        "multiple_people": False,
                        "user_id": "16778240",
                        "zoom_userid": "16778240",
                        "email_address": "ann.lee@example.edu",
                        "client_type": "mac",
                        "os": "mac",
                    }
                ],
            }
        ]
    }


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_timeline_json_follows_the_active_speaker(seed: int) -> None:
    cues, _, events = script(seed)
    body = json.loads(timeline_json(events))
    assert set(body) == {"timeline"}
    timeline = body["timeline"]
    assert len(timeline) == len(events) >= 2
    ids: dict[str, tuple[str, str]] = {}
    for entry in timeline:
        assert set(entry) == {"ts", "users"}
        assert TS.match(entry["ts"]), entry["ts"]
        (user,) = entry["users"]
        assert set(user) == TIMELINE_USER_KEYS
        assert user["username"] in SPEAKERS
        assert user["user_id"] == user["zoom_userid"]
        assert user["email_address"].endswith("@example.edu")
        assert ids.setdefault(user["username"], (user["user_id"], user["email_address"])) == (
            user["user_id"],
            user["email_address"],
        ), "one user_id and email per person"
    assert len({uid for uid, _ in ids.values()}) == len(ids)
    names = [entry["users"][0]["username"] for entry in timeline]
    assert all(a != b for a, b in pairwise(names)), "only speaker changes"
    stamps = [seconds(entry["ts"]) for entry in timeline]
    assert stamps == sorted(stamps)
    # each entry is the start of a cue by that speaker, and every speaker change has an entry
    transcript = {(c.start, c.speaker) for c in parse_vtt(transcript_vtt(cues))}
    assert all((e["ts"], e["users"][0]["username"]) in transcript for e in timeline)
    changes = [c for i, c in enumerate(cues) if i == 0 or cues[i - 1].speaker != c.speaker]
    assert len(changes) == len(timeline)
    assert timeline[0]["ts"] == clock(cues[0].start)


def test_timeline_agrees_with_the_transcript_when_a_change_falls_just_before_a_second() -> None:
    cues, _, events = script_for_meeting(10, 600, ["A B", "C D", "E F"])
    assert any(round(e.offset * 1000) % 1000 == 0 and e.offset % 1 > 0.5 for e in events)
    starts = {c.start for c in parse_vtt(transcript_vtt(cues))}
    for entry in json.loads(timeline_json(events))["timeline"]:
        assert entry["ts"] in starts


# poll and summary -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("topic", "speakers"),
    [
        ("Weekly sync", SPEAKERS),
        ('Budget, "Q3" review', ["Doe, Jane", 'Sam "The Man" Smith']),
        ("Nobody came", []),
    ],
)
def test_poll_csv_parses_with_the_csv_module(topic: str, speakers: list[str]) -> None:
    rows = list(csv.reader(io.StringIO(poll_csv(3, speakers, topic).decode("utf-8"))))
    assert rows[:4] == [["Poll Report"], ["Topic", topic], [], POLL_HEADER]
    answers = rows[4:]
    assert len(answers) == len(speakers)
    for number, (row, name) in enumerate(zip(answers, speakers, strict=True), 1):
        assert len(row) == len(POLL_HEADER)
        assert row[:4] == [str(number), name, name.lower().replace(" ", ".") + "@example.edu", ""]
        assert row[4] in {"Very useful", "Somewhat useful", "Not useful"}


def test_poll_csv_depends_on_the_seed_only() -> None:
    many = [f"Person {n}" for n in range(12)]
    assert poll_csv(5, many, "T") == poll_csv(5, many, "T")
    assert len({poll_csv(seed, many, "T") for seed in range(6)}) > 1


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_summary_json_structure(seed: int) -> None:
    cues, _, _ = script(seed)
    body = json.loads(summary_json(seed, "Quarterly Planning", cues))
    assert set(body) == {"summary_title", "summary_overview", "summary_details", "next_steps"}
    assert body["summary_title"] == "Meeting summary for Quarterly Planning"
    speakers = {c.speaker for c in cues}
    assert body["summary_overview"] == f"{len(speakers)} participants discussed quarterly planning."
    assert [d["label"] for d in body["summary_details"]] == ["Updates", "Decisions"]
    assert all(d["summary"] in SENTENCES for d in body["summary_details"])
    assert len(body["next_steps"]) == 2
    for step in body["next_steps"]:
        owner = next((s for s in speakers if step.startswith(s + " will ")), None)
        assert owner, step
        assert not step.endswith(".")


def test_summary_json_without_cues_names_the_host() -> None:
    body = json.loads(summary_json(1, "Empty", []))
    assert body["summary_overview"] == "0 participants discussed empty."
    assert all(step.startswith("Host will ") for step in body["next_steps"])


def test_summary_json_depends_on_the_seed_only() -> None:
    cues, _, _ = script(7)
    assert summary_json(4, "T", cues) == summary_json(4, "T", cues)
    assert len({summary_json(seed, "T", cues) for seed in range(6)}) > 1


# the script -----------------------------------------------------------------------------------
def test_script_is_deterministic_per_seed() -> None:
    first, second, other = script(11), script(11), script(12)
    assert first == second
    assert first != other
    for make in (
        lambda s: transcript_vtt(s[0]),
        lambda s: closed_caption_vtt(s[0]),
        lambda s: chat_txt(s[1]),
        lambda s: timeline_json(s[2]),
    ):
        assert make(first) == make(second)
        assert make(first) != make(other)


@pytest.mark.parametrize("duration", [0.5, 1.0, 3.0, 30.0, 600.0, 3600.0])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_script_fits_the_meeting(duration: float, seed: int) -> None:
    cues, chat, events = script_for_meeting(seed, duration, SPEAKERS)
    for cue in cues:
        assert cue.start >= 0
        assert cue.end - cue.start >= 0.5 - 0.001
        assert cue.end <= duration - 0.25 + 0.001
        assert cue.speaker in SPEAKERS
        assert cue.text in SENTENCES
    for earlier, later in pairwise(cues):
        assert earlier.end < later.start, "cues do not overlap"
    if duration >= 30:
        assert len(cues) >= duration / 8, "a conversation fills the meeting"
        assert cues[-1].end > duration - 8
    assert 2 <= len(chat) <= 5
    assert [m.offset for m in chat] == sorted(m.offset for m in chat)
    for message in chat:
        assert 0 <= message.offset <= duration
        assert message.sender in SPEAKERS
        assert message.recipient in (None, *SPEAKERS)
        assert message.recipient != message.sender
    assert sum(m.recipient is not None for m in chat) == 1, "one direct message"
    assert len(events) == sum(
        1 for i, c in enumerate(cues) if i == 0 or cues[i - 1].speaker != c.speaker
    )
    for event in events:
        assert 0 <= event.offset < duration
        assert len(event.users) == 1
        assert event.users[0].username in SPEAKERS


def test_script_with_one_speaker_has_no_direct_messages_and_one_timeline_entry() -> None:
    cues, chat, events = script_for_meeting(3, 120, ["Solo Person"])
    assert {c.speaker for c in cues} == {"Solo Person"}
    assert all(m.recipient is None and m.sender == "Solo Person" for m in chat)
    assert len(events) == 1


def test_script_without_speakers_uses_the_host() -> None:
    cues, chat, events = script_for_meeting(3, 120, [])
    assert cues
    assert {c.speaker for c in cues} == {"Host"}
    assert {m.sender for m in chat} == {"Host"}
    assert [e.users[0].username for e in events] == ["Host"]
