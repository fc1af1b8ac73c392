"""Rules files: good ones load, malformed and hostile ones are refused with the place named;
the URL grammar allows what Zoom sends and nothing more."""

from __future__ import annotations

from pathlib import Path

import pytest

from zoombridge.errors import RulesInvalid
from zoombridge.privacy.rules_yaml import MAX_RULES_BYTES, default_rules, load_rules, parse_rules
from zoombridge.privacy.templates import PathTemplate, is_meeting_uuid

GOOD = """
version: 1
definitions:
  Person: {id: string, email: string}
endpoints:
  - path: /v2/users
    query: [page_size, next_page_token]
    response:
      next_page_token: string
      users: [{$ref: Person}]
    transforms:
      - pseudonymize_reversibly: $.users[*].id
      - pseudonymize: ["$.users[*].email"]
        ignore_dots: true
        email_domain: hash
  - path: /v2/past_meetings/{meetingId:meeting}
    response: {uuid: string, topic: string}
    transforms:
      - redact: $.topic
"""

ENDPOINT = "endpoints:\n - path: /v2/users\n   response: {a: string}\n"


def test_good_rules_load() -> None:
    rules = parse_rules(GOOD, "good.yaml")
    assert [e.path for e in rules.endpoints] == [
        "/v2/users",
        "/v2/past_meetings/{meetingId:meeting}",
    ]
    assert rules.needs_encryption_key
    assert len(rules.sha256) == 64
    assert rules.sha256 == parse_rules(GOOD).sha256


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ENDPOINT + "   bogus: 1\n", r"endpoints\[0\] \(/v2/users\)\.bogus: Extra inputs"),
        ("endpoints: []", "at least 1 item"),
        ("version: 2\n" + ENDPOINT, "version"),
        ("[1, 2]", "a mapping with `endpoints:`"),
        ("endpoints:\n - path: v2/users\n   response: {a: string}\n", "must start with /"),
        ("endpoints:\n - path: /v2/users/\n   response: {a: string}\n", "no trailing /"),
        (
            "endpoints:\n - path: /v2/{x:weird}\n   response: {a: string}\n",
            "unknown parameter kind",
        ),
        (ENDPOINT.replace("string", "strng"), r"response\.a: unknown type 'strng'"),
        (ENDPOINT.replace("{a: string}", "{a: [string, string]}"), "exactly one item"),
        (ENDPOINT + "   methods: [get]\n", "capitals"),
        (ENDPOINT + "   transforms:\n   - redact: $.b\n", r"path \$\.b selects nothing"),
        (ENDPOINT + "   transforms:\n   - redact: users.a\n", "starts with \\$"),
        (ENDPOINT + "   transforms:\n   - shout: $.a\n", "transforms"),
        (
            ENDPOINT + "   transforms:\n   - redact_regex: $.a\n     patterns: ['(']\n",
            "not a regular",
        ),
        (ENDPOINT + "   transforms:\n   - pseudonymize: $.a\n     encoding: b64\n", "encoding"),
        (ENDPOINT + "   transforms:\n   - pseudonymize: $.a\n     salt: s3cret\n", "salt: Extra"),
        (ENDPOINT + " - path: /v2/users\n   response: {b: string}\n", "can match the same request"),
        (
            "endpoints:\n - path: /v2/users/{id}\n   response: {a: string}\n"
            " - path: /v2/users/me\n   response: {a: string}\n",
            r"endpoints\[0\] \(/v2/users/\{id\}\) and endpoints\[1\]",
        ),
        (
            "definitions:\n  A: {b: {$ref: A}}\n"
            "endpoints:\n - path: /v2/x\n   response: {$ref: A}\n",
            "refer to themselves",
        ),
        ("endpoints:\n - path: /v2/x\n   response: {$ref: Missing}\n", "not in definitions"),
        ("endpoints: [\n", "line"),
    ],
)
def test_malformed_rules_are_refused_naming_the_place(text: str, message: str) -> None:
    with pytest.raises(RulesInvalid, match=message) as caught:
        parse_rules(text, "rules.yaml")
    assert str(caught.value).startswith("rules.yaml")


def test_overlap_is_fine_for_different_methods() -> None:
    text = ENDPOINT + " - path: /v2/users\n   methods: [POST]\n   response: {b: string}\n"
    assert len(parse_rules(text).endpoints) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n', "anchors and aliases are not allowed"),
        ("endpoints: !!python/object/apply:os.system ['true']\n", "constructor"),
        (ENDPOINT + "endpoints: []\n", "appears twice"),
        ("a: " + "[" * 100 + "]" * 100 + "\n", "nested deeper"),
        (b"endpoints: \xff\xfe\n", "not UTF-8"),
    ],
)
def test_hostile_rules_are_refused(text: str | bytes, message: str) -> None:
    with pytest.raises(RulesInvalid, match=message):
        parse_rules(text, "hostile.yaml")


