"""What each emulated file contains: real media and text, produced only when first needed.

Scenario code asks for a *maker* (a zero-argument callable); the world calls it the first time
someone lists the file's size or downloads it, so building a world costs nothing until used.
The text files of one instance come from one seeded script so transcript, captions, chat and
timeline agree with each other.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Any

from zoombridge.emulator import media, textfiles
from zoombridge.emulator.world import EmuInstance, World

__all__ = ["Script", "audio", "participants", "phone_audio", "script", "video"]

Maker = Callable[[], object]


def video(seconds: float, seed: int, pad_to: int | None = None) -> Maker:
    spec = media.MediaSpec(kind="video", duration=seconds, seed=seed, pad_to=pad_to)
    return lambda: media.media_body(spec)


def audio(seconds: float, seed: int) -> Maker:
    spec = media.MediaSpec(kind="audio", duration=seconds, seed=seed)
    return lambda: media.media_body(spec)


def phone_audio(seconds: float, seed: int) -> Maker:
    spec = media.MediaSpec(kind="mp3", duration=seconds, seed=seed)
    return lambda: media.media_body(spec)


def participants(
    world: World, host_id: str, instance: EmuInstance, count: int
) -> list[dict[str, Any]]:
    """Who attended: the host plus others from the account, with join and leave times."""
    others = [u for u in world.users.values() if u.id != host_id and u.status == "active"]
    people = [world.users[host_id], *world.rng.sample(others, min(count - 1, len(others)))]
    result = []
    for person in people:
        join = instance.start_time + timedelta(seconds=world.rng.randint(0, 90))
        leave = instance.end_time - timedelta(seconds=world.rng.randint(0, 60))
        result.append(
            {
                "id": person.id,
                "user_id": str(world.rng.randrange(16_000_000, 17_000_000)),
                "name": person.display_name,
                "user_email": person.email,
                "join_time": join,
                "leave_time": leave,
                "duration": int((leave - join).total_seconds()),
            }
        )
    return result


@dataclass(frozen=True)
class Script:
    """One instance's conversation, rendered as each of Zoom's text files."""

    seed: int
    seconds: float
    speakers: tuple[str, ...]
    topic: str

    @cached_property
    def _parts(
        self,
    ) -> tuple[list[textfiles.Cue], list[textfiles.ChatMessage], list[textfiles.TimelineEvent]]:
        """The conversation, made once for all the files that show it."""
        return textfiles.script_for_meeting(self.seed, self.seconds, self.speakers)

    def transcript(self) -> bytes:
        return textfiles.transcript_vtt(self._parts[0])

    def captions(self) -> bytes:
        return textfiles.closed_caption_vtt(self._parts[0])

    def chat(self) -> bytes:
        return textfiles.chat_txt(self._parts[1])

    def timeline(self) -> bytes:
        return textfiles.timeline_json(self._parts[2])

    def poll(self) -> bytes:
        return textfiles.poll_csv(self.seed, self.speakers, self.topic)

    def summary(self) -> bytes:
        return textfiles.summary_json(self.seed, self.topic, self._parts[0])


def script(world: World, instance: EmuInstance, seconds: float) -> Script:
    names = tuple(p["name"] for p in instance.participants) or ("Host",)
    seed = random.Random(world.rng.random()).randrange(1 << 30)  # noqa: S311
    return Script(seed, max(1.0, seconds), names, instance.topic)
