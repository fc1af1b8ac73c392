"""Endpoint path templates with a strict grammar for Zoom's parameters.

    /v2/users/{userId}/meetings
    /v2/past_meetings/{meetingId:meeting}/participants

A parameter is one path segment of safe characters (`{name}`), a number (`{name:int}`), a
meeting UUID (`{name:uuid}`) or either (`{name:meeting}`). Zoom's meeting UUIDs are 16 bytes
in base64 (`4444AAAiAAAAAiAiAiiAii==`) and reach an API in four spellings, all accepted: plain,
with `/` (and `+`, `=`) percent-encoded once (`%2F`), twice (`%252F`, what Zoom documents),
or with at most one literal `/` - the only case where a parameter spans two segments.
Nothing more: an empty segment (`//`, a trailing `/`), `.` or `..`, or an extra segment
does not match. Matching is on the raw path, still percent-encoded, and case-sensitive.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product
from urllib.parse import unquote

__all__ = ["PARAM_KINDS", "PathTemplate", "TemplateError", "is_meeting_uuid"]

PARAM_KINDS = ("segment", "int", "uuid", "meeting")
MAX_SEGMENT = 256
_SEGMENT = re.compile(r"(?:[A-Za-z0-9._~@+=\-]|%[0-9A-Fa-f]{2}){1,256}")
_INT = re.compile(r"[0-9]{1,20}")
_UUID_RAW = re.compile(r"(?:[A-Za-z0-9+=/]|%(?:25)?(?:2[BbFf]|3[Dd])){22,40}")
_UUID_DECODED = re.compile(r"[A-Za-z0-9+/]{22}==")
_PLACEHOLDER = re.compile(r"\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<kind>[a-z]+))?\}")
_LITERAL = re.compile(r"[A-Za-z0-9._~\-]+")
# Per-segment shapes used to decide whether two templates can match one path.
_UUID_PIECE = re.compile(r"(?:[A-Za-z0-9+=]|%(?:25)?(?:2[BbFf]|3[Dd]))+")
_UUID_TAIL = re.compile(r"(?:[A-Za-z0-9+=]|%(?:25)?(?:2[BbFf]|3[Dd]))*(?:=|%(?:25)?3[Dd])")


class TemplateError(ValueError):
    """A template that is not well formed; the message says why."""


def is_meeting_uuid(raw: str) -> bool:
    """Whether `raw` (as it appears in a path) spells a Zoom meeting UUID."""
    if raw.count("/") > 1 or not _UUID_RAW.fullmatch(raw):
        return False
    return _UUID_DECODED.fullmatch(unquote(unquote(raw))) is not None


def _segment_ok(raw: str) -> bool:
    decoded = unquote(raw)
    return bool(_SEGMENT.fullmatch(raw)) and decoded not in (".", "..") and "/" not in decoded


@dataclass(frozen=True)
class _Part:
    literal: str | None = None
    name: str = ""
    kind: str = "segment"

    def spans(self) -> tuple[int, ...]:
        """How many segments this part may take: a UUID with one literal `/` takes two."""
        return (1, 2) if self.literal is None and self.kind in ("uuid", "meeting") else (1,)

    def accepts(self, raw: str) -> bool:
        if self.literal is not None:
            return raw == self.literal
        if self.kind == "int":
            return bool(_INT.fullmatch(raw))
        if self.kind == "segment":
            return _segment_ok(raw)
        if self.kind == "meeting" and _INT.fullmatch(raw):
            return True
        return is_meeting_uuid(raw)

    def shapes(self) -> Iterator[tuple[re.Pattern[str] | str, ...]]:
        """The per-segment shapes of each way this part can match."""
        if self.literal is not None:
            yield (self.literal,)
        elif self.kind in ("uuid", "meeting"):
            yield (_UUID_PIECE if self.kind == "uuid" else _SEGMENT,)
            yield (_UUID_PIECE, _UUID_TAIL)
        else:
            yield (_INT if self.kind == "int" else _SEGMENT,)


class PathTemplate:
    """A compiled template; `match(raw_path)` gives its parameters (raw) or None."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._parts = _parse(text)

    def __repr__(self) -> str:
        return f"PathTemplate({self.text!r})"

    def match(self, raw_path: str) -> dict[str, str] | None:
        if not raw_path.startswith("/") or len(raw_path) > 4096:
            return None
        return self._match(0, raw_path[1:].split("/"), {})

    def _match(
        self, index: int, segments: list[str], found: dict[str, str]
    ) -> dict[str, str] | None:
        if index == len(self._parts):
            return found if not segments else None
        part = self._parts[index]
        for span in part.spans():
            if len(segments) < span:
                continue
            raw = "/".join(segments[:span])
            if not all(segments[:span]) or not part.accepts(raw):
                continue
            captured = {**found, part.name: raw} if part.name else found
            result = self._match(index + 1, segments[span:], captured)
            if result is not None:
                return result
        return None

    def overlaps(self, other: PathTemplate) -> bool:
        """Whether some path could match both templates (conservative: when unsure, yes)."""
        mine, theirs = set(self._shape_sequences()), set(other._shape_sequences())
        return any(
            len(a) == len(b) and all(_shapes_meet(x, y) for x, y in zip(a, b, strict=True))
            for a in mine
            for b in theirs
        )

    def _shape_sequences(self) -> Iterator[tuple[re.Pattern[str] | str, ...]]:
        for combination in product(*(list(part.shapes()) for part in self._parts)):
            yield tuple(shape for piece in combination for shape in piece)

    @property
    def parameters(self) -> dict[str, str]:
        return {part.name: part.kind for part in self._parts if part.literal is None}


def _shapes_meet(a: re.Pattern[str] | str, b: re.Pattern[str] | str) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, str):
        return not isinstance(b, str) and bool(b.fullmatch(a))
    if isinstance(b, str):
        return bool(a.fullmatch(b))
    return True


def _parse(text: str) -> list[_Part]:
    if not text.startswith("/") or text.endswith("/") or "//" in text:
        raise TemplateError("must start with / and have no empty segment (no trailing /, no //)")
    parts: list[_Part] = []
    for segment in text[1:].split("/"):
        placeholder = _PLACEHOLDER.fullmatch(segment)
        if placeholder:
            kind = placeholder.group("kind") or "segment"
            if kind not in PARAM_KINDS:
                raise TemplateError(f"unknown parameter kind {kind!r} ({' | '.join(PARAM_KINDS)})")
            parts.append(_Part(name=placeholder.group("name"), kind=kind))
        elif _LITERAL.fullmatch(segment) and segment not in (".", ".."):
            parts.append(_Part(literal=segment))
        else:
            raise TemplateError(f"segment {segment!r} is neither a name nor a {{parameter}}")
    names = [part.name for part in parts if part.literal is None]
    if len(names) != len(set(names)):
        raise TemplateError("a parameter name is used twice")
    return parts
