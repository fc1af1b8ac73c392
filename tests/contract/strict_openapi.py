"""Strict contract checks against Zoom's own OpenAPI documents.

The client (`zoombridge.zoom`) and the emulator (`zoombridge.emulator`) are both checked against
the documents Zoom publishes on its API Hub (vendored, gzip-compressed, in `zoom-api/`), never
against each other. Zoom's schemas mark almost nothing `required` and allow any extra field, so
validating against them as written accepts nearly any JSON. This module makes them strict before
handing them to a real validator (`openapi-schema-validator` for the OpenAPI 3.0 REST documents,
`jsonschema` Draft 2020-12 for the OpenAPI 3.1 webhook documents):

1. `allOf` whose members are objects is flattened into one object (properties and `required`
   merged), everywhere: inside `items`, `properties`, `oneOf`/`anyOf` members.
2. Every object schema that declares `properties` gets `additionalProperties: false`, unless Zoom
   declared `additionalProperties` itself.
3. Enums, formats, `nullable`, maxima stay as Zoom wrote them. Where Zoom's document is provably
   wrong, the rule is relaxed in one place only: `RELAXATIONS`, one commented row per exception.
4. The fields Zoom always sends (`ALWAYS_SENT`, per operationId or webhook event and per JSON
   location) become `required`; documented exemptions (recording files of type CC or TIMELINE
   carry no id, status, file_size, recording_type or play_url) are expressed with `Exempt`.

Public API: `ZoomContract.load()`, `operation_for`, `check_request`, `check_response`,
`check_webhook`, and `ContractViolation` (an AssertionError listing every problem with its JSON
path). `strictify` is exposed for its own unit test.

Layout: the tables are in `contract_tables` (`ALWAYS_SENT`, the error model) and
`contract_relaxations` (`RELAXATIONS`), the schema helpers (1.-4.) in `contract_schema`, path
matching in `contract_paths`, readable problems in `contract_problems`. Their public names are
re-exported here.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from contract_paths import PathTemplate, api_path, match_path, path_templates
from contract_problems import describe, describe_at, sorted_errors
from contract_relaxations import RELAXATIONS, Relaxation
from contract_schema import (
    load_json,
    relax,
    resolve_webhook_refs,
    strictify,
    success_status,
    tighten,
)
from contract_tables import (
    ALWAYS_SENT,
    API_FILES,
    CC_TIMELINE_EXEMPTION,
    ERROR_BODY_SCHEMA,
    JSON,
    PENDING_USER_EXEMPTION,
    REQUEST,
    UNIVERSAL_ERRORS,
    URL_VALIDATION_SCHEMA,
    VENDORED_DIR,
    WEBHOOK_FILES,
    Exempt,
)
from jsonschema import Draft202012Validator, FormatChecker
from openapi_schema_validator import OAS30Validator, oas30_format_checker, oas31_format_checker

__all__ = [
    "ALWAYS_SENT",
    "API_FILES",
    "CC_TIMELINE_EXEMPTION",
    "ERROR_BODY_SCHEMA",
    "JSON",
    "PENDING_USER_EXEMPTION",
    "RELAXATIONS",
    "REQUEST",
    "UNIVERSAL_ERRORS",
    "URL_VALIDATION_SCHEMA",
    "VENDORED_DIR",
    "WEBHOOK_FILES",
    "ContractViolation",
    "Exempt",
    "Operation",
    "Relaxation",
    "ZoomContract",
    "strictify",
]

#: Formats asserted in webhook bodies: jsonschema's (date-time, email, ...) plus OpenAPI's int32,
#: int64, float and double. Formats nobody defines ("email or name", "date_time") are ignored.
_WEBHOOK_FORMATS: Final[FormatChecker] = oas31_format_checker


# --------------------------------------------------------------------------------------------
# Errors and results
# --------------------------------------------------------------------------------------------


class ContractViolation(AssertionError):
    """A request, response or webhook body that Zoom's documents do not allow.

    `problems` lists every problem found, each starting with the JSON path it concerns.
    """

    def __init__(self, subject: str, problems: Sequence[str]) -> None:
        self.subject = subject
        self.problems: tuple[str, ...] = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        count = len(self.problems)
        super().__init__(f"{subject}: {count} contract problem{'s' * (count != 1)}\n{lines}")


@dataclass(frozen=True)
class Operation:
    """One documented REST operation, as matched from a concrete URL."""

    api: str  # "meetings" | "users" | "accounts" | "phone"
    method: str  # upper case
    path: str  # Zoom's path template, e.g. "/meetings/{meetingId}/recordings"
    operation_id: str
    #: path parameters of the matched URL, percent-decoded (twice for double-encoded UUIDs)
    path_params: Mapping[str, str] = field(default_factory=dict, compare=False)


# --------------------------------------------------------------------------------------------
# The contract
# --------------------------------------------------------------------------------------------


class ZoomContract:
    """Zoom's REST and webhook documents, made strict, with checks for concrete traffic."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._templates: dict[int, list[PathTemplate]] = {}
        self._ops_by_id: dict[str, Mapping[str, JSON]] = {}  # operationId -> operation
        self._webhooks: dict[str, Mapping[str, JSON]] = {}
        self._validators: dict[tuple[str, str], Any] = {}
        for api, filename in API_FILES.items():
            self._index_api(api, load_json(directory / filename))
        for bucket in self._templates.values():
            bucket.sort(key=lambda t: -t.literal_count)  # most literal first; stable otherwise
        for filename in WEBHOOK_FILES:
            document = load_json(directory / filename)
            for event, item in document["webhooks"].items():
                self._webhooks[event] = resolve_webhook_refs(item, document["webhooks"])
        self._build_table_validators()

    @classmethod
    def load(cls, directory: Path = VENDORED_DIR) -> ZoomContract:
        """The contract for the documents in `directory`, built once per process."""
        return _load_contract(Path(directory).resolve())

    # ---- indexing ---------------------------------------------------------------------------

    def _index_api(self, api: str, document: Mapping[str, JSON]) -> None:
        for template in path_templates(api, document):
            self._templates.setdefault(len(template.segments), []).append(template)
            for op in template.methods.values():
                self._ops_by_id[op["operationId"]] = op

    def _build_table_validators(self) -> None:
        """Build every schema the tables touch now, so a typo in a table fails at load time."""
        targets = set(ALWAYS_SENT) | {r.target for r in RELAXATIONS}
        for key in sorted(targets):
            if key.endswith(REQUEST) and key.removesuffix(REQUEST) in self._ops_by_id:
                operation_id = key.removesuffix(REQUEST)
                self._request_validator(operation_id, self._ops_by_id[operation_id])
            elif key in self._webhooks:
                self._webhook_validator(key)
            elif key in self._ops_by_id:
                op = self._ops_by_id[key]
                self._response_validator(key, op, success_status(key, op))
            else:
                raise LookupError(f"table entry {key!r} is neither an operationId nor an event")

    # ---- path matching ----------------------------------------------------------------------

    def operation_for(self, method: str, url_path: str) -> Operation:
        """The documented operation for a method and a URL or path, with or without /v2."""
        method = method.upper()
        path = api_path(url_path)
        raw_segments = path.removeprefix("/").split("/")
        subject = f"{method} {url_path}"
        if not path.startswith("/") or any(s == "" for s in raw_segments):
            raise ContractViolation(subject, [f"path {path!r} is not documented by Zoom"])
        matched: list[str] = []
        for template in self._templates.get(len(raw_segments), []):  # most literal first
            params = match_path(template, raw_segments)
            if params is None:
                continue
            op = template.methods.get(method)
            if op is not None:
                return Operation(template.api, method, template.path, op["operationId"], params)
            matched.append(f"{template.path} ({', '.join(sorted(template.methods))})")
        if matched:
            raise ContractViolation(
                subject, [f"method {method} is not documented for {' or '.join(matched)}"]
            )
        raise ContractViolation(subject, [f"path {path!r} is not documented by Zoom"])

    # ---- requests ---------------------------------------------------------------------------

    def check_request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> Operation:
        """Check one outgoing API request; return its operation or raise ContractViolation."""
        operation = self.operation_for(method, url)
        op = self._ops_by_id[operation.operation_id]
        hdrs = {k.lower(): v for k, v in headers.items()}
        params = {p["name"]: p for p in op.get("parameters", [])}
        problems = _auth_problems(hdrs)
        problems += self._path_param_problems(operation, params)
        problems += self._query_problems(operation, url, params)
        problems += self._request_body_problems(operation, op, hdrs, body)
        if problems:
            raise ContractViolation(
                f"request {method.upper()} {url} ({operation.operation_id})", problems
            )
        return operation

    def _path_param_problems(
        self, operation: Operation, params: Mapping[str, Mapping[str, JSON]]
    ) -> list[str]:
        problems: list[str] = []
        for name, value in operation.path_params.items():
            param = params.get(name)
            if param is None or param.get("in") != "path":
                problems.append(f"path parameter {name!r} is not documented")
                continue
            problems += self._param_problems(f"path parameter {name!r}", [value], param)
        return problems

    def _query_problems(
        self, operation: Operation, url: str, params: Mapping[str, Mapping[str, JSON]]
    ) -> list[str]:
        """Only documented query parameters, valid values, required ones present."""
        problems: list[str] = []
        values: dict[str, list[str]] = {}
        for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
            values.setdefault(name, []).append(value)
        for name, given in values.items():
            if name == "access_token":
                problems.append(
                    "query parameter 'access_token': tokens must not travel in the URL "
                    "(Zoom answers 401/124 since 2023-02-14); use the Authorization header"
                )
                continue
            param = params.get(name)
            if param is None or param.get("in") != "query":
                documented = sorted(n for n, p in params.items() if p.get("in") == "query")
                problems.append(
                    f"query parameter {name!r} is not documented for {operation.operation_id} "
                    f"(documented: {', '.join(documented) or 'none'})"
                )
                continue
            problems += self._param_problems(f"query parameter {name!r}", given, param)
        for name, param in params.items():
            if param.get("in") == "query" and param.get("required") and name not in values:
                problems.append(f"query parameter {name!r} is required")
        return problems

    def _param_problems(self, label: str, given: list[str], param: Mapping[str, JSON]) -> list[str]:
        schema = param.get("schema", {})
        if schema.get("type") == "array":
            value: JSON = [_coerce(v, schema.get("items", {})) for v in given]
        elif len(given) > 1:
            return [f"{label}: given {len(given)} times, documented as a single value"]
        else:
            value = _coerce(given[0], schema)
        validator = OAS30Validator(strictify(schema), format_checker=oas30_format_checker)
        return [f"{label}: {describe(e)}" for e in sorted_errors(validator, value)]

    def _request_body_problems(
        self,
        operation: Operation,
        op: Mapping[str, JSON],
        hdrs: Mapping[str, str],
        body: bytes | None,
    ) -> list[str]:
        request_body = op.get("requestBody")
        if not body:
            if request_body and request_body.get("required"):
                return ["request body is required"]
            return []
        if not request_body:
            return [f"{operation.operation_id} documents no request body, but one was sent"]
        content = request_body.get("content", {})
        media = hdrs.get("content-type", "").split(";")[0].strip().lower()
        if media not in content:
            return [f"Content-Type {media or 'missing'!r}; documented: {', '.join(content)}"]
        if media != "application/json":
            return []
        try:
            document = json.loads(body)
        except ValueError as exc:
            return [f"request body is not JSON: {exc}"]
        return [
            describe_at(e)
            for e in sorted_errors(self._request_validator(operation.operation_id, op), document)
        ]

    def _request_validator(self, operation_id: str, op: Mapping[str, JSON]) -> Any:
        key = (operation_id, "request")
        if key not in self._validators:
            content = op["requestBody"]["content"]["application/json"]
            schema = relax(f"{operation_id}{REQUEST}", strictify(content.get("schema", {})))
            self._validators[key] = OAS30Validator(schema, format_checker=oas30_format_checker)
        return self._validators[key]

    # ---- responses --------------------------------------------------------------------------

    def check_response(
        self, method: str, url: str, status: int, headers: Mapping[str, str], body: bytes
    ) -> Operation:
        """Check one API response; return its operation or raise ContractViolation."""
        operation = self.operation_for(method, url)
        op = self._ops_by_id[operation.operation_id]
        hdrs = {k.lower(): v for k, v in headers.items()}
        responses: Mapping[str, JSON] = op.get("responses", {})
        media = hdrs.get("content-type", "").split(";")[0].strip().lower()
        if status >= 400:
            problems = _error_response_problems(operation, responses, status, media, body)
        elif str(status) not in responses:
            problems = [
                f"status {status} is not documented for {operation.operation_id} "
                f"(documented: {', '.join(responses)})"
            ]
        else:
            problems = self._response_body_problems(operation, op, status, media, body)
        if problems:
            subject = f"response {status} to {method.upper()} {url} ({operation.operation_id})"
            raise ContractViolation(subject, problems)
        return operation

    def _response_body_problems(
        self, operation: Operation, op: Mapping[str, JSON], status: int, media: str, body: bytes
    ) -> list[str]:
        """The body of a documented success (or other non-error) status."""
        content = op["responses"][str(status)].get("content") or {}
        if status == 204 or not content:
            if body:
                return [f"status {status} documents no body, but {len(body)} bytes were sent"]
            return []
        if "application/json" not in content:
            return []
        problems: list[str] = []
        if media != "application/json":
            problems.append(f"Content-Type {media or 'missing'!r}, expected application/json")
        try:
            document = json.loads(body)
        except ValueError as exc:
            return [*problems, f"body is not JSON: {exc}"]
        validator = self._response_validator(operation.operation_id, op, str(status))
        return problems + [describe_at(e) for e in sorted_errors(validator, document)]

    def _response_validator(self, operation_id: str, op: Mapping[str, JSON], status: str) -> Any:
        key = (operation_id, status)
        if key not in self._validators:
            response = op["responses"][status]
            schema = strictify(response["content"]["application/json"].get("schema", {}))
            if status == success_status(operation_id, op):
                schema = tighten(operation_id, schema)
            self._validators[key] = OAS30Validator(schema, format_checker=oas30_format_checker)
        return self._validators[key]

    # ---- webhooks ---------------------------------------------------------------------------

    def check_webhook(self, body: bytes) -> str:
        """Check one webhook request body; return its event name or raise ContractViolation."""
        try:
            document = json.loads(body)
        except ValueError as exc:
            raise ContractViolation("webhook", [f"body is not JSON: {exc}"]) from None
        event = document.get("event") if isinstance(document, dict) else None
        if not isinstance(event, str):
            raise ContractViolation("webhook", ["$: no string 'event' field"])
        if event == "endpoint.url_validation":
            validator = Draft202012Validator(URL_VALIDATION_SCHEMA)
        elif event in self._webhooks:
            validator = self._webhook_validator(event)
        else:
            raise ContractViolation(
                f"webhook {event}", [f"event {event!r} is not documented by Zoom"]
            )
        problems = [describe_at(e) for e in sorted_errors(validator, document)]
        if problems:
            raise ContractViolation(f"webhook {event}", problems)
        return event

    def _webhook_validator(self, event: str) -> Any:
        key = (event, "webhook")
        if key not in self._validators:
            post = self._webhooks[event]["post"]
            schema = strictify(post["requestBody"]["content"]["application/json"]["schema"])
            schema = tighten(event, schema)
            self._validators[key] = Draft202012Validator(schema, format_checker=_WEBHOOK_FORMATS)
        return self._validators[key]

    @property
    def webhook_events(self) -> frozenset[str]:
        return frozenset(self._webhooks)


