"""Rules: which Zoom endpoints may be called through zoombridge and what of their answers
leaves, with which transforms. Default-deny at every level: an endpoint not listed is
refused, a method not listed is refused (default GET and HEAD), a query parameter not listed
is refused, a response field not in the schema is dropped.

    version: 1
    endpoints:
      - path: /v2/users/{userId}/meetings
        query: [type, page_size, next_page_token, from, to]
        response:
          next_page_token: string
          meetings: [{uuid: string, id: integer, host_id: string, start_time: string}]
        transforms:
          - pseudonymize_reversibly: $.meetings[*].host_id

Transforms (applied in order, after the schema, each to every node its `paths` select):
pseudonymize (options: reversible, encoding token|json|hash_only, email_domain
keep|redact|hash|encrypt, ignore_dots), pseudonymize_reversibly, redact (the member is
removed), redact_regex (patterns: every match deleted), digest (text -> length and word
count), hash_ip. Keys and salts never appear here; they come from settings.

`load_rules` reads YAML (see `rules_yaml` for the hostile-input limits), validates it and
compiles it; every error names the file, the endpoint and the place in it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, field_validator

from zoombridge.errors import RulesInvalid
from zoombridge.privacy.formats import DomainHandling, Encoding, PseudonymOptions
from zoombridge.privacy.paths import JsonPath

if TYPE_CHECKING:
    from zoombridge.privacy.endpoints import Endpoint

__all__ = [
    "ACTIONS",
    "Decision",
    "Digest",
    "EndpointRule",
    "HashIp",
    "Pseudonymize",
    "Redact",
    "RedactRegex",
    "RulesFile",
    "Transform",
    "shorthand_transform",
]

ACTIONS = ("pseudonymize", "pseudonymize_reversibly", "redact", "redact_regex", "digest", "hash_ip")
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MAX_PATTERN = 300


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _TransformBase(_Strict):
    paths: list[str] = Field(min_length=1, max_length=200)

    @field_validator("paths", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("paths")
    @classmethod
    def _paths_parse(cls, value: list[str]) -> list[str]:
        for text in value:
            JsonPath(text)  # raises PathError (a ValueError) with the reason
        return value


class Pseudonymize(_TransformBase):
    action: Literal["pseudonymize", "pseudonymize_reversibly"]
    reversible: bool = False
    encoding: Encoding = Encoding.TOKEN
    email_domain: DomainHandling = DomainHandling.KEEP
    ignore_dots: bool = False

    def options(self) -> PseudonymOptions:
        reversible = self.reversible or self.action == "pseudonymize_reversibly"
        return PseudonymOptions(reversible, self.encoding, self.email_domain, self.ignore_dots)


class Redact(_TransformBase):
    action: Literal["redact"]


class RedactRegex(_TransformBase):
    action: Literal["redact_regex"]
    patterns: list[str] = Field(min_length=1, max_length=50)

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if len(pattern) > MAX_PATTERN:
                raise ValueError(f"a pattern is longer than {MAX_PATTERN} characters")
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"pattern {pattern!r} is not a regular expression: {exc}"
                ) from None
        return value


class Digest(_TransformBase):
    action: Literal["digest"]


class HashIp(_TransformBase):
    action: Literal["hash_ip"]


Transform = Annotated[
    Pseudonymize | Redact | RedactRegex | Digest | HashIp, Field(discriminator="action")
]


def shorthand_transform(item: object) -> object:
    """`{redact: [$.a]}` -> `{action: redact, paths: [$.a]}`; other shapes unchanged."""
    if not isinstance(item, dict) or "action" in item:
        return item
    named = [key for key in item if key in ACTIONS]
    if len(named) != 1:
        return item
    action = named[0]
    rest = {key: value for key, value in item.items() if key != action}
    return {"action": action, "paths": item[action], **rest}


class EndpointRule(_Strict):
    path: str = Field(max_length=300)
    methods: list[str] = Field(default=["GET", "HEAD"], min_length=1)
    query: list[str] = Field(default=[], max_length=100)
    response: Any
    transforms: list[Transform] = Field(default=[], max_length=200)

    @field_validator("methods")
    @classmethod
    def _known_methods(cls, value: list[str]) -> list[str]:
        unknown = [method for method in value if method not in HTTP_METHODS]
        if unknown:
            raise ValueError(f"unknown methods {unknown} (write them in capitals: GET, HEAD)")
        return value

    @field_validator("transforms", mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        return [shorthand_transform(item) for item in value] if isinstance(value, list) else value


class RulesFile(_Strict):
    version: Literal[1] = 1
    definitions: dict[str, Any] = Field(default={}, max_length=500)
    endpoints: list[EndpointRule] = Field(min_length=1, max_length=500)

    def sha256(self) -> str:
        """A digest of the validated rules: what a response's rules-version header names."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Decision:
    """Whether a request may pass: `status` 200, 403 (not allowed) or 405 (method)."""

    status: int
    reason: str = ""
    endpoint: Endpoint | None = None
    params: dict[str, str] | None = None

    @property
    def allowed(self) -> bool:
        return self.status == 200


def disallowed_query(query: str, allowed: frozenset[str]) -> str | None:
    """The first query parameter not in `allowed`, or None when all are."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        return query
    for name, _value in pairs:
        if name not in allowed:
            return name
    return None


def rule_error(source: str, endpoint: int | None, label: str, problem: str) -> RulesInvalid:
    where = source if endpoint is None else f"{source}: endpoints[{endpoint}] ({label})"
    return RulesInvalid(where, problem)
