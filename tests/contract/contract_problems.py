"""Readable contract problems from validator errors (see `strict_openapi`): each problem starts
with the JSON path it concerns, and the rules the strict schemas add (`ALWAYS_SENT`, `Exempt`)
are named in the message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from contract_schema import X_ALWAYS, X_EXEMPT
from contract_tables import JSON
from jsonschema.exceptions import ValidationError


def sorted_errors(validator: Any, instance: JSON) -> list[ValidationError]:
    """Every error of `instance`, ordered by JSON path."""
    return sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])


def json_path(parts: Iterable[Any]) -> str:
    """'$.meetings[0].uuid' for ['meetings', 0, 'uuid']."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def describe_at(error: ValidationError) -> str:
    """The problem, prefixed with the JSON path of the value concerned."""
    return f"{json_path(error.absolute_path)}: {describe(error)}"


def describe(error: ValidationError) -> str:
    """One readable sentence for a validator error."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        extra = sorted(set(instance) - set(schema.get("properties", {})))
        return f"field(s) not in Zoom's schema: {', '.join(map(repr, extra))}"
    if error.validator == "required":
        name = error.message.split("'")[1] if "'" in error.message else error.message
        if name in schema.get(X_ALWAYS, []):
            return f"missing field {name!r} (Zoom always sends it: ALWAYS_SENT)"
        return f"missing field {name!r} (required by Zoom's schema)"
    if error.validator == "anyOf" and X_EXEMPT in schema and isinstance(instance, dict):
        return _describe_exempt(schema[X_EXEMPT], instance)
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = min(error.context, key=lambda e: len(list(e.absolute_path)))
        return f"{error.message}; e.g. {json_path(best.absolute_path)}: {best.message}"
    return error.message


def _describe_exempt(rule: JSON, instance: dict[str, JSON]) -> str:
    """The failed anyOf of an `Exempt` rule (see contract_schema) as one sentence."""
    kind = instance.get(rule["discriminator"])
    if kind in rule["values"]:
        present = [f for f in rule["fields"] if f in instance]
        return (
            f"{rule['discriminator']} {kind!r} objects carry no {', '.join(present)} "
            f"(Zoom's documented exception)"
        )
    missing = [f for f in rule["fields"] if f not in instance]
    return (
        f"missing field(s) {', '.join(map(repr, missing))} (Zoom always sends them unless "
        f"{rule['discriminator']} is {' or '.join(rule['values'])})"
    )