@functools.cache
def _load_contract(directory: Path) -> ZoomContract:
    return ZoomContract(directory)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _auth_problems(hdrs: Mapping[str, str]) -> list[str]:
    """Authorization: Bearer, never a token in the URL (Zoom rejects it since 2023-02-14)."""
    auth = hdrs.get("authorization", "")
    if re.fullmatch(r"Bearer [^\s]+", auth):
        return []
    shown = "missing" if not auth else f"{auth.split(' ')[0]!r} scheme"
    return [f"header Authorization: 'Bearer <access token>' required ({shown})"]


def _coerce(text: str, schema: Mapping[str, JSON]) -> JSON:
    """A query/path string as the JSON value its schema describes (left as text if invalid)."""
    kind = schema.get("type")
    if kind == "integer" and re.fullmatch(r"-?\d+", text):
        return int(text)
    if kind == "number" and re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", text):
        return float(text)
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _error_response_problems(
    operation: Operation, responses: Mapping[str, JSON], status: int, media: str, body: bytes
) -> list[str]:
    """An error status (>= 400): documented for the operation or universal, with a Zoom body."""
    documented = str(status) in responses
    allowed_codes = None if documented else UNIVERSAL_ERRORS.get(status)
    problems: list[str] = []
    if not documented and status not in UNIVERSAL_ERRORS:
        problems.append(
            f"status {status} is not documented for {operation.operation_id} "
            f"(documented: {', '.join(responses)}; 429 and 401/124 are always allowed)"
        )
    return problems + _error_body_problems(media, body, allowed_codes)


def _error_body_problems(media: str, body: bytes, codes: frozenset[int] | None) -> list[str]:
    if media != "application/json":
        return [f"error Content-Type {media or 'missing'!r}, expected application/json"]
    try:
        document = json.loads(body)
    except ValueError as exc:
        return [f"error body is not JSON: {exc}"]
    validator = OAS30Validator(ERROR_BODY_SCHEMA)
    problems = [describe_at(e) for e in sorted_errors(validator, document)]
    if not problems and codes and document.get("code") not in codes:
        problems.append(
            f"$.code: {document.get('code')!r} not allowed here (expected one of {sorted(codes)})"
        )
    return problems
