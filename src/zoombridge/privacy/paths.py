"""JSON paths of rules, compiled to small automata so a document can be walked once.

Supported: `$`, `.name`, `['name']`, `[*]` and `.*` (any member or item), `[3]` (an item),
and `..` before any of them (at any depth below). Filters and slices are not: a rule that
needs them is better written as a response schema.

A walker keeps, for the node it is at, the set of automaton states of every path; stepping
into a child (`advance`) needs only the child's key, so the same matching works on a parsed
document and on a stream of parser events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ANY", "SOME_INDEX", "JsonPath", "PathError", "States"]

ANY = "*"
SOME_INDEX = -1  # a key standing for every array index (used to check paths against schemas)
_STEP = re.compile(
    r"""(?P<dots>\.\.|\.)(?P<name>[A-Za-z0-9_\-+]+|\*)
      | (?P<descend>\.\.)?\[(?:(?P<star>\*)|(?P<index>\d+)|'(?P<q1>[^']+)'|"(?P<q2>[^"]+)")\]""",
    re.VERBOSE,
)

Key = str | int
States = frozenset[int]


class PathError(ValueError):
    """A JSON path outside the supported grammar."""


@dataclass(frozen=True)
class _Step:
    selector: Key  # a member name, an item index, or ANY
    descend: bool  # `..`: the selector may match at any depth below


class JsonPath:
    def __init__(self, text: str) -> None:
        self.text = text
        self._steps = _parse(text)
        self.start: States = frozenset({0})

    def __repr__(self) -> str:
        return f"JsonPath({self.text!r})"

    @property
    def recursive(self) -> bool:
        return any(step.descend for step in self._steps)

    def advance(self, states: States, key: Key) -> States:
        """The states after stepping from a node in `states` into its child `key`."""
        after: set[int] = set()
        for state in states:
            if state == len(self._steps):
                continue
            step = self._steps[state]
            if step.descend:
                after.add(state)
            if step.selector in (ANY, key) or (
                key == SOME_INDEX and isinstance(step.selector, int)
            ):
                after.add(state + 1)
        return frozenset(after)

    def accepts(self, states: States) -> bool:
        return len(self._steps) in states

    def matches(self, keys: list[Key]) -> bool:
        states = self.start
        for key in keys:
            states = self.advance(states, key)
            if not states:
                return False
        return self.accepts(states)


def _parse(text: str) -> list[_Step]:
    if not text.startswith("$") or len(text) > 512:
        raise PathError(f"{text!r}: a JSON path starts with $ (like $.users[*].email)")
    steps: list[_Step] = []
    position = 1
    while position < len(text):
        found = _STEP.match(text, position)
        if found is None:
            raise PathError(f"{text!r}: cannot read the path from {text[position:]!r}")
        steps.append(_step(found))
        position = found.end()
    if steps and steps[-1].descend and steps[-1].selector == ANY:
        raise PathError(f"{text!r}: ends in ..* which would select everything")
    return steps


def _step(found: re.Match[str]) -> _Step:
    descend = found.group("dots") == ".." or found.group("descend") is not None
    if found.group("name") is not None:
        return _Step(found.group("name"), descend)
    if found.group("star") is not None:
        return _Step(ANY, descend)
    if found.group("index") is not None:
        return _Step(int(found.group("index")), descend)
    return _Step(found.group("q1") or found.group("q2"), descend)