def test_huge_rules_files_are_refused_before_parsing(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"# padding\n" * (MAX_RULES_BYTES // 10 + 1))
    with pytest.raises(RulesInvalid, match="larger than"):
        load_rules(huge)
    with pytest.raises(RulesInvalid, match="cannot read"):
        load_rules(tmp_path / "missing.yaml")


UUIDS = {
    "plain": "4444AAAiAAAAAiAiAiiAii==",
    "slash-once": "4HnRuYc3bwe8uBKH%2FcjAOA==",
    "slash-twice": "4HnRuYc3bwe8uBKH%252FcjAOA%253D%253D",
    "slash-literal": "4HnRuYc3bwe8uBKH/cjAOA==",
    "equals-once": "ijSIjTlsqzuA0n9Y3xEaOw%3D%3D",
}


@pytest.mark.parametrize("uuid", UUIDS.values(), ids=UUIDS.keys())
def test_meeting_uuids_in_every_spelling_zoom_uses(uuid: str) -> None:
    rules = default_rules()
    for suffix in ("", "/instances", "/participants", "/meeting_summary"):
        base = "/v2/meetings" if suffix == "/meeting_summary" else "/v2/past_meetings"
        decision = rules.decide("GET", f"{base}/{uuid}{suffix}")
        assert decision.allowed, (uuid, suffix, decision.reason)
        assert decision.endpoint.path.endswith(suffix or "}")
    assert rules.decide("GET", f"/v2/report/meetings/{uuid}/participants").allowed


@pytest.mark.parametrize(
    "target",
    [
        "/v2/users/",  # trailing slash
        "/v2/users//meetings",
        "/v2//users",
        "/v2/past_meetings/a/b/c==",  # two literal slashes
        "/v2/past_meetings/4HnRuYc3bwe8uBKH/cjAOA==/registrants",  # an extra segment
        "/v2/past_meetings/1234/participants/abc",
        "/v2/meetings/1234/recordings",
        "/v2/meetings/1234/registrants",
        "/v2/meetings/1234/polls/5",
        "/v2/meetings",
        "/v2/past_meetings/not-a-uuid!",
        "/v2/past_meetings/%2e%2e",
        "/v2/users/%2e%2e/meetings",
        "/v2/accounts",
        "/v2/users/abc/settings",
        "/v2/USERS",
        "/users",
        "",
    ],
)
def test_paths_outside_the_grammar_are_denied(target: str) -> None:
    assert default_rules().decide("GET", target).status == 403


def test_methods_and_query_parameters_are_default_deny() -> None:
    rules = default_rules()
    assert rules.decide("GET", "/v2/users?page_size=30&next_page_token=x").allowed
    assert rules.decide("HEAD", "/v2/users").allowed
    assert rules.decide("get", "/v2/users").allowed
    for method in ("POST", "DELETE", "PATCH", "PUT"):
        assert rules.decide(method, "/v2/users").status == 405
    denied = rules.decide("GET", "/v2/users?page_size=30&include_fields=custom_attributes")
    assert denied.status == 403
    assert "include_fields" in denied.reason
    assert rules.decide("GET", "/v2/past_meetings/1234?x=1").status == 403


def test_reversible_tokens_are_accepted_as_user_ids() -> None:
    rules = default_rules()
    token = "zp~" + "A" * 80
    assert rules.decide("GET", f"/v2/users/{token}/meetings").allowed
    assert rules.decide("GET", f"/v2/users/p~{'b' * 64}@example.edu/recordings").allowed


def test_uuid_grammar_directly() -> None:
    assert is_meeting_uuid("ijSIjTlsqzuA0n9Y3xEaOw==")
    assert not is_meeting_uuid("ijSIjTlsqzuA0n9Y3xEaOw")  # no padding: not 16 bytes
    assert not is_meeting_uuid("ijSIjTlsqzuA0n9Y3xEaOw==A")
    assert not is_meeting_uuid("ij/SIjTlsqzuA0n9Y3/xEaOw==")
    template = PathTemplate("/v2/past_meetings/{id:meeting}")
    assert template.match("/v2/past_meetings/4HnRuYc3bwe8uBKH/cjAOA==") == {
        "id": "4HnRuYc3bwe8uBKH/cjAOA=="
    }
    assert template.match("/v2/past_meetings/98046899778") == {"id": "98046899778"}
