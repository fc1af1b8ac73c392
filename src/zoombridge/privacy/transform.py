"""A response document through an endpoint's rule: schema allow-list, then transforms.

The walk visits each node once, top-down, carrying two things from parent to child: the
schema node (what may be here) and, for every transform path, its automaton states (which
paths have matched so far). Each decision needs only the key of the node and what the parent
handed down, never a sibling or a later part of the document. That is what makes a
streaming version possible with the same code for decisions: drive `Walk.child` from a
parser's events (ijson's start_map/map_key/end_map, ...) instead of from parsed values, skip
a subtree when `child` says dropped or redacted, and write scalars through `Walk.leaf` as
they arrive. The proxy can then sanitize a response in one pass with bounded memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from zoombridge.privacy.canonical import scalar_text
from zoombridge.privacy.endpoints import CompiledTransform, Endpoint
from zoombridge.privacy.formats import Pseudonymizer
from zoombridge.privacy.paths import States
from zoombridge.privacy.rules import Digest, HashIp, Pseudonymize, Redact, RedactRegex
from zoombridge.privacy.schema import ArrayNode, LeafNode, Node, ObjectNode

__all__ = ["REMOVED", "Sanitizer", "Walk"]

MAX_DEPTH = 64


class _Removed:
    def __repr__(self) -> str:
        return "REMOVED"


REMOVED: Any = _Removed()  # a member or item that must not appear in the output at all


@dataclass(frozen=True)
class Walk:
    """Where the walk is: the schema node here and each transform path's states here."""

    schema: Node
    states: tuple[tuple[States, ...], ...]  # per transform, per path
    depth: int = 0

    def matched(self, transforms: tuple[CompiledTransform, ...]) -> list[CompiledTransform]:
        return [
            item
            for item, states in zip(transforms, self.states, strict=True)
            if any(path.accepts(s) for path, s in zip(item.paths, states, strict=True))
        ]

    def child(self, key: str | int, transforms: tuple[CompiledTransform, ...]) -> Walk | None:
        """The walk one step down, or None when the schema does not admit `key` here."""
        if isinstance(self.schema, ObjectNode) and isinstance(key, str):
            below: Node | None = self.schema.fields.get(key)
        elif isinstance(self.schema, ArrayNode) and isinstance(key, int):
            below = self.schema.item
        else:
            below = None
        if below is None or self.depth >= MAX_DEPTH:
            return None
        states = tuple(
            tuple(path.advance(s, key) for path, s in zip(item.paths, per, strict=True))
            for item, per in zip(transforms, self.states, strict=True)
        )
        return Walk(below, states, self.depth + 1)


class Sanitizer:
    """Applies rules with one pseudonymizer; reusable and thread-safe."""

    def __init__(self, pseudonymizer: Pseudonymizer) -> None:
        self.pseudonymizer = pseudonymizer

    def document(self, document: Any, endpoint: Endpoint) -> Any:
        """The sanitized copy of a parsed JSON document (the input is not changed)."""
        start = Walk(
            endpoint.schema,
            tuple(tuple(path.start for path in item.paths) for item in endpoint.transforms),
        )
        result = self._node(document, start, endpoint.transforms)
        return None if result is REMOVED else result

    def _node(self, value: Any, walk: Walk, transforms: tuple[CompiledTransform, ...]) -> Any:
        matched = walk.matched(transforms)
        if any(isinstance(item.spec, Redact) for item in matched):
            return REMOVED
        if isinstance(walk.schema, LeafNode):
            if not walk.schema.admits(value):
                return None
            return self.leaf(value, matched)
        if isinstance(walk.schema, ObjectNode):
            return self._object(value, walk, transforms) if isinstance(value, dict) else None
        return self._array(value, walk, transforms) if isinstance(value, list) else None

    def _object(
        self, value: dict[str, Any], walk: Walk, transforms: tuple[CompiledTransform, ...]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, member in value.items():
            below = walk.child(key, transforms)
            if below is not None:
                result = self._node(member, below, transforms)
                if result is not REMOVED:
                    out[key] = result
        return out

    def _array(
        self, value: list[Any], walk: Walk, transforms: tuple[CompiledTransform, ...]
    ) -> list[Any]:
        out = []
        for index, item in enumerate(value):
            below = walk.child(index, transforms)
            result = REMOVED if below is None else self._node(item, below, transforms)
            if result is not REMOVED and result is not None:
                out.append(result)
        return out

    def leaf(self, value: Any, matched: list[CompiledTransform]) -> Any:
        """A scalar through the value transforms that matched it, in declared order."""
        for item in matched:
            if value is None:
                return None
            value = self.apply(item.spec, value)
        return value

    def apply(self, spec: object, value: Any) -> Any:
        """One value transform on one scalar (redaction is handled by the walk)."""
        if isinstance(spec, Pseudonymize):
            text = scalar_text(value)
            if text is None or not text.strip():
                return None
            return self.pseudonymizer.pseudonymize(text, spec.options())
        if not isinstance(value, str):
            return value if isinstance(spec, RedactRegex) else None
        if isinstance(spec, RedactRegex):
            for pattern in spec.patterns:
                value = re.sub(pattern, "", value)
            return value
        if isinstance(spec, Digest):
            return self.pseudonymizer.digest(value)
        if isinstance(spec, HashIp):
            return self.pseudonymizer.hash_ip_text(value)
        raise TypeError(f"not a value transform: {spec!r}")
