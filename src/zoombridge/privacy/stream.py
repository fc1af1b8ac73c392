"""A JSON response sanitized in one streaming pass, for the proxy.

The decisions are `transform`'s (schema allow-list first, then the transforms that match,
in declared order); this module makes them fast and incremental:

- `Plan` (in `plan`) is what the rules decide at one place in the document, worked out
  once, and `Values` applies it through a closure compiled for that place.
- `JsonStream` reads bytes as they arrive. The outer levels of the document (the envelope
  object and the arrays in it, `STREAM_DEPTH` levels) are tokenized here, by hand; each value
  below them (a user, a meeting, a participant) is decoded whole by the C decoder
  (`raw_decode`), sanitized and written at once. Memory is bounded by the largest such item
  (`MAX_VALUE_CHARS`), not by the answer, and Python touches only what the rules keep.
  The items of such an array are read in one loop (`_items`), not a trip through the
  parser's states each: that trip cost as much as sanitizing a user.

What is written is compact ASCII JSON (non-ASCII as escapes), equal to
`Sanitizer.document` of the parsed answer; duplicate members of a streamed object are all
written (a parser keeps the last one, as `json.loads` would). Malformed input raises
`UpstreamJsonError` saying where; the proxy answers 502 with it.
"""

from __future__ import annotations

import codecs
import json
import json.encoder
import re
from collections.abc import Callable
from typing import Any

from zoombridge.privacy.plan import ARRAY, OBJECT, Handler, Plan, Values, removed
from zoombridge.privacy.transform import REMOVED

__all__ = ["MAX_VALUE_CHARS", "STREAM_DEPTH", "JsonStream", "UpstreamJsonError"]

STREAM_DEPTH = 2  # levels tokenized here; deeper values are decoded whole
MAX_VALUE_CHARS = 16 * 1024 * 1024  # one item (a user, a meeting) larger than this is refused
_WS = re.compile(r"[ \t\n\r]*")
_NUMBER_GOES_ON = ("", ".", "e", "E", "+", "-")  # after a decoded number, cut short maybe


class UpstreamJsonError(ValueError):
    """Zoom's answer is not one well-formed JSON document."""


def _no_constants(name: str) -> Any:
    raise UpstreamJsonError(f"{name} is not JSON")


_decode = json.JSONDecoder(parse_constant=_no_constants).raw_decode


