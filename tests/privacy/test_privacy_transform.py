"""The JSON transform: allow-list schema first, then transforms in order, per node."""

from __future__ import annotations

import json

from zoombridge.privacy import Pseudonymizer
from zoombridge.privacy.rules_yaml import parse_rules
from zoombridge.privacy.transform import Sanitizer

RULES = """
endpoints:
  - path: /v2/things
    response:
      id: string
      count: integer
      flag: boolean
      note: string
      url: string
      ip: string
      owner: {email: string, name: string}
      tags: [string]
      people: [{email: string, id: string}]
    transforms:
      - redact: [$.owner.name, "$.tags[1]"]
      - redact_regex: $.url
        patterns: ["(?i)[?&]pwd=[^&#]*"]
      - pseudonymize: $..email
      - pseudonymize_reversibly: "$.people[*].id"
      - digest: $.note
      - hash_ip: $.ip
"""


def _sanitize(document: object, fmt: Pseudonymizer) -> dict:  # type: ignore[type-arg]
    endpoint = parse_rules(RULES).endpoints[0]
    result = Sanitizer(fmt).document(document, endpoint)
    assert isinstance(result, dict)
    return result


def test_every_transform(zoombridge_format: Pseudonymizer) -> None:
    document = {
        "id": "m1",
        "count": 3,
        "flag": True,
        "note": "Quarterly  budget review\nwith Ada",
        "url": "https://zoom.us/j/123?pwd=abc&x=1",
        "ip": "10.0.0.1",
        "owner": {"email": "ada@example.edu", "name": "Ada Lovelace"},
        "tags": ["a", "b", "c"],
        "people": [{"email": "grace@example.edu", "id": "PDRMQYnrLx571dR-RG_Owg"}],
        "topic": "Secret merger",
    }
    out = _sanitize(document, zoombridge_format)
    assert out["id"] == "m1"
    assert out["count"] == 3
    assert out["flag"] is True
    assert "topic" not in out
    assert "name" not in out["owner"]
    assert out["tags"] == ["a", "c"]
    assert out["url"] == "https://zoom.us/j/123&x=1"
    assert out["note"] == {"length": 33, "word_count": 5}
    assert out["ip"] == zoombridge_format.hash_ip_text("10.0.0.1")
    assert out["owner"]["email"] == zoombridge_format.pseudonymize("ada@example.edu")
    person = out["people"][0]
    assert zoombridge_format.reveal(person["id"]) == "PDRMQYnrLx571dR-RG_Owg"
    assert person["email"].endswith("@example.edu")
    assert "grace" not in person["email"]
    assert document["owner"]["name"] == "Ada Lovelace"  # the input is left alone


def test_pii_in_unexpected_places_never_passes(zoombridge_format: Pseudonymizer) -> None:
    document = {
        "id": {"email": "ada@example.edu"},  # an object where a string was declared
        "count": "ada@example.edu",
        "tags": ["ok", {"name": "Ada"}, ["grace@example.edu"], None],
        "owner": ["ada@example.edu"],
        "people": {"email": "ada@example.edu"},
        "extra": {"email": "ada@example.edu"},
        "note": 42,
    }
    out = _sanitize(document, zoombridge_format)
    text = json.dumps(out)
    assert "ada" not in text
    assert "grace" not in text
    assert "Ada" not in text
    assert out["id"] is None
    assert out["count"] is None
    assert out["owner"] is None
    assert out["tags"] == ["ok"]  # index 1 redacted, the mismatches and null dropped
    assert out["note"] is None  # a digest of a number is not a thing


def test_blank_and_null_values_stay_empty(any_format: Pseudonymizer) -> None:
    out = _sanitize({"owner": {"email": ""}, "people": [{"email": None, "id": " "}]}, any_format)
    assert out["owner"]["email"] is None
    assert out["people"] == [{"email": None, "id": None}]


def test_psoxy_digest_is_a_json_string(psoxy_format: Pseudonymizer) -> None:
    out = _sanitize({"note": "a 😀 b"}, psoxy_format)
    assert out["note"] == '{"length":6,"word_count":3}'  # UTF-16 units, as Java counts
    out = _sanitize({"ip": "not an ip"}, psoxy_format)
    assert out["ip"] is None


def test_non_object_documents(zoombridge_format: Pseudonymizer) -> None:
    assert _sanitize_any([1, 2], zoombridge_format) is None
    assert _sanitize_any("ada@example.edu", zoombridge_format) is None


def _sanitize_any(document: object, fmt: Pseudonymizer) -> object:
    return Sanitizer(fmt).document(document, parse_rules(RULES).endpoints[0])


def test_deep_nesting_is_cut(zoombridge_format: Pseudonymizer) -> None:
    text = "endpoints:\n - path: /v2/x\n   response: {a: {$ref: A}}\ndefinitions:\n"
    chain = "a: string"
    for _ in range(20):
        chain = f"a: {{{chain}}}"
    rules = parse_rules(text + f"  A: {{{chain}}}\n")
    document: dict = {"a": "leaf"}  # type: ignore[type-arg]
    for _ in range(21):
        document = {"a": document}
    out = Sanitizer(zoombridge_format).document(document, rules.endpoints[0])
    assert isinstance(out, dict)
