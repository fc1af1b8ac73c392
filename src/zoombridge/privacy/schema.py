"""Response allow-list schemas: what of a response may leave at all.

Written in rules as the shape of the response, each leaf naming its type:

    response:
      next_page_token: string
      users:
        - id: string
          type: integer
          group_ids: [string]
          manager: {$ref: UserRef}     # from the rules' `definitions`

Members not listed are dropped; a value of another type than declared (an object where a
string was expected, say) becomes null, so PII hidden in an unexpected place never leaks;
null array items are dropped. Types: string, integer, number, boolean, scalar (any of those).
There is deliberately no "keep this whole subtree": everything kept is listed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from zoombridge.privacy.paths import SOME_INDEX

__all__ = [
    "LEAF_KINDS",
    "ArrayNode",
    "LeafNode",
    "Node",
    "ObjectNode",
    "SchemaError",
    "compile_schema",
]

LEAF_KINDS = ("string", "integer", "number", "boolean", "scalar")
MAX_SCHEMA_DEPTH = 32


class SchemaError(ValueError):
    """A schema that is not well formed; `where` is the place inside the schema."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


@dataclass(frozen=True)
class LeafNode:
    kind: str

    def admits(self, value: object) -> bool:
        if value is None:
            return True
        if isinstance(value, bool):
            return self.kind in ("boolean", "scalar")
        if isinstance(value, int):
            return self.kind in ("integer", "number", "scalar")
        if isinstance(value, float):
            return self.kind in ("number", "scalar")
        return isinstance(value, str) and self.kind in ("string", "scalar")


@dataclass(frozen=True)
class ObjectNode:
    fields: Mapping[str, Node] = field(default_factory=dict)


@dataclass(frozen=True)
class ArrayNode:
    item: Node


Node = LeafNode | ObjectNode | ArrayNode


def compile_schema(raw: object, definitions: Mapping[str, object], where: str = "response") -> Node:
    """The schema tree of `raw`; `$ref`s resolved against `definitions`, cycles refused."""
    return _Compiler(definitions).node(raw, where, 0, ())


class _Compiler:
    def __init__(self, definitions: Mapping[str, object]) -> None:
        self._definitions = definitions

    def node(self, raw: object, where: str, depth: int, refs: tuple[str, ...]) -> Node:
        if depth > MAX_SCHEMA_DEPTH:
            raise SchemaError(where, f"nested deeper than {MAX_SCHEMA_DEPTH} levels")
        if isinstance(raw, str):
            if raw not in LEAF_KINDS:
                raise SchemaError(where, f"unknown type {raw!r} ({' | '.join(LEAF_KINDS)})")
            return LeafNode(raw)
        if isinstance(raw, list):
            if len(raw) != 1:
                raise SchemaError(where, "an array is written as a list of exactly one item schema")
            return ArrayNode(self.node(raw[0], f"{where}[*]", depth + 1, refs))
        if isinstance(raw, dict):
            if "$ref" in raw:
                return self._reference(raw, where, depth, refs)
            return ObjectNode(self._fields(raw, where, depth, refs))
        raise SchemaError(where, "expected a type name, a mapping of fields or a one-item list")

    def _fields(
        self, raw: dict[Any, Any], where: str, depth: int, refs: tuple[str, ...]
    ) -> dict[str, Node]:
        fields: dict[str, Node] = {}
        for name, child in raw.items():
            if not isinstance(name, str) or not name:
                raise SchemaError(where, f"field names must be non-empty text, not {name!r}")
            fields[name] = self.node(child, f"{where}.{name}", depth + 1, refs)
        return fields

    def _reference(
        self, raw: dict[Any, Any], where: str, depth: int, refs: tuple[str, ...]
    ) -> Node:
        name = raw["$ref"]
        if len(raw) != 1 or not isinstance(name, str):
            raise SchemaError(where, "$ref stands alone: {$ref: DefinitionName}")
        if name not in self._definitions:
            raise SchemaError(where, f"$ref {name!r} is not in definitions")
        if name in refs:
            raise SchemaError(
                where, f"definitions refer to themselves: {' -> '.join([*refs, name])}"
            )
        return self.node(self._definitions[name], f"definitions.{name}", depth + 1, (*refs, name))


def schema_paths(node: Node, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every place the schema admits, array items as SOME_INDEX (to check rule paths against)."""
    yield prefix
    if isinstance(node, ObjectNode):
        for name, child in node.fields.items():
            yield from schema_paths(child, (*prefix, name))
    elif isinstance(node, ArrayNode):
        yield from schema_paths(node.item, (*prefix, SOME_INDEX))
