"""Zoom's text files read into typed records: transcripts and captions (VTT), chat (TXT),
timelines and summaries (JSON).

Every parser takes the bytes as Zoom served them and never raises: what cannot be read is
left out and counted in `Parsed.skipped`, so one odd line never costs a whole file.

VTT speakers are Zoom's `Name: words` prefix. A colon in the words must not invent a
speaker ("Note: ...", "at 10:30"), so a prefix counts as a speaker only when it looks like
a name and is also a known participant, or starts at least two cues, or is a full name
(two to five capitalised words). A cue whose prefix fails keeps it as part of its text.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = [
    "ChatMessage",
    "Cue",
    "Parsed",
    "SummarySection",
    "TimelineEntry",
    "joined_offset",
    "parse_chat",
    "parse_summary",
    "parse_timeline",
    "parse_vtt",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """What a file held, in file order, and how many parts of it could not be read."""

    items: tuple[T, ...]
    skipped: int = 0


@dataclass(frozen=True)
class Cue:
    """One transcript or caption cue; times in seconds from the file's own start."""

    start: float
    end: float
    speaker: str | None
    text: str


@dataclass(frozen=True)
class ChatMessage:
    """One chat message; `recipient` None means everyone, `private` a direct message."""

    offset: float
    sender: str
    text: str
    recipient: str | None = None
    private: bool = False


@dataclass(frozen=True)
class TimelineEntry:
    """From `offset` until the next entry, these people were speaking."""

    offset: float
    speakers: tuple[str, ...]


@dataclass(frozen=True)
class SummarySection:
    label: str
    text: str


