"""The proxy's compiled plans decide exactly what the generic transform decides: for every
default Zoom rule (and rules naming an array index, which keep the generic walk), on answers
shaped like the schema but with wrong types, nulls, extra members and junk in any place,
the streamed output equals `Sanitizer.document` of the parsed answer, with pseudonyms
computed and remembered alike."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from privacy_helpers import KEY, SALT

from zoombridge.privacy import PrivacyKeys, make_pseudonymizer
from zoombridge.privacy.endpoints import Endpoint
from zoombridge.privacy.plan import Plan, Values
from zoombridge.privacy.rules_yaml import default_rules, parse_rules
from zoombridge.privacy.schema import ArrayNode, LeafNode, Node, ObjectNode
from zoombridge.privacy.stream import JsonStream
from zoombridge.privacy.transform import Sanitizer

INDEXED = b"""
version: 1
endpoints:
  - path: /v2/things
    response:
      things:
        - id: string
          email: string
          tags: [string]
          owner: {email: string, name: string}
    transforms:
      - redact: ["$.things[1].email", "$.things[*].tags[0]"]
      - pseudonymize: ["$..email", "$.things[2].id"]
"""

ENDPOINTS: list[Endpoint] = [
    *default_rules().endpoints,
    *parse_rules(INDEXED, "indexed rules").endpoints,
]
SANITIZER = Sanitizer(make_pseudonymizer("zoombridge", PrivacyKeys.of(SALT, KEY)))

_text = st.sampled_from(["", "  ", "ada@example.edu", "Ada.L+x@Example.EDU", "U-1", 'é\\"x'])
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text
    | st.text(max_size=8)
)
_junk = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)
_LEAVES: dict[str, st.SearchStrategy[Any]] = {
    "string": _text | st.text(max_size=12),
    "integer": st.integers(-(2**40), 2**40),
    "number": st.integers() | st.floats(allow_nan=False, allow_infinity=False),
    "boolean": st.booleans(),
    "scalar": _scalars,
}


def shaped(node: Node, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values shaped like `node`, with now and then something else in its place."""
    if isinstance(node, LeafNode):
        right = _LEAVES[node.kind]
    elif isinstance(node, ArrayNode):
        right = st.lists(shaped(node.item, depth + 1) | st.none(), max_size=4)
    else:
        right = _object(node, depth)
    return st.one_of(right, right, right, right, st.none(), _junk)


def _object(node: ObjectNode, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    fields = {name: shaped(child, depth + 1) for name, child in node.fields.items()}
    extra = st.dictionaries(st.sampled_from(["name", "topic", "x"]) | st.text(max_size=3), _junk)
    members = st.fixed_dictionaries(fields) | st.fixed_dictionaries({}, optional=fields)
    return st.builds(lambda a, b: {**b, **a}, members, extra)


def _streamed(values: Values, plan: Plan, data: bytes, size: int) -> Any:
    stream = JsonStream(values, plan)
    out = b"".join(stream.feed(data[i : i + size]) for i in range(0, len(data), size))
    return json.loads(out + stream.finish())


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.path)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), size=st.sampled_from([3, 50, 1 << 20]))
def test_compiled_plans_equal_the_generic_transform(
    endpoint: Endpoint, data: st.DataObject, size: int
) -> None:
    root = endpoint.schema
    document = data.draw(_object(root, 0) if isinstance(root, ObjectNode) else shaped(root))
    expected = SANITIZER.document(document, endpoint)
    values, plan = Values(SANITIZER), Plan.of(endpoint)
    body = json.dumps(document, ensure_ascii=False).encode()
    assert _streamed(values, plan, body, size) == expected  # pseudonyms computed
    assert _streamed(values, plan, body, size) == expected  # and remembered
    assert values.value(Plan.of(endpoint), document) == expected
