"""Zoom's REST path templates and matching concrete URLs against them (see `strict_openapi`)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from contract_tables import JSON

_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class PathTemplate:
    """One documented path of one API, with the operations of each method."""

    api: str
    path: str
    regexes: tuple[re.Pattern[str] | None, ...]  # None: literal segment
    segments: tuple[str, ...]
    literal_count: int
    methods: Mapping[str, Mapping[str, JSON]]  # METHOD -> operation object


def path_templates(api: str, document: Mapping[str, JSON]) -> Iterator[PathTemplate]:
    """The templates of every path in an OpenAPI document, in document order."""
    for path, item in document["paths"].items():
        methods = {m.upper(): op for m, op in item.items() if m in _HTTP_METHODS}
        segments = tuple(path.strip("/").split("/"))
        regexes = tuple(
            re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(s)) + "$")
            if "{" in s
            else None
            for s in segments
        )
        yield PathTemplate(
            api=api,
            path=path,
            regexes=regexes,
            segments=segments,
            literal_count=sum(r is None for r in regexes),
            methods=methods,
        )


def api_path(url_or_path: str) -> str:
    """The path of a URL or path without query and without the /v2 prefix."""
    path = urlsplit(url_or_path).path if "://" in url_or_path else url_or_path.split("?")[0]
    if path == "/v2" or path.startswith("/v2/"):
        path = path[3:]
    return path


def match_path(template: PathTemplate, raw_segments: list[str]) -> dict[str, str] | None:
    """The decoded path parameters if the segments match the template, else None."""
    params: dict[str, str] = {}
    for raw, literal, regex in zip(raw_segments, template.segments, template.regexes, strict=True):
        if regex is None:
            if unquote(raw) != literal:
                return None
            continue
        found = regex.match(raw)
        if found is None:
            return None
        for name, value in found.groupdict().items():
            params[name] = _decode_segment(value)
    return params


def _decode_segment(raw: str) -> str:
    """Percent-decode a path segment; double-encoded UUIDs ('%252F…') are decoded twice."""
    once = unquote(raw)
    return unquote(once) if "%25" in raw.upper() else once
