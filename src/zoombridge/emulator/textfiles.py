"""Zoom's text files, generated from one seeded script per meeting so they agree.

Formats, as Zoom writes them:
- TRANSCRIPT and CC (VTT): `WEBVTT`, numbered cues, `HH:MM:SS.mmm --> HH:MM:SS.mmm`, and the
  text as `Speaker Name: words`.
- CHAT (TXT), the current layout: `HH:MM:SS From Alice Example to Everyone:` then the message
  on the next line after a tab; a private message names its recipient with
  `to Bob Example(direct message)`.
- TIMELINE (JSON): `{"timeline": [{"ts": "HH:MM:SS.mmm", "users": [...]}]}`, one entry each
  time the active speaker changes.
- Poll results (CSV) and the meeting summary (JSON).
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ChatMessage",
    "Cue",
    "TimelineEvent",
    "TimelineUser",
    "chat_txt",
    "closed_caption_vtt",
    "poll_csv",
    "script_for_meeting",
    "summary_json",
    "timeline_json",
    "transcript_vtt",
]

SENTENCES = (
    "Good morning everyone, thanks for joining.",
    "Let's start with a quick round of updates.",
    "The draft is ready for review by Friday.",
    "I have a question about the budget for next quarter.",
    "Can everyone see my screen?",
    "We moved the deadline to the end of the month.",
    "The survey results came back yesterday.",
    "Let's take that offline and follow up by email.",
    "I'll share the slides after the meeting.",
    "The new process cut the waiting time in half.",
    "Does anyone have concerns about the rollout?",
    "We still need a volunteer for the next session.",
    "The lab results look consistent with last week.",
    "Please add your comments to the shared document.",
    "Thanks, that's all from me.",
)
CHAT_LINES = (
    "Here is the link to the document.",
    "Thanks!",
    "Can you repeat the last point?",
    "+1",
    "I have to leave early today.",
)


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    speaker: str
    text: str


@dataclass(frozen=True)
class ChatMessage:
    offset: float
    sender: str
    text: str
    recipient: str | None = None  # None: everyone


@dataclass(frozen=True)
class TimelineUser:
    username: str
    user_id: str
    email_address: str


@dataclass(frozen=True)
class TimelineEvent:
    offset: float
    users: tuple[TimelineUser, ...]


def _clock(seconds: float, millis: bool = True) -> str:
    # Round once, on the whole value: rounding the fraction alone turns 1.9996 into 1.000.
    total_ms = round(seconds * 1000) if millis else int(seconds) * 1000
    whole, ms = divmod(total_ms, 1000)
    text = f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    return f"{text}.{ms:03d}" if millis else text


def transcript_vtt(cues: Sequence[Cue]) -> bytes:
    lines = ["WEBVTT", ""]
    for number, cue in enumerate(cues, 1):
        lines += [
            str(number),
            f"{_clock(cue.start)} --> {_clock(cue.end)}",
            f"{cue.speaker}: {cue.text}",
            "",
        ]
    return "\n".join(lines).encode()


def closed_caption_vtt(cues: Sequence[Cue]) -> bytes:
    """Captions split long cues into two-second pieces, as live captions arrive."""
    pieces = []
    for cue in cues:
        words = cue.text.split()
        halves = [words[: len(words) // 2], words[len(words) // 2 :]] if len(words) > 6 else [words]
        step = (cue.end - cue.start) / len(halves)
        for index, half in enumerate(halves):
            begin = cue.start + index * step
            pieces.append(Cue(begin, begin + step, cue.speaker, " ".join(half)))
    return transcript_vtt(pieces)


def chat_txt(messages: Sequence[ChatMessage]) -> bytes:
    lines = []
    for message in messages:
        target = f"{message.recipient}(direct message)" if message.recipient else "Everyone"
        lines += [
            f"{_clock(message.offset, millis=False)} From {message.sender} to {target}:",
            f"\t{message.text}",
        ]
    return ("\n".join(lines) + "\n").encode()


def timeline_json(events: Sequence[TimelineEvent]) -> bytes:
    timeline = [
        {
            "ts": _clock(event.offset),
            "users": [
                {
                    "username": user.username,
                    "multiple_people": False,
                    "user_id": user.user_id,
                    "zoom_userid": user.user_id,
                    "email_address": user.email_address,
                    "client_type": "mac",
                    "os": "mac",
                }
                for user in event.users
            ],
        }
        for event in events
    ]
    return json.dumps({"timeline": timeline}, indent=1).encode()


def poll_csv(seed: int, speakers: Sequence[str], topic: str) -> bytes:
    rng = random.Random(seed)  # noqa: S311 - reproducible content
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Poll Report"])
    writer.writerow(["Topic", topic])
    writer.writerow([])
    writer.writerow(
        [
            "#",
            "User Name",
            "Email Address",
            "Submitted Date/Time",
            "How useful was today's session?",
        ]
    )
    for number, name in enumerate(speakers, 1):
        email = name.lower().replace(" ", ".") + "@example.edu"
        writer.writerow(
            [number, name, email, "", rng.choice(("Very useful", "Somewhat useful", "Not useful"))]
        )
    return out.getvalue().encode()


def summary_json(seed: int, topic: str, cues: Sequence[Cue]) -> bytes:
    rng = random.Random(seed)  # noqa: S311
    speakers = sorted({c.speaker for c in cues})
    body = {
        "summary_title": f"Meeting summary for {topic}",
        "summary_overview": f"{len(speakers)} participants discussed {topic.lower()}.",
        "summary_details": [
            {"label": "Updates", "summary": rng.choice(SENTENCES)},
            {"label": "Decisions", "summary": rng.choice(SENTENCES)},
        ],
        "next_steps": [
            f"{rng.choice(speakers) if speakers else 'Host'} will {s.lower().rstrip('.')}"
            for s in rng.sample(SENTENCES, 2)
        ],
    }
    return json.dumps(body, indent=2).encode()


def script_for_meeting(
    seed: int, duration: float, speakers: Sequence[str]
) -> tuple[list[Cue], list[ChatMessage], list[TimelineEvent]]:
    """A conversation that fits in `duration` seconds; cues, chat and timeline agree."""
    rng = random.Random(seed)  # noqa: S311
    names = list(speakers) or ["Host"]
    users = {
        n: TimelineUser(n, str(16778240 + i), n.lower().replace(" ", ".") + "@example.edu")
        for i, n in enumerate(names)
    }
    cues: list[Cue] = []
    timeline: list[TimelineEvent] = []
    at = min(1.0, duration / 4)
    while at < duration - 0.5:
        speaker = rng.choice(names)
        end = min(duration - 0.25, at + rng.uniform(2.0, 6.0))
        if end - at < 0.5:
            break
        if not timeline or timeline[-1].users[0].username != speaker:
            timeline.append(TimelineEvent(at, (users[speaker],)))
        cues.append(Cue(round(at, 3), round(end, 3), speaker, rng.choice(SENTENCES)))
        at = end + rng.uniform(0.1, 1.0)
    chat = []
    for index in range(rng.randint(2, 5)):
        sender = rng.choice(names)
        recipient = (
            rng.choice([n for n in names if n != sender]) if index == 1 and len(names) > 1 else None
        )
        chat.append(
            ChatMessage(
                round(rng.uniform(0, duration), 1), sender, rng.choice(CHAT_LINES), recipient
            )
        )
    chat.sort(key=lambda m: m.offset)
    return cues, chat, timeline
