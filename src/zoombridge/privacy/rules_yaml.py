"""Reading rules files safely: YAML that is small, alias-free and unambiguous.

Rules may come from people outside the team, so hostile input is expected: files over
`MAX_RULES_BYTES` are refused before parsing; aliases (the "billion laughs" bomb) and
duplicate keys are refused; only plain YAML types are built (no tags that create objects);
nesting and node counts are bounded. Every error names the file, and where it can the line,
the endpoint and the place inside it.
"""

from __future__ import annotations

from collections.abc import Hashable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from zoombridge.errors import RulesInvalid
from zoombridge.privacy.endpoints import CompiledRules, compile_rules
from zoombridge.privacy.rules import ACTIONS, RulesFile

__all__ = [
    "MAX_RULES_BYTES",
    "default_rules",
    "load_rules",
    "parse_rules",
    "read_rules_file",
    "read_yaml",
]

MAX_RULES_BYTES = 1024 * 1024
MAX_EVENTS = 200_000
MAX_DEPTH = 64
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that refuses duplicate keys instead of keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable) or key in seen:
                line = key_node.start_mark.line + 1
                raise yaml.constructor.ConstructorError(
                    None, None, f"line {line}: key {key!r} appears twice (or is not a name)"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def read_yaml(data: bytes | str, source: str) -> Any:
    """The plain data of a YAML document, after the hostile-input checks."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_RULES_BYTES:
        raise RulesInvalid(source, f"larger than {MAX_RULES_BYTES // 1024} KiB; not a rules file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RulesInvalid(source, f"not UTF-8 text (byte {exc.start})") from None
    try:
        _check_events(text, source)
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise RulesInvalid(source, _yaml_problem(exc)) from None


def _check_events(text: str, source: str) -> None:
    depth = 0
    for count, event in enumerate(yaml.parse(text, Loader=_BaseLoader)):
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise RulesInvalid(source, f"line {line}: YAML anchors and aliases are not allowed")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise RulesInvalid(source, f"line {line}: nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if count > MAX_EVENTS:
            raise RulesInvalid(source, f"more than {MAX_EVENTS} YAML nodes; not a rules file")


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return f"not valid YAML: {problem}"


def parse_rules(data: bytes | str, source: str = "<rules>") -> CompiledRules:
    """Validated, compiled rules from YAML text; RulesInvalid names what is wrong and where."""
    document = read_yaml(data, source)
    if not isinstance(document, dict):
        raise RulesInvalid(source, "a rules file is a mapping with `endpoints:` at the top")
    try:
        model = RulesFile.model_validate(document)
    except ValidationError as exc:
        raise RulesInvalid(source, _validation_problems(exc, document)) from None
    return compile_rules(source, model)


def read_rules_file(path: Path) -> bytes:
    """A rules file's bytes, at most one past `MAX_RULES_BYTES` (`read_yaml` refuses more)."""
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_RULES_BYTES + 1)
    except OSError as exc:
        raise RulesInvalid(str(path), f"cannot read: {exc.strerror}") from None


def load_rules(path: Path) -> CompiledRules:
    data = read_rules_file(path)
    return parse_rules(data, str(path))


def default_rules() -> CompiledRules:
    """zoombridge's default-deny rules for Zoom (see `defaults/zoom.yaml`)."""
    data = resources.files("zoombridge.privacy").joinpath("defaults/zoom.yaml").read_bytes()
    return parse_rules(data, "zoombridge default rules (zoom.yaml)")


def _validation_problems(exc: ValidationError, document: dict[str, Any]) -> str:
    problems = []
    for error in exc.errors()[:10]:
        place = _place(error["loc"], document)
        problems.append(f"{place}: {error['msg']}" if place else error["msg"])
    more = exc.error_count() - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def _place(loc: tuple[int | str, ...], document: dict[str, Any]) -> str:
    """`endpoints[2] (/v2/users).transforms[0].paths` from pydantic's location tuple."""
    text = ""
    for index, part in enumerate(loc):
        if isinstance(part, int):
            text += f"[{part}]"
            if loc[:index] == ("endpoints",):
                text += _endpoint_label(document, part)
        elif index == 0 or part not in ACTIONS:  # pydantic adds a union member's tag; skip it
            text += f".{part}" if text else part
    return text


def _endpoint_label(document: dict[str, Any], index: int) -> str:
    endpoints = document.get("endpoints")
    if isinstance(endpoints, list) and index < len(endpoints):
        entry = endpoints[index]
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            return f" ({entry['path'][:100]})"
    return ""
