"""File-level helpers for media: the MP4 box structure, and outputs that appear whole or not at all.

An MP4/M4A file is a chain of top-level boxes (size, type, payload). Walking their headers costs
a few reads however large the file is, and tells a cut-off download apart from a damaged one
with a precise byte position; the decoders only say "invalid data". A trailing top-level `free`
box (Zoom pads files with one, full of zeros) is an ordinary box and passes.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_output", "is_mp4_family", "mp4_structure_problem"]

_MAX_BOXES = 1_000_000  # fragmented files have many; past this, trust the demuxer


def is_mp4_family(path: Path) -> bool:
    """True when the file starts with an `ftyp` box (MP4, M4A, MOV, 3GP)."""
    with path.open("rb") as handle:
        return handle.read(8)[4:8] == b"ftyp"


def mp4_structure_problem(path: Path) -> str | None:
    """What is wrong with the top-level boxes of an MP4-family file, or None when they tile it.

    Callers check `is_mp4_family` first: other formats have no boxes to walk.
    """
    size = path.stat().st_size
    kinds: set[bytes] = set()
    with path.open("rb") as handle:
        position = 0
        for _ in range(_MAX_BOXES):
            if position >= size:
                break
            problem, box_size, kind = _box_at(handle, position, size)
            if problem is not None:
                return problem
            kinds.add(kind)
            position += box_size
    if b"moov" not in kinds:
        return "truncated: the file has no 'moov' box (the index a player needs)"
    return None


def _box_at(handle: BinaryIO, position: int, size: int) -> tuple[str | None, int, bytes]:
    """(problem, box size, box type) of the box starting at `position`."""
    left = size - position
    if left < 8:
        return (
            f"truncated: {left} stray bytes after the last whole box (at byte {position})",
            0,
            b"",
        )
    handle.seek(position)
    header = handle.read(16)
    box_size, kind = int.from_bytes(header[:4], "big"), header[4:8]
    name = kind.decode("latin-1")
    if box_size == 1:  # a 64-bit size follows the type
        if left < 16:
            return f"truncated: the file ends inside the '{name}' box header", 0, kind
        box_size = int.from_bytes(header[8:16], "big")
    elif box_size == 0:  # "runs to the end of the file"
        box_size = left
    if box_size < 8:
        return (
            f"damaged: the box at byte {position} declares an impossible size {box_size}",
            0,
            kind,
        )
    if box_size > left:
        return (
            f"truncated: the file ends at byte {size:,}, inside the '{name}' box that starts at"
            f" byte {position:,} and needs {box_size:,} bytes",
            0,
            kind,
        )
    return None, box_size, kind


@contextmanager
def atomic_output(output: Path) -> Iterator[Path]:
    """A temporary path next to `output`, renamed onto it when the block succeeds.

    When the block raises, the temporary file is removed and `output` is untouched, so readers
    never see a half-written file.
    """
    temporary = output.with_name(f".{output.name}.{secrets.token_hex(4)}.part")
    try:
        yield temporary
        os.replace(temporary, output)
    finally:
        temporary.unlink(missing_ok=True)
