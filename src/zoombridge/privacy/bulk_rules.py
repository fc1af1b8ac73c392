"""Rules of the bulk sanitizer: which columns (CSV) or top-level fields (NDJSON) to keep,
rename, duplicate, pseudonymize or redact. Psoxy's column-rule keys work unchanged:

    columnsToPseudonymize: [Email, User Name]     # a missing column is an error...
    columnsToPseudonymizeIfPresent: [Manager]     # ...unless it is listed here
    columnsToRedact: [Department]
    columnsToInclude: [Email, Meetings]           # allow-list (absent: every column)
    columnsToRename: {Email: email}               # renamed in place
    columnsToDuplicate: {Email: Email Original}   # copy appended (pseudonymized if listed)
    pseudonymFormat: URL_SAFE_TOKEN               # or JSON | URL_SAFE_HASH_ONLY

Header names match case-insensitively after trimming; the output keeps the header's own
spelling. Column lists may name a column by its original or its new name. NDJSON records may
also carry a `schema` and `transforms` exactly as in API rules (applied first).
zoombridge-only options: `email_domain`, `ignore_dots`, `reversible`, and `shuffle_chunk: 500`
(rows shuffled in chunks of that many, so a row's position says nothing about who it is;
Psoxy always shuffles in chunks of 500, zoombridge keeps the order unless asked).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from zoombridge.errors import InvalidInput, RulesInvalid
from zoombridge.privacy.formats import DomainHandling, Encoding, PseudonymOptions
from zoombridge.privacy.rules import Transform, shorthand_transform
from zoombridge.privacy.rules_yaml import read_rules_file, read_yaml

__all__ = ["BulkRules", "ColumnPlan", "MissingColumns", "load_bulk_rules"]

MAX_SHUFFLE_CHUNK = 100_000  # rows held in memory to shuffle
_ENCODINGS = {"URL_SAFE_TOKEN": Encoding.TOKEN, "JSON": Encoding.JSON}
_ENCODINGS["URL_SAFE_HASH_ONLY"] = Encoding.HASH_ONLY


class MissingColumns(InvalidInput):
    """Columns the rules require are not in the file's header."""


class BulkRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    pseudonymize: list[str] = Field(default=[], alias="columnsToPseudonymize")
    pseudonymize_if_present: list[str] = Field(default=[], alias="columnsToPseudonymizeIfPresent")
    redact: list[str] = Field(default=[], alias="columnsToRedact")
    include: list[str] | None = Field(default=None, alias="columnsToInclude")
    rename: dict[str, str] = Field(default={}, alias="columnsToRename")
    duplicate: dict[str, str] = Field(default={}, alias="columnsToDuplicate")
    pseudonym_format: Literal["URL_SAFE_TOKEN", "JSON", "URL_SAFE_HASH_ONLY"] | None = Field(
        default=None, alias="pseudonymFormat"
    )
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    shuffle_chunk: int = Field(default=0, ge=0, le=MAX_SHUFFLE_CHUNK)
    email_domain: DomainHandling = DomainHandling.KEEP
    ignore_dots: bool = False
    reversible: bool = False
    record_schema: Any = Field(default=None, alias="schema")
    transforms: list[Transform] = []

    @field_validator("transforms", mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        return [shorthand_transform(item) for item in value] if isinstance(value, list) else value

    def options(self, format_name: str) -> PseudonymOptions:
        """Psoxy's default encoding is JSON; zoombridge's is the URL-safe token."""
        default = Encoding.JSON if format_name == "psoxy" else Encoding.TOKEN
        encoding = _ENCODINGS[self.pseudonym_format] if self.pseudonym_format else default
        return PseudonymOptions(self.reversible, encoding, self.email_domain, self.ignore_dots)


def _key(name: str) -> str:
    return name.strip().casefold()


@dataclass(frozen=True)
class ColumnPlan:
    """For one header: the output header and, per output column, (source index, pseudonymize)."""

    header: tuple[str, ...]
    columns: tuple[tuple[int, bool], ...]

    @classmethod
    def for_header(cls, header: list[str], rules: BulkRules, *, require: bool = True) -> ColumnPlan:
        renamed = [rules_rename(rules).get(_key(name), name.strip()) for name in header]
        names = {**{_key(n): i for i, n in enumerate(header)}}
        names.update({_key(n): i for i, n in enumerate(renamed)})
        copies_made = {_key(copy) for copy in rules.duplicate.values()}
        missing = [
            name
            for name in rules.pseudonymize
            if _key(name) not in names and _key(name) not in copies_made
        ]
        if missing and require:
            raise MissingColumns(
                f"columns to pseudonymize are not in the header: {', '.join(missing)} "
                "(list optional ones under columnsToPseudonymizeIfPresent)"
            )
        chosen = {
            names[_key(n)]
            for n in [*rules.pseudonymize, *rules.pseudonymize_if_present]
            if _key(n) in names
        }
        dropped = {names[_key(n)] for n in rules.redact if _key(n) in names}
        included = (
            None
            if rules.include is None
            else {names[_key(n)] for n in rules.include if _key(n) in names}
        )
        out: list[tuple[str, int, bool]] = [
            (renamed[i], i, i in chosen)
            for i in range(len(header))
            if i not in dropped and (included is None or i in included)
        ]
        copies = sorted(
            (copy, names[_key(src)]) for src, copy in rules.duplicate.items() if _key(src) in names
        )
        for copy, source in copies:
            out.append((copy, source, _key(copy) in {_key(n) for n in rules.pseudonymize}))
        return cls(tuple(n for n, _, _ in out), tuple((i, p) for _, i, p in out))


def rules_rename(rules: BulkRules) -> dict[str, str]:
    return {_key(old): new for old, new in rules.rename.items()}


def load_bulk_rules(path: Path) -> BulkRules:
    """Bulk rules from a YAML (or JSON) file, with the same hostile-input checks as API rules."""
    data = read_rules_file(path)
    document = read_yaml(data, str(path))
    if not isinstance(document, dict):
        raise RulesInvalid(str(path), "bulk rules are a mapping (columnsToPseudonymize: [...])")
    try:
        return BulkRules.model_validate(document)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()[:10]
        ]
        raise RulesInvalid(str(path), "; ".join(problems)) from None
