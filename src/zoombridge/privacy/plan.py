"""Where the proxy's sanitizer is fast: each place in a response, planned once and compiled.

The decisions are `transform`'s (schema allow-list first, then the transforms that match,
in declared order); this module makes them cheap to apply to every item of a listing:

- `Plan` memoizes `Walk.child`: the schema node and path-automaton states below a key are
  the same for every array item (unless a rule names an index), so they are computed once
  per place in the document, not once per node. A plan also knows what matched there.
- `Values` compiles a plan, the first time it is used, into a closure specialized to it:
  an object keeps its schema's members with one dict comprehension (type checks inline) and
  calls the transform of the few members that have one; an array of plain leaves is one
  list comprehension; a pseudonymized leaf goes straight to the remembered pseudonyms.
  Rules that name an array index keep the generic walk (their plan depends on the index).

Pseudonyms are remembered across answers (they are deterministic, and the same people
recur); `CACHE_SIZE` bounds how many.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from zoombridge.privacy.canonical import scalar_text
from zoombridge.privacy.endpoints import CompiledTransform, Endpoint
from zoombridge.privacy.formats import PseudonymOptions
from zoombridge.privacy.rules import Pseudonymize, Redact
from zoombridge.privacy.schema import LeafNode, ObjectNode
from zoombridge.privacy.transform import REMOVED, Sanitizer, Walk

__all__ = [
    "ARRAY",
    "CACHE_SIZE",
    "LEAF",
    "MAX_MEMO",
    "OBJECT",
    "Handler",
    "Plan",
    "Values",
    "removed",
]

MAX_MEMO = 1024  # distinct member names remembered per place (upstream controls the names)
CACHE_SIZE = 65536  # pseudonyms remembered (the same people recur across answers)
LEAF, OBJECT, ARRAY = 0, 1, 2
_INDEXED = re.compile(r"\[\d+\]")

_NULL = type(None)
_LEAF_TYPES: dict[str, frozenset[type]] = {
    "string": frozenset({str, _NULL}),
    "integer": frozenset({int, _NULL}),
    "number": frozenset({int, float, _NULL}),
    "boolean": frozenset({bool, _NULL}),
    "scalar": frozenset({str, int, float, bool, _NULL}),
}
_NOTHING: frozenset[type] = frozenset()  # a member with its own handler: a placeholder first
_UNKNOWN: Any = object()

# A parsed value in, its sanitized copy out: None (kept as null) or REMOVED (left out).
Handler = Callable[[Any], Any]


class Plan:
    """One place in a response: what the schema admits here, whether a redaction matched, the
    value transforms that matched, and (memoized) the plan of each child."""

    __slots__ = (
        "_by_index",
        "_children",
        "_transforms",
        "compiled",
        "kind",
        "leaf",
        "redacted",
        "specs",
        "types",
        "walk",
    )

    def __init__(self, walk: Walk, transforms: tuple[CompiledTransform, ...], by_index: bool):
        self.walk = walk
        self._transforms = transforms
        self._by_index = by_index
        matched = walk.matched(transforms)
        self.redacted = any(isinstance(item.spec, Redact) for item in matched)
        self.specs = tuple(item.spec for item in matched if not isinstance(item.spec, Redact))
        schema = walk.schema
        self.kind = OBJECT if isinstance(schema, ObjectNode) else ARRAY
        self.leaf = schema if isinstance(schema, LeafNode) else None
        if self.leaf is not None:
            self.kind = LEAF
        # A leaf kept as it is: checked by its exact type alone (the hot path).
        plain = self.kind == LEAF and not self.redacted and not self.specs
        self.types = _LEAF_TYPES[schema.kind] if plain and isinstance(schema, LeafNode) else None
        self._children: dict[str | int, Plan | None] = {}
        self.compiled: tuple[Values, Handler] | None = None  # set by `Values.handler`

    @classmethod
    def of(cls, endpoint: Endpoint) -> Plan:
        """The plan of a response's root for `endpoint`."""
        transforms = endpoint.transforms
        by_index = any(_INDEXED.search(path.text) for item in transforms for path in item.paths)
        start = tuple(tuple(path.start for path in item.paths) for item in transforms)
        return cls(Walk(endpoint.schema, start), transforms, by_index)

    @property
    def by_index(self) -> bool:
        """Whether a rule names an array index, so items of one array differ."""
        return self._by_index

    def child(self, key: str | int) -> Plan | None:
        """The plan below `key`, or None when the schema does not admit it."""
        memo_key: str | int = key if isinstance(key, str) or self._by_index else 0
        try:
            return self._children[memo_key]
        except KeyError:
            pass
        below = self.walk.child(key, self._transforms)
        plan = None if below is None else Plan(below, self._transforms, self._by_index)
        if len(self._children) < MAX_MEMO:
            self._children[memo_key] = plan
        return plan


def removed(value: Any) -> Any:
    """The handler of a place the rules remove: whatever is there is left out."""
    return REMOVED


def _plain_leaf(admitted: frozenset[type]) -> Handler:
    def handle(value: Any) -> Any:
        return value if type(value) in admitted else None

    return handle