def _unencodable(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


def _encoder() -> Callable[[Any], str]:
    """Compact ASCII JSON, NaN refused. One C encoder made once: `JSONEncoder.encode` builds
    a new one per call, which cost more than encoding a user. No circular-reference check:
    every value comes from the decoder or is built fresh by a transform."""
    make = getattr(json.encoder, "c_make_encoder", None)  # not in the typeshed stubs
    if make is None:  # an interpreter without the C accelerator
        return json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode
    ascii_text = json.encoder.encode_basestring_ascii
    encode = make(None, _unencodable, ascii_text, None, ":", ",", False, False, False)
    return lambda value: "".join(encode(value, 0))


_encode = _encoder()


# Parser states
_VALUE, _FIRST_KEY, _KEY, _COLON, _AFTER, _FIRST_ITEM, _DONE = range(7)


class _Frame:
    __slots__ = ("index", "is_object", "items", "pending", "plan", "wrote")

    def __init__(self, plan: Plan, is_object: bool) -> None:
        self.plan = plan
        self.is_object = is_object
        self.wrote = False
        self.index = 0
        self.pending: tuple[str, Plan | None] | None = None  # an object's current member
        self.items: Handler | None = None  # an array whose items are all decoded whole


class JsonStream:
    """Feed bytes with `feed`, end with `finish`; each returns the sanitized text so far."""

    def __init__(self, values: Values, plan: Plan) -> None:
        self._values = values
        self._root = plan
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._buf = ""
        self._pos = 0
        self._state = _VALUE
        self._stack: list[_Frame] = []
        self._out: list[str] = []
        self._wait_for = 0  # chars needed before a failed decode is tried again
        self._seen = 0  # chars consumed before the buffer, for error positions

    def feed(self, data: bytes) -> bytes:
        try:
            text = self._decoder.decode(data)
        except UnicodeDecodeError as exc:
            raise UpstreamJsonError(f"not UTF-8 near byte {self._seen + exc.start}") from None
        self._seen += self._pos
        self._buf = self._buf[self._pos :] + text
        self._pos = 0
        self._run(eof=False)
        return self._flush()

    def finish(self) -> bytes:
        self.feed(b"")
        try:
            self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise UpstreamJsonError("the answer ends inside a UTF-8 character") from None
        self._run(eof=True)
        if self._state != _DONE:
            what = "is empty" if not self._seen and not self._buf.strip() else "is cut short"
            raise UpstreamJsonError(f"the JSON answer {what}")
        return self._flush()

    def _flush(self) -> bytes:
        text = "".join(self._out)
        self._out.clear()
        return text.encode("ascii")

    def _error(self, problem: str) -> UpstreamJsonError:
        return UpstreamJsonError(f"{problem} at character {self._seen + self._pos}")

    def _run(self, eof: bool) -> None:
        """Consume as much of the buffer as can be decided now."""
        buf = self._buf
        while True:
            self._pos = _WS.match(buf, self._pos).end()  # type: ignore[union-attr]
            if self._pos >= len(buf):
                return
            state = self._state
            if state == _VALUE:
                if self._stack and self._stack[-1].items is not None and self._items():
                    continue
                if not self._value(eof):
                    return
            elif state == _DONE:
                raise self._error("more than one JSON value")
            elif state == _COLON:
                self._expect(":")
                self._state = _VALUE
            elif state in (_FIRST_KEY, _KEY):
                if not self._key(state == _FIRST_KEY, eof):
                    return
            elif state == _FIRST_ITEM and buf[self._pos] == "]":
                self._close("]")
            elif state == _FIRST_ITEM:
                self._state = _VALUE
            else:
                self._after()

    def _expect(self, char: str) -> None:
        if self._buf[self._pos] != char:
            raise self._error(f"expected {char!r}")
        self._pos += 1

    def _key(self, first: bool, eof: bool) -> bool:
        """Read a member name (or the end of an empty object); False when more is needed."""
        frame = self._stack[-1]
        if first and self._buf[self._pos] == "}":
            self._close("}")
            return True
        if self._buf[self._pos] != '"':
            raise self._error("expected a member name")
        try:
            key, end = _decode(self._buf, self._pos)
        except json.JSONDecodeError:
            return self._incomplete(eof)
        self._pos = end
        frame.pending = (key, frame.plan.child(key))
        self._state = _COLON
        return True

    def _after(self) -> None:
        frame = self._stack[-1]
        char = self._buf[self._pos]
        if char == ",":
            self._pos += 1
            if frame.is_object:
                self._state = _KEY
            else:
                frame.index += 1
                self._state = _VALUE
        elif char in "}]":
            self._close(char)
        else:
            raise self._error("expected ',' or the end of a container")

    def _close(self, char: str) -> None:
        frame = self._stack.pop()
        if char != ("}" if frame.is_object else "]"):
            raise self._error(f"unexpected {char!r}")
        self._pos += 1
        self._out.append(char)
        self._state = _AFTER if self._stack else _DONE

    def _target(self) -> tuple[Plan | None, str | None]:
        """The plan of the value about to be read and, in an object, its member name."""
        if not self._stack:
            return self._root, None
        frame = self._stack[-1]
        if frame.is_object:
            assert frame.pending is not None
            key, plan = frame.pending
            return plan, key
        return frame.plan.child(frame.index), None

    def _value(self, eof: bool) -> bool:
        """Read one value; False when more input is needed first."""
        plan, key = self._target()
        char = self._buf[self._pos]
        if char in "{[" and len(self._stack) < STREAM_DEPTH and plan is not None:
            wanted = OBJECT if char == "{" else ARRAY
            if not plan.redacted and plan.kind == wanted:
                self._prefix(key)
                self._out.append(char)
                self._pos += 1
                self._stack.append(self._frame(plan, char == "{"))
                self._state = _FIRST_KEY if char == "{" else _FIRST_ITEM
                return True
        if not self._stack and char not in "{[":
            raise self._error("the answer is not a JSON object or array")
        if not eof and len(self._buf) - self._pos < self._wait_for:
            return False
        try:
            value, end = _decode(self._buf, self._pos)
        except json.JSONDecodeError:
            return self._incomplete(eof)
        if not eof and char not in '{["tfn' and self._buf[end : end + 1] in _NUMBER_GOES_ON:
            return self._incomplete(eof)  # a number may go on in the next chunk: 2.|5, 1e|+3
        self._wait_for = 0
        self._pos = end
        self._write(plan, key, value)
        self._state = _AFTER if self._stack else _DONE
        return True

    def _frame(self, plan: Plan, is_object: bool) -> _Frame:
        frame = _Frame(plan, is_object)
        if not is_object and len(self._stack) + 1 >= STREAM_DEPTH and not plan.by_index:
            below = plan.child(0)  # one plan for every item
            frame.items = removed if below is None else self._values.handler(below)
        return frame

    def _items(self) -> bool:
        """The array's complete items up to its last, in one loop: decoded, sanitized and
        written as `_value` and `_write` would, without a trip through the states per item.
        Stops before anything else (the last item, a cut one, garbage) for `_value` to read.
        True when it read at least one."""
        frame, buf, out = self._stack[-1], self._buf, self._out
        handle, pos, size, wrote, count = frame.items, self._pos, len(self._buf), frame.wrote, 0
        assert handle is not None
        while True:
            try:
                value, end = _decode(buf, pos)
            except json.JSONDecodeError:
                break
            after = _WS.match(buf, end).end()  # type: ignore[union-attr]
            if after >= size or buf[after] != ",":
                break
            result = handle(value)
            if result is not REMOVED and result is not None:  # null items are dropped
                out.append("," + _encode(result) if wrote else _encode(result))
                wrote = True
            count += 1
            pos = _WS.match(buf, after + 1).end()  # type: ignore[union-attr]
            if pos >= size:
                break
        self._pos, frame.wrote, frame.index = pos, wrote, frame.index + count
        return count > 0

    def _incomplete(self, eof: bool) -> bool:
        waiting = len(self._buf) - self._pos
        if eof:
            raise self._error("malformed or cut-short JSON value")
        if waiting > MAX_VALUE_CHARS:
            raise self._error(f"a single value longer than {MAX_VALUE_CHARS} characters")
        self._wait_for = 2 * waiting  # retry once twice as much has arrived: linear, not n²
        return False

    def _write(self, plan: Plan | None, key: str | None, value: Any) -> None:
        result = REMOVED if plan is None else self._values.value(plan, value)
        if result is REMOVED:
            if not self._stack:
                self._out.append("null")
            return
        if result is None and self._stack and not self._stack[-1].is_object:
            return  # null items are dropped from arrays
        self._prefix(key)
        self._out.append(_encode(result))

    def _prefix(self, key: str | None) -> None:
        if not self._stack:
            return
        frame = self._stack[-1]
        if frame.wrote:
            self._out.append(",")
        frame.wrote = True
        if key is not None:
            self._out.append(_encode(key) + ":")
