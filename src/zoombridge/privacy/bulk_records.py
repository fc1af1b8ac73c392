"""NDJSON records through bulk rules: the record schema and transforms (as in API rules),
then the column rules on top-level fields. A field the column rules name may be absent from a
record (JSON omits what is empty); a field to pseudonymize that holds an object, an array
or a boolean makes the row malformed rather than leak or be guessed at."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zoombridge.errors import InvalidInput
from zoombridge.privacy.bulk_rules import BulkRules, ColumnPlan
from zoombridge.privacy.canonical import scalar_text
from zoombridge.privacy.endpoints import Endpoint, compile_rules
from zoombridge.privacy.formats import Pseudonymizer
from zoombridge.privacy.rules import EndpointRule, RulesFile
from zoombridge.privacy.transform import Sanitizer

__all__ = ["RecordRules"]

MAX_CACHED_PLANS = 256


class RecordRules:
    """`pseudonym` gives a column value's pseudonym (the bulk run's memo, with the rules'
    options); `pseudonymizer` serves the record transforms, which carry their own options."""

    def __init__(
        self, rules: BulkRules, pseudonymizer: Pseudonymizer, pseudonym: Callable[[str], str]
    ) -> None:
        self._rules = rules
        self._pseudonym = pseudonym
        self._sanitizer = Sanitizer(pseudonymizer)
        self._endpoint = _record_endpoint(rules)
        self._plans: dict[tuple[str, ...], ColumnPlan] = {}

    def apply(self, record: Any) -> tuple[str | None, Any]:
        """(problem, None) for a malformed record, else (None, the sanitized record)."""
        if not isinstance(record, dict):
            return "not a JSON object", None
        if self._endpoint is not None:
            record = self._sanitizer.document(record, self._endpoint)
        names = list(record)
        plan = self._plan(tuple(names))
        values = list(record.values())
        cleaned: dict[str, Any] = {}
        for name, (index, hide) in zip(plan.header, plan.columns, strict=True):
            value = values[index]
            if hide and value not in (None, ""):
                text = scalar_text(value)
                if text is None:
                    return f"field {names[index]!r} is not text or a number", None
                value = self._pseudonym(text)
            cleaned[name] = value
        return None, cleaned

    def _plan(self, names: tuple[str, ...]) -> ColumnPlan:
        plan = self._plans.get(names)
        if plan is None:
            plan = ColumnPlan.for_header(list(names), self._rules, require=False)
            if len(self._plans) >= MAX_CACHED_PLANS:
                self._plans.clear()
            self._plans[names] = plan
        return plan


def _record_endpoint(rules: BulkRules) -> Endpoint | None:
    if rules.record_schema is None:
        if rules.transforms:
            raise InvalidInput("bulk rules: `transforms` need a record `schema` to apply to")
        return None
    rule = EndpointRule(path="/record", response=rules.record_schema, transforms=rules.transforms)
    return compile_rules("bulk rules", RulesFile(endpoints=[rule])).endpoints[0]