def _decode(data: bytes) -> str:
    """Text with BOMs, line-ending variants and control characters removed."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        text = data.decode("utf-8-sig", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")


def _clock(hours: str | None, minutes: str, seconds: str, fraction: str | None = None) -> float:
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return value + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)


# ---- VTT -------------------------------------------------------------------------------

# Hours are bounded: a 5,000-digit "hour" would make int() raise instead of the cue skipped.
_HOURS = r"(?:(\d{1,6}):)?"
_TIME = _HOURS + r"(\d{1,2}):([0-5]\d)[.,](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s.*)?$")
_VOICE = re.compile(r"^\s*<v(?:\.[^\s>]*)?\s+([^>]+)>")
_TAG = re.compile(r"</?(?:c|i|b|u|v|lang|ruby|rt)(?:[.\s][^>]*)?>|<\d[\d:.]*>")
_PREFIX = re.compile(r"^([^:]{1,64}?):(?:\s+(.*))?$", re.DOTALL)
_NOT_IN_NAMES = re.compile(r"[?!;\"“”<>\[\]{}|]|https?")


@dataclass(frozen=True)
class _RawCue:
    start: float
    end: float
    lines: tuple[str, ...]


def parse_vtt(data: bytes, *, known_speakers: Collection[str] = ()) -> Parsed[Cue]:
    """Cues of a Zoom transcript or caption file (WEBVTT, with or without a BOM, CRLF or LF).

    `known_speakers` (the meeting's participants) lets a name that starts only one cue
    still count as its speaker."""
    raw: list[_RawCue] = []
    skipped = 0
    for block in _blocks(_decode(data)):
        cues, bad = _block_cues(block)
        raw += cues
        skipped += bad
    prefixes = [_speaker_prefix(cue.lines) for cue in raw]
    speakers = _accepted_speakers([p[0] for p in prefixes if p], known_speakers)
    parsed = []
    for cue, prefix in zip(raw, prefixes, strict=True):
        speaker, text = None, "\n".join(cue.lines).strip()
        if prefix and prefix[0] in speakers:
            speaker, text = prefix
        if text:
            parsed.append(Cue(cue.start, cue.end, speaker, text))
    return Parsed(tuple(parsed), skipped)


def _blocks(text: str) -> Iterator[list[str]]:
    block: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            block.append(line.rstrip())
        elif block:
            yield block
            block = []
    if block:
        yield block


def _block_cues(block: list[str]) -> tuple[list[_RawCue], int]:
    """A block's cues (Zoom separates cues by blank lines; be lenient when it does not)."""
    timings = [i for i, line in enumerate(block) if "-->" in line]
    if not timings:
        header = block[0].lstrip().split(maxsplit=1)[0] if block[0].strip() else ""
        return [], 0 if header in ("WEBVTT", "NOTE", "STYLE", "REGION") else 1
    cues, bad = [], 0
    for n, at in enumerate(timings):
        until = timings[n + 1] if n + 1 < len(timings) else len(block)
        if until < len(block) and until - 1 > at and block[until - 1].strip().isdigit():
            until -= 1  # the next cue's number
        match = _TIMING.match(block[at])
        if match is None:
            bad += 1
            continue
        start, end = _clock(*match.group(1, 2, 3, 4)), _clock(*match.group(5, 6, 7, 8))
        if end < start:
            bad += 1
            continue
        lines = tuple(_cue_text(line) for line in block[at + 1 : until])
        cues.append(_RawCue(start, end, lines))
    return cues, bad


def _cue_text(line: str) -> str:
    voice = _VOICE.match(line)
    if voice:  # WebVTT's own speaker tag becomes Zoom's prefix form
        line = f"{voice.group(1).strip()}: {line[voice.end() :]}"
    return html.unescape(_TAG.sub("", line)).strip()


def _speaker_prefix(lines: Sequence[str]) -> tuple[str, str] | None:
    """(name, rest of the text) when the cue starts with something shaped like a name."""
    if not lines:
        return None
    match = _PREFIX.match(lines[0])
    if match is None:
        return None
    name = " ".join(match.group(1).split())
    if not name or not any(c.isalpha() for c in name) or _NOT_IN_NAMES.search(name):
        return None
    if len(name.split()) > 6:
        return None
    rest = "\n".join([match.group(2) or "", *lines[1:]]).strip()
    return name, rest


def _accepted_speakers(names: list[str], known: Collection[str]) -> set[str]:
    counts = Counter(names)
    known_folded = {k.casefold() for k in known}
    return {
        name
        for name, seen in counts.items()
        if name.casefold() in known_folded or seen >= 2 or _full_name(name)
    }


def _full_name(name: str) -> bool:
    words = name.split()
    # Caseless scripts have no capitals; a lower-case first letter is what rules a word out.
    return 2 <= len(words) <= 5 and all(w[0].isalpha() and not w[0].islower() for w in words)


# ---- chat ------------------------------------------------------------------------------

_CHAT_HEADER = re.compile(r"^(\d{1,2}):([0-5]\d):([0-5]\d)\s+From\s+(.*)$")
# The sender may be missing ("From  to Everyone:"), which the empty first group shows.
_PRIVATE = re.compile(
    r"^(.*?)\s*\bto\s+(.+?)\s*\((?:direct message|privately)\)\s*$", re.IGNORECASE
)
_TO = re.compile(r"^(.*?)\s*\bto\s+(.+?)$", re.IGNORECASE)
_EVERYONE = re.compile(r"^(.*?)\s*\bto\s+everyone$", re.IGNORECASE)


@dataclass
class _Pending:
    offset: float
    head: str | None  # None: the header could not be read, so the message is skipped
    lines: list[str]


def parse_chat(data: bytes) -> Parsed[ChatMessage]:
    """Messages of a Zoom in-meeting chat file, in its current and older layouts:

        HH:MM:SS From Alice to Everyone:            the text on the next lines, tab-indented
        HH:MM:SS\\t From  Alice to Everyone:\\ttext  the text on the same line
        HH:MM:SS\\t From  Alice : text               oldest, no recipient
    A private message names its recipient: `to Bob(direct message)` or `to Bob(privately)`.
    """
    messages: list[ChatMessage] = []
    skipped = 0
    current: _Pending | None = None
    for line in _decode(data).split("\n"):
        header = _CHAT_HEADER.match(line)
        if header is None:
            if current is not None:
                current.lines.append(line[1:] if line.startswith("\t") else line)
            elif line.strip():
                skipped += 1
            continue
        skipped += _finish(current, messages)
        current = _start_message(header)
    skipped += _finish(current, messages)
    return Parsed(tuple(messages), skipped)


def _start_message(header: re.Match[str]) -> _Pending:
    offset = _clock(*header.group(1, 2, 3))
    rest = header.group(4)
    for separator in (":\t", " : "):
        if separator in rest:
            head, text = rest.split(separator, 1)
            return _Pending(offset, head, [text])
    if rest.rstrip().endswith(":"):
        return _Pending(offset, rest.rstrip()[:-1], [])
    if ": " in rest:
        head, text = rest.split(": ", 1)
        return _Pending(offset, head, [text])
    return _Pending(offset, None, [])


def _finish(pending: _Pending | None, messages: list[ChatMessage]) -> int:
    """Append the pending message; 1 when it had to be skipped."""
    if pending is None:
        return 0
    if pending.head is None:
        return 1
    text = "\n".join(pending.lines).strip()
    message = _message(pending.offset, " ".join(pending.head.split()), text)
    if message is None:
        return 1
    if text:
        messages.append(message)
    return 0


def _message(offset: float, head: str, text: str) -> ChatMessage | None:
    everyone = _EVERYONE.match(head)
    if everyone:
        sender, recipient, private = everyone.group(1), None, False
    elif private_match := _PRIVATE.match(head):
        sender, recipient, private = private_match.group(1), private_match.group(2), True
    elif to := _TO.match(head):
        sender, recipient, private = to.group(1), to.group(2), False  # e.g. all panelists
    else:
        sender, recipient, private = head, None, False
    if not sender.strip():
        return None
    return ChatMessage(offset, sender.strip(), text, recipient, private)


# ---- timeline and summary ----------------------------------------------------------------

_TS = re.compile(r"^\s*" + _HOURS + r"(\d{1,2}):([0-5]\d)(?:[.,](\d{1,3}))?\s*$")


def parse_timeline(data: bytes) -> Parsed[TimelineEntry]:
    """Zoom's timeline: `{"timeline": [{"ts": "HH:MM:SS.mmm", "users": [...]}]}`, one entry
    each time the set of active speakers changes; sorted by time."""
    document = _json(data)
    entries = document.get("timeline") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        return Parsed((), 1)
    parsed, skipped = [], 0
    for entry in entries:
        item = _timeline_entry(entry)
        if item is None:
            skipped += 1
        else:
            parsed.append(item)
    parsed.sort(key=lambda e: e.offset)
    return Parsed(tuple(parsed), skipped)


def _timeline_entry(entry: object) -> TimelineEntry | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("ts"), str):
        return None
    stamp = _TS.match(entry["ts"])
    users = entry.get("users", [])
    if stamp is None or not isinstance(users, list):
        return None
    names = []
    for user in users:
        if isinstance(user, dict):
            name = user.get("username") or user.get("email_address")
            if isinstance(name, str) and name.strip() and name.strip() not in names:
                names.append(name.strip())
    return TimelineEntry(_clock(*stamp.group(1, 2, 3, 4)), tuple(names))


