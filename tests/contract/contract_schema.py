"""Schema helpers of the strict contract (see `strict_openapi`): loading the vendored documents,
flattening `allOf` and closing objects (`strictify`), and applying `RELAXATIONS` and
`ALWAYS_SENT` to a strict schema (`tighten`).
"""

from __future__ import annotations

import copy
import gzip
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final

from contract_relaxations import RELAXATIONS, Relaxation
from contract_tables import ALWAYS_SENT, JSON, Exempt

#: Markers left in strict schemas, read back when a failure is described.
X_ALWAYS: Final = "x-zoombridge-always-sent"
X_EXEMPT: Final = "x-zoombridge-exempt"
_X_RELAXED: Final = "x-zoombridge-relaxed"


# --------------------------------------------------------------------------------------------
# Loading the vendored documents
# --------------------------------------------------------------------------------------------


def load_json(path: Path) -> JSON:
    """The JSON document at `path`, gzip-decompressed first when it ends in .gz."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return json.loads(raw)


def resolve_webhook_refs(node: JSON, webhooks: Mapping[str, JSON]) -> JSON:
    """Inline Zoom's `$ref`s, which point at '#/paths/<event>/…' although the events are under
    `webhooks` (the documents were converted from an older layout)."""
    if isinstance(node, list):
        return [resolve_webhook_refs(x, webhooks) for x in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/paths/"):
        target: JSON = webhooks
        for part in ref[len("#/paths/") :].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return resolve_webhook_refs(copy.deepcopy(target), webhooks)
    return {k: resolve_webhook_refs(v, webhooks) for k, v in node.items()}


def success_status(operation_id: str, op: Mapping[str, JSON]) -> str:
    """The first 2xx status of `op` that documents a JSON body (the one ALWAYS_SENT tightens)."""
    for status, response in op.get("responses", {}).items():
        if status.startswith("2") and "application/json" in (response.get("content") or {}):
            return str(status)
    raise LookupError(f"{operation_id} documents no JSON success response")


# --------------------------------------------------------------------------------------------
# Making a schema strict
# --------------------------------------------------------------------------------------------

_SCHEMA_MAPS: Final = ("properties", "patternProperties", "$defs", "definitions")
_SCHEMA_ONE: Final = (
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
)
_SCHEMA_LISTS: Final = ("allOf", "oneOf", "anyOf", "prefixItems")
_ANNOTATIONS: Final = frozenset({"description", "title", "example", "examples", "deprecated"})


def strictify(schema: JSON) -> JSON:
    """Return a strict copy of an OpenAPI/JSON schema (the input is not modified).

    `allOf` whose members are all objects becomes one object, and every object that declares
    `properties` but not `additionalProperties` gets `additionalProperties: false`.
    """
    return _close(_flatten(schema), close_self=True)


def _is_object_member(schema: JSON) -> bool:
    if not isinstance(schema, dict):
        return False
    if any(k in schema for k in ("allOf", "oneOf", "anyOf", "not", "$ref", "enum")):
        return False
    kind = schema.get("type")
    if kind not in (None, "object"):
        return False
    return kind == "object" or "properties" in schema or set(schema) <= _ANNOTATIONS


def _flatten(node: JSON) -> JSON:
    if isinstance(node, list):
        return [_flatten(x) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, JSON] = {}
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _flatten(sub) for name, sub in value.items()}
        elif key in _SCHEMA_ONE and isinstance(value, dict):
            out[key] = _flatten(value)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_flatten(sub) for sub in value]
        else:
            out[key] = copy.deepcopy(value)
    members = out.get("allOf")
    if isinstance(members, list) and all(_is_object_member(m) for m in members):
        del out["allOf"]
        for member in members:
            out = _merge(out, member)
    return out


def _merge(base: dict[str, JSON], extra: dict[str, JSON]) -> dict[str, JSON]:
    merged = dict(base)
    for key, value in extra.items():
        if key == "properties":
            props = dict(merged.get("properties", {}))
            for name, sub in value.items():
                props[name] = _merge_property(props[name], sub) if name in props else sub
            merged["properties"] = props
        elif key == "required":
            merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
        elif key == "additionalProperties":
            current = merged.get("additionalProperties", True)
            merged[key] = value if current is True else current
        elif key not in merged:
            merged[key] = value
    if "properties" in merged and "type" not in merged:
        merged["type"] = "object"
    return merged


def _merge_property(first: JSON, second: JSON) -> JSON:
    """The same property declared by two allOf members: one schema if they agree on every
    validation keyword (descriptions and examples may differ), else both under allOf."""
    if first == second:
        return first
    if isinstance(first, dict) and isinstance(second, dict):
        if _is_object_member(first) and _is_object_member(second):
            return _merge(first, second)
        shared = (set(first) & set(second)) - _ANNOTATIONS
        if all(first[k] == second[k] for k in shared):
            return {**second, **first}
    return {"allOf": [first, second]}


def _close(node: JSON, *, close_self: bool) -> JSON:
    if isinstance(node, list):
        return [_close(x, close_self=True) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, JSON] = {}
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _close(sub, close_self=True) for name, sub in value.items()}
        elif key in _SCHEMA_ONE and isinstance(value, dict):
            out[key] = _close(value, close_self=True)
        elif key == "allOf" and isinstance(value, list):
            # Not flattenable: closing a member would reject the other members' properties.
            out[key] = [_close(sub, close_self=False) for sub in value]
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_close(sub, close_self=True) for sub in value]
        else:
            out[key] = value
    # An object that also has oneOf/anyOf/allOf siblings stays open: its branches may add
    # properties. (None of Zoom's response schemas has this shape after flattening.)
    open_siblings = any(k in out for k in ("allOf", "oneOf", "anyOf"))
    if (
        close_self
        and "properties" in out
        and "additionalProperties" not in out
        and not open_siblings
    ):
        out["additionalProperties"] = False
    return out


# --------------------------------------------------------------------------------------------
# Locations, ALWAYS_SENT and RELAXATIONS applied to a strict schema
# --------------------------------------------------------------------------------------------


def _location_steps(location: str) -> list[str]:
    """'meetings[].recording_files[].id' -> ['meetings', '[]', 'recording_files', '[]', 'id']."""
    steps: list[str] = []
    for part in location.split(".") if location else []:
        name, brackets = part, 0
        while name.endswith("[]"):
            name, brackets = name[:-2], brackets + 1
        if name:
            steps.append(name)
        steps.extend(["[]"] * brackets)
    return steps


def _nodes_at(schema: JSON, location: str) -> list[dict[str, JSON]]:
    """The schema objects at a JSON location (several when the way passes oneOf/anyOf)."""
    nodes: list[dict[str, JSON]] = [schema]
    for step in _location_steps(location):
        found: list[dict[str, JSON]] = []
        for node in _expand(nodes):
            if step == "[]":
                if isinstance(node.get("items"), dict):
                    found.append(node["items"])
            elif isinstance(node.get("properties"), dict) and step in node["properties"]:
                found.append(node["properties"][step])
        if not found:
            raise LookupError(f"no schema at {location or '<body>'!r} (step {step!r})")
        nodes = found
    return list(_expand(nodes))


def _expand(nodes: Iterable[dict[str, JSON]]) -> Iterator[dict[str, JSON]]:
    for node in nodes:
        yield node
        if X_EXEMPT in node:  # the anyOf is ours (an Exempt rule), not Zoom's
            continue
        for key in ("oneOf", "anyOf"):
            for sub in node.get(key, []):
                if isinstance(sub, dict):
                    yield from _expand([sub])


def _apply_relaxation(schema: JSON, relaxation: Relaxation) -> None:
    nodes = _nodes_at(schema, relaxation.location)
    for node in nodes:
        if relaxation.replace is not None:
            node.clear()
            node.update(copy.deepcopy(dict(relaxation.replace)))
        if relaxation.add_enum:
            if "enum" not in node:
                raise LookupError(f"{relaxation}: no enum at {relaxation.location}")
            new = [v for v in relaxation.add_enum if v not in node["enum"]]
            if not new:
                raise LookupError(f"{relaxation}: the enum already has {relaxation.add_enum}")
            node["enum"] = [*node["enum"], *new]
        if relaxation.drop_required:
            missing = set(relaxation.drop_required) - set(node.get("required", []))
            if missing:
                raise LookupError(f"{relaxation}: {sorted(missing)} not required by Zoom there")
            node["required"] = [f for f in node["required"] if f not in relaxation.drop_required]
            node.setdefault(_X_RELAXED, []).extend(relaxation.drop_required)
        if relaxation.drop_format:
            if "format" not in node:
                raise LookupError(f"{relaxation}: no format at {relaxation.location}")
            del node["format"]
        if relaxation.also_type is not None:
            if not isinstance(node.get("type"), str):
                raise LookupError(f"{relaxation}: no single type at {relaxation.location}")
            node["type"] = [node["type"], relaxation.also_type]
        if relaxation.add_properties:
            props = node.get("properties")
            if not isinstance(props, dict) or set(relaxation.add_properties) & set(props):
                raise LookupError(f"{relaxation}: not an object, or the property exists")
            props.update(copy.deepcopy(dict(relaxation.add_properties)))


def _apply_always_sent(schema: JSON, key: str, location: str, spec: Sequence[str | Exempt]) -> None:
    candidates = [n for n in _nodes_at(schema, location) if isinstance(n.get("properties"), dict)]
    if not candidates:
        raise LookupError(f"ALWAYS_SENT[{key!r}][{location!r}]: no object schema there")
    for node in candidates:
        props = node["properties"]
        names = [f for f in spec if isinstance(f, str)]
        unknown = [f for f in names if f not in props]
        if unknown:
            raise LookupError(f"ALWAYS_SENT[{key!r}][{location!r}]: {unknown} not in Zoom's schema")
        dropped = [f for f in names if f in node.get(_X_RELAXED, [])]
        if dropped:
            raise LookupError(
                f"ALWAYS_SENT[{key!r}][{location!r}]: {dropped} are relaxed in RELAXATIONS"
            )
        zoom_required = node.get("required", [])
        node[X_ALWAYS] = [f for f in names if f not in zoom_required]
        node["required"] = list(dict.fromkeys([*zoom_required, *names]))
        for exempt in (f for f in spec if isinstance(f, Exempt)):
            _apply_exempt(node, exempt, key, location)


def _apply_exempt(node: dict[str, JSON], exempt: Exempt, key: str, location: str) -> None:
    props = node["properties"]
    unknown = [f for f in (exempt.discriminator, *exempt.fields) if f not in props]
    if unknown:
        raise LookupError(f"ALWAYS_SENT[{key!r}][{location!r}]: {unknown} not in Zoom's schema")
    overlap = set(exempt.fields) & set(node.get("required", []))
    if overlap:
        raise LookupError(
            f"ALWAYS_SENT[{key!r}][{location!r}]: Zoom requires {sorted(overlap)} on every object; "
            "add a RELAXATIONS row (drop_required) with the evidence"
        )
    values = list(exempt.values)
    exempted = {
        "properties": {exempt.discriminator: {"enum": values}},
        "required": [exempt.discriminator],
        "not": {"anyOf": [{"required": [f]} for f in exempt.fields]},
    }
    regular = {
        "properties": {exempt.discriminator: {"not": {"enum": values}}},
        "required": list(exempt.fields),
    }
    if "anyOf" in node:
        raise LookupError(f"ALWAYS_SENT[{key!r}][{location!r}]: schema already has anyOf")
    # Two mutually exclusive branches; contract_problems.describe turns a failure into one
    # readable sentence.
    node["anyOf"] = [exempted, regular]
    node[X_EXEMPT] = {
        "discriminator": exempt.discriminator,
        "values": values,
        "fields": list(exempt.fields),
    }


def relax(target: str, schema: JSON) -> JSON:
    """Apply the RELAXATIONS rows of one target (operationId, operationId + REQUEST, event)."""
    for relaxation in RELAXATIONS:
        if relaxation.target == target:
            _apply_relaxation(schema, relaxation)
    return schema


def tighten(key: str, schema: JSON) -> JSON:
    """Apply RELAXATIONS, then ALWAYS_SENT, for one operationId or event."""
    relax(key, schema)
    for location, spec in ALWAYS_SENT.get(key, {}).items():
        _apply_always_sent(schema, key, location, spec)
    return schema
