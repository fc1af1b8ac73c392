"""Talk time per speaker, from Zoom's timeline when there is one, else from the transcript.

The timeline says who was speaking from each timestamp to the next, so it is the better
source; transcript cues only cover what was transcribed, and may overlap (both are merged
per speaker so overlapping cues never count twice).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from zoombridge.archive.transcripts import Cue, TimelineEntry

__all__ = ["SpeakerTime", "speaker_stats"]


@dataclass(frozen=True)
class SpeakerTime:
    """`share` is this speaker's part of all talk time (the shares add up to 1); `turns`
    counts the times the speaker started talking after someone else (or silence)."""

    speaker: str
    seconds: float
    share: float
    turns: int


def speaker_stats(
    *,
    timeline: Sequence[TimelineEntry] = (),
    cues: Sequence[Cue] = (),
    duration: float | None = None,
) -> list[SpeakerTime]:
    """Speakers by talk time, most first. `duration` (the recording's length) closes the
    timeline's last entry; without it the last entry counts a turn but no time."""
    if timeline:
        seconds, turns = _from_timeline(timeline, duration)
    else:
        seconds, turns = _from_cues(cues)
    total = sum(seconds.values())
    stats = [
        SpeakerTime(
            name, round(seconds[name], 3), seconds[name] / total if total else 0.0, turns[name]
        )
        for name in seconds
    ]
    return sorted(stats, key=lambda s: (-s.seconds, s.speaker))


def _from_timeline(
    timeline: Sequence[TimelineEntry], duration: float | None
) -> tuple[dict[str, float], dict[str, int]]:
    entries = sorted(timeline, key=lambda e: e.offset)
    seconds: dict[str, float] = defaultdict(float)
    turns: dict[str, int] = defaultdict(int)
    previous: tuple[str, ...] = ()
    for index, entry in enumerate(entries):
        if index + 1 < len(entries):
            until = entries[index + 1].offset
        else:
            until = max(entry.offset, duration if duration is not None else entry.offset)
        for name in entry.speakers:
            seconds[name] += until - entry.offset
            turns[name] += name not in previous
        previous = entry.speakers
    return seconds, turns


def _from_cues(cues: Sequence[Cue]) -> tuple[dict[str, float], dict[str, int]]:
    labelled = sorted((c for c in cues if c.speaker), key=lambda c: (c.start, c.end))
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    turns: dict[str, int] = defaultdict(int)
    previous: str | None = None
    for cue in labelled:
        name = cue.speaker or ""
        spans[name].append((cue.start, cue.end))
        turns[name] += name != previous
        previous = name
    return {name: _merged_length(s) for name, s in spans.items()}, turns


def _merged_length(spans: list[tuple[float, float]]) -> float:
    """Total length of sorted intervals, overlaps counted once."""
    total, reach = 0.0, float("-inf")
    for start, end in spans:
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total
