"""Compiled rules: endpoints ready to match requests and to sanitize responses.

`CompiledRules.decide(method, target)` answers whether a request may pass; the target is the
raw path and query as the caller sent them (tokens not yet decrypted), so a template sees
what the caller wrote. Overlapping endpoints are refused at load, never resolved by order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from zoombridge.errors import RulesInvalid
from zoombridge.privacy.paths import JsonPath
from zoombridge.privacy.rules import (
    Decision,
    EndpointRule,
    RulesFile,
    Transform,
    disallowed_query,
    rule_error,
)
from zoombridge.privacy.schema import Node, SchemaError, compile_schema, schema_paths
from zoombridge.privacy.templates import PathTemplate, TemplateError

__all__ = ["CompiledRules", "CompiledTransform", "Endpoint", "compile_rules"]


@dataclass(frozen=True)
class CompiledTransform:
    spec: Transform
    paths: tuple[JsonPath, ...]


@dataclass(frozen=True)
class Endpoint:
    template: PathTemplate
    methods: frozenset[str]
    query: frozenset[str]
    schema: Node
    transforms: tuple[CompiledTransform, ...]

    @property
    def path(self) -> str:
        return self.template.text

    @property
    def needs_encryption_key(self) -> bool:
        return any(_reversible(item.spec) for item in self.transforms)


def _reversible(spec: Transform) -> bool:
    options = getattr(spec, "options", None)
    return bool(options and (options().reversible or options().domain == "encrypt"))


class CompiledRules:
    def __init__(self, source: str, model: RulesFile, endpoints: list[Endpoint]) -> None:
        self.source = source
        self.model = model
        self.endpoints = tuple(endpoints)
        self.sha256 = model.sha256()

    @property
    def needs_encryption_key(self) -> bool:
        return any(endpoint.needs_encryption_key for endpoint in self.endpoints)

    def decide(self, method: str, target: str) -> Decision:
        """Whether `method target` (raw path and optional `?query`) may pass, and by which rule."""
        path, _, query = target.partition("?")
        matched = [(e, p) for e in self.endpoints if (p := e.template.match(path)) is not None]
        if not matched:
            return Decision(403, "no rule allows this path")
        for endpoint, params in matched:
            if method.upper() in endpoint.methods:
                bad = disallowed_query(query, endpoint.query)
                if bad is not None:
                    return Decision(403, f"query parameter {bad!r} is not allowed here")
                return Decision(200, endpoint=endpoint, params=params)
        return Decision(405, f"{method.upper()} is not allowed on {matched[0][0].path}")

    def endpoint_for(self, method: str, target: str) -> Endpoint | None:
        decision = self.decide(method, target)
        return decision.endpoint if decision.allowed else None


def compile_rules(source: str, model: RulesFile) -> CompiledRules:
    endpoints = [
        _compile_endpoint(source, index, rule, model.definitions)
        for index, rule in enumerate(model.endpoints)
    ]
    _refuse_overlaps(source, endpoints)
    return CompiledRules(source, model, endpoints)


def _compile_endpoint(
    source: str, index: int, rule: EndpointRule, definitions: Mapping[str, object]
) -> Endpoint:
    try:
        template = PathTemplate(rule.path)
        schema = compile_schema(rule.response, definitions)
    except (TemplateError, SchemaError) as exc:
        raise rule_error(source, index, rule.path, str(exc)) from None
    kept = [list(place) for place in schema_paths(schema)]
    transforms = []
    for number, spec in enumerate(rule.transforms):
        paths = tuple(JsonPath(text) for text in spec.paths)
        for path in paths:
            if not any(path.matches(place) for place in kept):
                raise rule_error(
                    source,
                    index,
                    rule.path,
                    f"transforms[{number}] ({spec.action}) path {path.text} selects nothing the "
                    "response schema keeps (unlisted fields are dropped before transforms run)",
                )
        transforms.append(CompiledTransform(spec, paths))
    methods = frozenset(rule.methods)
    return Endpoint(template, methods, frozenset(rule.query), schema, tuple(transforms))


def _refuse_overlaps(source: str, endpoints: list[Endpoint]) -> None:
    for first, one in enumerate(endpoints):
        for second in range(first + 1, len(endpoints)):
            other = endpoints[second]
            if one.methods & other.methods and one.template.overlaps(other.template):
                raise RulesInvalid(
                    source,
                    f"endpoints[{first}] ({one.path}) and endpoints[{second}] ({other.path}) "
                    "can match the same request; make the paths distinct or use typed "
                    "parameters ({id:int}, {id:meeting})",
                )