_SUMMARY_KEYS = ("summary_title", "summary_overview", "summary_content")
_SUMMARY_LABELS = {
    "summary_title": "Title",
    "summary_overview": "Overview",
    "summary_content": "Summary",
}


def parse_summary(data: bytes) -> Parsed[SummarySection]:
    """A meeting summary's title, overview, labelled details and next steps. Where the host
    edited the summary (`edited_summary`), the edited text replaces Zoom's."""
    document = _json(data)
    if not isinstance(document, dict):
        return Parsed((), 1)
    edited = document.get("edited_summary")
    merged = {**document, **(edited if isinstance(edited, dict) else {})}
    sections: list[SummarySection] = []
    skipped = 0
    for key in _SUMMARY_KEYS:
        value = merged.get(key)
        if isinstance(value, str) and value.strip():
            sections.append(SummarySection(_SUMMARY_LABELS[key], _clean(value)))
        elif value is not None and not isinstance(value, str):
            skipped += 1
    details, bad = _details(merged.get("summary_details"))
    steps, bad_steps = _next_steps(merged.get("next_steps"))
    return Parsed(tuple(sections + details + steps), skipped + bad + bad_steps)


def _details(value: object) -> tuple[list[SummarySection], int]:
    if value is None:
        return [], 0
    if not isinstance(value, list):
        return [], 1
    sections, skipped = [], 0
    for item in value:
        text = item.get("summary") if isinstance(item, dict) else None
        if not isinstance(text, str):
            skipped += 1
            continue
        label = item.get("label") if isinstance(item.get("label"), str) else "Details"
        if text.strip():
            sections.append(SummarySection(_clean(label) or "Details", _clean(text)))
    return sections, skipped


def _next_steps(value: object) -> tuple[list[SummarySection], int]:
    if value is None:
        return [], 0
    if not isinstance(value, list):
        return [], 1
    steps = [_clean(v) for v in value if isinstance(v, str) and v.strip()]
    skipped = sum(1 for v in value if not isinstance(v, str))
    return ([SummarySection("Next steps", "\n".join(steps))] if steps else []), skipped


def _clean(text: str) -> str:
    return _CONTROL.sub("", text).strip()


def _json(data: bytes) -> Any:
    try:
        return json.loads(_decode(data))
    except (ValueError, RecursionError):  # malformed, or nested deeper than Python recurses
        return None


# ---- the joined timeline -----------------------------------------------------------------


def joined_offset(segments: Sequence[tuple[float, float]], seconds: float) -> float:
    """Where `seconds` after the instance's first recording_start (wall clock, gaps
    included) plays in the joined recording, whose segments `(start_offset, duration)`
    play back to back in order. A time in a gap maps to the start of the next segment; a
    time past the end, to the end."""
    played = 0.0
    for start, duration in segments:
        if seconds < start:
            return played
        if seconds <= start + duration:
            return played + (seconds - start)
        played += duration
    return played
