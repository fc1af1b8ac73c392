"""What the media worker's probes, joins and poster frames return.

They live apart from the code that makes them, which imports PyAV: the archive's process
unpickles these results and stores them, and never needs PyAV itself (about 24 MB).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = ["PROBE_VERSION", "JoinResult", "MediaProbe", "StreamInfo", "Thumbnail"]

PROBE_VERSION = 1


@dataclass(frozen=True)
class StreamInfo:
    """One stream: geometry and rate for video, sample rate and channels for audio."""

    kind: str  # "video", "audio", "subtitle", "data"...
    codec: str
    profile: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    sample_rate: int | None = None
    channels: int | None = None


@dataclass(frozen=True)
class MediaProbe:
    """What a probe found. `problem` is None exactly when nothing is wrong."""

    size_bytes: int
    container: str | None  # FFmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    duration_s: float | None  # as demuxed: how long the packets really last
    streams: tuple[StreamInfo, ...]
    decodes: bool
    problem: str | None
    version: int = PROBE_VERSION

    @property
    def ok(self) -> bool:
        return self.problem is None

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"streams": [asdict(s) for s in self.streams]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MediaProbe:
        """The probe `to_json` gave; ValueError naming the field when `data` is not one."""
        try:
            streams = tuple(StreamInfo(**dict(item)) for item in data["streams"])
            probe = cls(**{**data, "streams": streams, "version": data["version"]})
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a stored media probe: {exc}") from exc
        _check_types(probe)
        return probe


def _check_types(probe: MediaProbe) -> None:
    expected: dict[str, tuple[type, ...]] = {
        "size_bytes": (int,),
        "container": (str, type(None)),
        "duration_s": (int, float, type(None)),
        "decodes": (bool,),
        "problem": (str, type(None)),
        "version": (int,),
    }
    for name, types in expected.items():
        if not isinstance(getattr(probe, name), types):
            raise ValueError(f"not a stored media probe: {name} is {getattr(probe, name)!r}")


@dataclass(frozen=True)
class JoinResult:
    """The joined asset: how it was made, how long it lasts, where each segment starts in it."""

    output: Path
    method: Literal["copy", "reencode"]
    duration_s: float  # read back from the written file
    offsets_s: tuple[float, ...]  # where segment k starts on the joined timeline
    segment_durations_s: tuple[float, ...]
    reencode_reasons: tuple[str, ...] = ()  # why a stream copy was not possible

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["output"] = str(self.output)
        return data


@dataclass(frozen=True)
class Thumbnail:
    path: Path
    width: int
    height: int
    at_s: float  # where in the video the frame is
    detail: float  # standard deviation of luma, 0 for a flat frame
