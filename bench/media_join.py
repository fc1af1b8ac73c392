"""Join speed (issue #4): `join_segments` against a plain PyAV remux of the same segments.

Three segments of a generated 720p, 25 fps H.264/AAC recording (the emulator's generator, cached
on disk after the first run), joined by zoombridge and by the baseline in the same run, turn
about, best of `repeats` each. The baseline demuxes every packet and muxes it with its
timestamps moved so the segments follow each other: no checks, no copy-or-re-encode decision,
no atomic rename. Speed is input megabytes per second. Target: >= 0.9x the baseline, by
stream copy. The join's checks cost a fixed few milliseconds per segment (decoding a sample
of keyframes) on top of a per-packet cost: segments of 90 s, short for a Zoom recording,
keep that fixed part from dominating as it would not in use.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import av

from bench.archive_common import scratch
from zoombridge.archive.media_join import join_segments
from zoombridge.emulator.media import MediaSpec, render_media

SEGMENTS = 3
T = TypeVar("T")


def plain_remux(inputs: list[Path], output: Path) -> None:
    """Concatenate by demux and mux alone; each stream continues where it left off."""
    with av.open(str(output), "w", format="mp4") as out:
        streams: list[Any] = []
        offsets: list[int] = []
        last: list[int | None] = []
        for path in inputs:
            with av.open(str(path)) as source:
                if not streams:
                    streams = [out.add_stream_from_template(s) for s in source.streams]
                    offsets, last = [0] * len(streams), [None] * len(streams)
                ends = list(offsets)
                for packet in source.demux():
                    if packet.dts is None:
                        continue
                    i = packet.stream.index
                    dts = packet.dts + offsets[i]
                    previous = last[i]
                    if previous is not None and dts <= previous:
                        continue  # the next part's AAC priming packet overlaps: a muxer error
                    packet.dts, packet.pts = dts, packet.pts + offsets[i]
                    ends[i] = max(ends[i], packet.pts + packet.duration)
                    last[i] = dts
                    packet.stream = streams[i]
                    out.mux(packet)
                offsets = ends


def _timed(action: Callable[[Path], T], output: Path, runs: list[float]) -> T:
    output.unlink(missing_ok=True)  # neither side pays for freeing the previous output
    began = time.perf_counter()
    result = action(output)
    runs.append(time.perf_counter() - began)
    return result


def run(
    seconds_per_segment: float = 90.0,
    size: tuple[int, int] = (1280, 720),
    fps: int = 25,
    repeats: int = 7,
) -> list[dict[str, Any]]:
    width, height = size
    with scratch("media") as directory:
        inputs = []
        for seed in range(SEGMENTS):
            spec = MediaSpec("video", seconds_per_segment, seed, width, height, fps, 48000)
            inputs.append(directory / f"part{seed}.mp4")
            inputs[-1].write_bytes(render_media(spec))
        megabytes = sum(path.stat().st_size for path in inputs) / 1e6
        joined, remuxed = directory / "joined.mp4", directory / "remuxed.mp4"
        join_runs: list[float] = []
        remux_runs: list[float] = []
        for _ in range(repeats):
            _timed(lambda path: plain_remux(inputs, path), remuxed, remux_runs)
            result = _timed(lambda path: join_segments(inputs, path), joined, join_runs)
        with av.open(str(remuxed)) as baseline_output:
            baseline_s = baseline_output.duration / 1_000_000
    expected_s = SEGMENTS * seconds_per_segment
    join_s, remux_s = min(join_runs), min(remux_runs)
    return [
        {
            "name": f"segment join, {SEGMENTS} x {seconds_per_segment:g} s {width}x{height}",
            "value": megabytes / join_s,
            "unit": "MB/s",
            "target": 0.9 * megabytes / remux_s,
            "baseline": megabytes / remux_s,
            "baseline_kind": "plain PyAV remux",
            "extra": (
                f"{result.method}; {megabytes:.0f} MB in {join_s:.3f} s vs {remux_s:.3f} s;"
                f" {result.duration_s:.2f} s joined, {baseline_s:.2f} s remuxed"
            ),
            "ok_extra": result.method == "copy" and abs(result.duration_s - expected_s) < 0.05,
        }
    ]