class Values:
    """Parsed values through plans; pseudonyms are remembered (they are deterministic)."""

    def __init__(self, sanitizer: Sanitizer, cache_size: int = CACHE_SIZE) -> None:
        self.sanitizer = sanitizer
        self._cache: dict[tuple[str, int], str] = {}
        self._cache_size = cache_size

    def clear(self) -> None:
        self._cache.clear()

    def value(self, plan: Plan, value: Any) -> Any:
        """The sanitized value, None (kept as null), or REMOVED (left out)."""
        return self.handler(plan)(value)

    def handler(self, plan: Plan) -> Handler:
        """`plan` compiled for these values (once; kept on the plan)."""
        compiled = plan.compiled
        if compiled is not None and compiled[0] is self:
            return compiled[1]
        handler = self._compile(plan)
        plan.compiled = (self, handler)
        return handler

    def _compile(self, plan: Plan) -> Handler:
        if plan.redacted:
            return removed
        if plan.kind == LEAF:
            return self._compile_leaf(plan)
        if plan.by_index:
            return lambda value: self._generic(plan, value)
        if plan.kind == OBJECT:
            return self._compile_object(plan)
        return self._compile_array(plan)

    def _compile_leaf(self, plan: Plan) -> Handler:
        assert plan.leaf is not None
        admitted = _LEAF_TYPES[plan.leaf.kind]
        specs = plan.specs
        if not specs:
            return _plain_leaf(admitted)
        if len(specs) == 1 and isinstance(specs[0], Pseudonymize):
            return self._pseudonym_leaf(specs[0], admitted)
        leaf = self._leaf

        def handle(value: Any) -> Any:
            return leaf(value, specs) if type(value) in admitted else None

        return handle

    def _pseudonym_leaf(self, spec: Pseudonymize, admitted: frozenset[type]) -> Handler:
        cache, tag, options, remember = self._cache, id(spec), spec.options(), self._remember

        def handle(value: Any) -> Any:
            if type(value) not in admitted or value is None:
                return None
            text = value if type(value) is str else scalar_text(value)
            if text is None or not text.strip():
                return None
            found = cache.get((text, tag))
            return found if found is not None else remember(text, tag, options)

        return handle

    def _compile_object(self, plan: Plan) -> Handler:
        """Members the schema lists, in the answer's order; each plain leaf type-checked in
        the comprehension, the rest (transformed, nested) through their own handlers."""
        assert isinstance(plan.walk.schema, ObjectNode)
        types: dict[str, frozenset[type]] = {}
        special: list[tuple[str, Handler]] = []
        for name in plan.walk.schema.fields:
            below = plan.child(name)
            if below is None or below.redacted:
                continue  # never written: not admitted here, or redacted
            types[name] = below.types if below.types is not None else _NOTHING
            if below.types is None:
                special.append((name, self.handler(below)))
        members = tuple(special)

        def handle(value: Any) -> Any:
            if type(value) is not dict:
                return None
            out = {k: (m if type(m) in types[k] else None) for k, m in value.items() if k in types}
            for name, member in members:
                if name in out:
                    result = member(value[name])
                    if result is REMOVED:
                        del out[name]
                    else:
                        out[name] = result
            return out

        return handle

    def _compile_array(self, plan: Plan) -> Handler:
        """Items through the item plan; items that come out null (or removed) are dropped."""
        below = plan.child(0)
        if below is None or below.redacted:
            return lambda value: [] if type(value) is list else None
        if below.types is not None:
            kept = below.types - {_NULL}
            return lambda value: (
                [x for x in value if type(x) in kept] if type(value) is list else None
            )
        item = self.handler(below)

        def handle(value: Any) -> Any:
            if type(value) is not list:
                return None
            return [r for r in map(item, value) if r is not None and r is not REMOVED]

        return handle

    def _generic(self, plan: Plan, value: Any) -> Any:
        """A container whose items' plans depend on their index: walked item by item."""
        if plan.kind == OBJECT:
            if type(value) is not dict:
                return None
            members = ((key, plan.child(key), member) for key, member in value.items())
            results = ((k, self.value(p, m)) for k, p, m in members if p is not None)
            return {key: result for key, result in results if result is not REMOVED}
        if type(value) is not list:
            return None
        out = []
        for index, item in enumerate(value):
            below = plan.child(index)
            result = REMOVED if below is None else self.value(below, item)
            if result is not REMOVED and result is not None:
                out.append(result)
        return out

    def _leaf(self, value: Any, specs: tuple[object, ...]) -> Any:
        for spec in specs:
            if value is None:
                return None
            if isinstance(spec, Pseudonymize):
                value = self._pseudonym(value, spec)
            else:
                value = self.sanitizer.apply(spec, value)
        return value

    def _pseudonym(self, value: Any, spec: Pseudonymize) -> str | None:
        text = scalar_text(value)
        if text is None or not text.strip():
            return None
        found = self._cache.get((text, id(spec)))
        return found if found is not None else self._remember(text, id(spec), spec.options())

    def _remember(self, text: str, tag: int, options: PseudonymOptions) -> str:
        found = self.sanitizer.pseudonymizer.pseudonymize(text, options)
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[(text, tag)] = found
        return found
