"""The strict Zoom contract: vendored documents, Zoom's own examples, and what it rejects."""

from __future__ import annotations

import copy
import functools
import gzip
import hashlib
import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from strict_openapi import (
    ALWAYS_SENT,
    API_FILES,
    RELAXATIONS,
    VENDORED_DIR,
    WEBHOOK_FILES,
    ContractViolation,
    Exempt,
    ZoomContract,
    strictify,
)

EXAMPLES = VENDORED_DIR / "examples"
WEBHOOK_EXAMPLES = EXAMPLES / "webhooks"
ASSEMBLED = json.loads((EXAMPLES / "responses" / "spec-assembled-examples.json").read_text())
API_ERRORS = json.loads((EXAMPLES / "responses" / "api-errors.json").read_text())["errors"]

AUTH = {"Authorization": "Bearer eyJ.test.token"}
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
DOUBLE_ENCODED_UUID = "%252FajXp112QmuoKj4854875%253D%253D"  # "/ajXp112QmuoKj4854875=="

#: Fix-ups of the assembled examples where the assembler, not Zoom, produced an invalid value.
#: listArchivedFiles complete_time: the assembler took the first anyOf branch (typed object,
#: without example) and wrote {}; the field's own example is "2021-03-12T02:57:27Z".
ASSEMBLY_ARTIFACTS: dict[str, Callable[[Any], None]] = {
    "listArchivedFiles.200": lambda body: body["meetings"][0].update(
        complete_time="2021-03-12T02:57:27Z"
    ),
}

#: The operationIds the brief names, checked against the documents (accountCallHistory is the
#: real id of GET /phone/call_history).
BRIEF_OPERATIONS = (
    "users",
    "user",
    "recordingsList",
    "recordingGet",
    "meetingCreate",
    "meeting",
    "meetings",
    "pastMeetingDetails",
    "pastMeetings",
    "pastMeetingParticipants",
    "reportMeetings",
    "dashboardMeetings",
    "userAssistants",
    "userAssistantCreate",
    "webinarCreate",
    "webinar",
    "getPhoneRecordings",
    "phoneUserRecordings",
    "accountCallHistory",
    "listArchivedFiles",
)
BRIEF_EVENTS = (
    "recording.completed",
    "recording.transcript_completed",
    "recording.trashed",
    "recording.deleted",
    "recording.recovered",
    "meeting.created",
    "meeting.updated",
    "meeting.deleted",
    "phone.recording_completed",
)


def concrete(template: str) -> str:
    """A concrete /v2 URL for a path template (numeric meeting IDs, 'me' for users)."""
    values = {"userId": "me", "meetingId": "85746065", "webinarId": "95204914252"}
    return "/v2" + re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "abc123"), template)


def body_of(value: Any) -> bytes:
    return json.dumps(value).encode()


def violation(action: Callable[[], object]) -> str:
    with pytest.raises(ContractViolation) as caught:
        action()
    return str(caught.value)


def webhook_example(name: str) -> Any:
    return json.loads((WEBHOOK_EXAMPLES / f"{name}.json").read_text())


# ---------------------------------------------------------------------------------------------
# Vendored documents
# ---------------------------------------------------------------------------------------------


def test_vendored_documents_match_the_checksums_in_sources_md() -> None:
    sources = (VENDORED_DIR / "SOURCES.md").read_text()
    sums = dict(re.findall(r"^\|\s*`([\w.-]+\.json)`.*\|\s*([0-9a-f]{64})\s*\|\s*$", sources, re.M))
    assert len(sums) == 6, sums  # the five API Hub copies and the Accounts extract
    for name, expected in sums.items():
        data = gzip.decompress((VENDORED_DIR / f"{name}.gz").read_bytes())
        assert hashlib.sha256(data).hexdigest() == expected, name


def test_vendored_archives_are_reproducible() -> None:
    """gzip -9 -n: no file name and no timestamp in the header, so the bytes never drift."""
    names = [*API_FILES.values(), *WEBHOOK_FILES, "endpoint-index.json.gz"]
    for name in names:
        header = (VENDORED_DIR / name).read_bytes()[:10]
        assert header[:3] == b"\x1f\x8b\x08", name
        assert header[3] & 0x08 == 0, f"{name}: has a file name"
        assert header[4:8] == b"\0\0\0\0", f"{name}: has a timestamp"


def test_load_is_cached_and_fast(zoom_contract: ZoomContract) -> None:
    started = time.perf_counter()
    assert ZoomContract.load() is zoom_contract
    assert time.perf_counter() - started < 0.01


def test_the_brief_operations_and_events_are_covered(zoom_contract: ZoomContract) -> None:
    index = json.loads(gzip.decompress((VENDORED_DIR / "endpoint-index.json.gz").read_bytes()))
    documented = {row["operationId"] for row in index["operations"]}
    for operation_id in BRIEF_OPERATIONS:
        assert operation_id in documented, operation_id
        assert operation_id in ALWAYS_SENT, operation_id
    for event in BRIEF_EVENTS:
        assert event in zoom_contract.webhook_events, event
        assert event in ALWAYS_SENT, event
    call_history = zoom_contract.operation_for("GET", "/v2/phone/call_history")
    assert call_history.operation_id == "accountCallHistory"


def test_every_relaxation_says_why() -> None:
    for relaxation in RELAXATIONS:
        assert len(relaxation.why) > 20, relaxation


# ---------------------------------------------------------------------------------------------
# Zoom's own examples pass
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(ASSEMBLED["responses"]))
def test_assembled_response_examples_pass(zoom_contract: ZoomContract, key: str) -> None:
    example = ASSEMBLED["responses"][key]
    method, template = example["request"].split(" ", 1)
    body = copy.deepcopy(example["body"])
    if key in ASSEMBLY_ARTIFACTS:
        ASSEMBLY_ARTIFACTS[key](body)
    url = concrete(template)
    operation = zoom_contract.check_response(
        method, url, example["status"], JSON_HEADERS, body_of(body)
    )
    assert operation.operation_id == key.split(".")[0]


@pytest.mark.parametrize("key", sorted(ASSEMBLED["requests"]))
def test_assembled_request_examples_pass(zoom_contract: ZoomContract, key: str) -> None:
    example = ASSEMBLED["requests"][key]
    method, template = example["request"].split(" ", 1)
    headers = {**AUTH, **JSON_HEADERS}
    operation = zoom_contract.check_request(
        method, concrete(template), headers, body_of(example["body"])
    )
    assert operation.operation_id == key


def _synthesize(schema: Any) -> Any:
    """A body built from the per-field `example` values of a (strict) schema: every field."""
    if "properties" in schema:
        return {name: _synthesize(sub) for name, sub in schema["properties"].items()}
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "array":
        return [_synthesize(schema.get("items", {}))]
    for branch in schema.get("anyOf", schema.get("oneOf", [])):
        return _synthesize(branch)
    fallback = {"integer": 1, "number": 1.5, "boolean": True, "object": {}}
    formats = {"date-time": "2021-03-18T05:41:36Z", "date": "2021-03-18", "email": "a@example.com"}
    return fallback.get(kind, formats.get(schema.get("format"), "text"))


@functools.cache
def rest_documents() -> dict[str, Any]:
    return {
        api: json.loads(gzip.decompress((VENDORED_DIR / filename).read_bytes()))
        for api, filename in API_FILES.items()
    }


REST_TABLE_KEYS = sorted(key for key in ALWAYS_SENT if "." not in key)


@pytest.mark.parametrize("operation_id", REST_TABLE_KEYS)
def test_zoom_field_examples_satisfy_the_strict_schema(
    zoom_contract: ZoomContract, operation_id: str
) -> None:
    """For every operation in ALWAYS_SENT, a body made of Zoom's per-field examples passes: the
    strict rules (and the always-sent fields) agree with Zoom's own examples."""
    for api, document in rest_documents().items():
        for template, item in document["paths"].items():
            for method, op in item.items():
                if isinstance(op, dict) and op.get("operationId") == operation_id:
                    status, response = next(
                        (s, r) for s, r in op["responses"].items() if s.startswith("2")
                    )
                    schema = strictify(response["content"]["application/json"]["schema"])
                    body = body_of(_synthesize(schema))
                    url = concrete(template)
                    operation = zoom_contract.check_response(
                        method, url, int(status), JSON_HEADERS, body
                    )
                    assert (operation.api, operation.operation_id) == (api, operation_id)
                    return
    pytest.fail(f"{operation_id} not found")


WEBHOOK_FILES_SINGLE = sorted(
    p.stem
    for p in WEBHOOK_EXAMPLES.glob("*.json")
    if not p.stem.startswith("all-") and p.stem != "request-headers-and-signature"
)


@pytest.mark.parametrize("name", WEBHOOK_FILES_SINGLE)
def test_official_webhook_example_files_pass(zoom_contract: ZoomContract, name: str) -> None:
    example = webhook_example(name)
    if name == "endpoint.url_validation":
        example = example["request"]["body"]
    assert zoom_contract.check_webhook(body_of(example)) == name


AGGREGATE_EVENTS = [
    (aggregate, event)
    for aggregate in ("all-meeting-events", "all-phone-events")
    for event in sorted(json.loads((WEBHOOK_EXAMPLES / f"{aggregate}.json").read_text())["events"])
]


def test_aggregate_files_cover_every_documented_event(zoom_contract: ZoomContract) -> None:
    assert {event for _, event in AGGREGATE_EVENTS} == zoom_contract.webhook_events


#: Zoom's example for webhook.registration_denied is a copy of the registration_created body,
#: event name included; it is checked (and passes) as the event it names.
EXAMPLE_NAMES_ANOTHER_EVENT = {"webinar.registration_denied": "webinar.registration_created"}


@pytest.mark.parametrize(("aggregate", "event"), AGGREGATE_EVENTS)
def test_official_webhook_examples_pass(
    zoom_contract: ZoomContract, aggregate: str, event: str
) -> None:
    body = json.loads((WEBHOOK_EXAMPLES / f"{aggregate}.json").read_text())["events"][event]
    named = EXAMPLE_NAMES_ANOTHER_EVENT.get(event, event)
    assert zoom_contract.check_webhook(body_of(body)) == named


@pytest.mark.parametrize("error", API_ERRORS, ids=lambda e: f"{e['http']}-{e['body']['code']}")
def test_documented_error_bodies_pass(zoom_contract: ZoomContract, error: Any) -> None:
    url = f"/v2/meetings/{DOUBLE_ENCODED_UUID}/recordings"  # documents 400 and 404
    zoom_contract.check_response("GET", url, error["http"], JSON_HEADERS, body_of(error["body"]))


# ---------------------------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segment", "decoded"),
    [
        (DOUBLE_ENCODED_UUID, "/ajXp112QmuoKj4854875=="),
        ("%2FajXp112QmuoKj4854875%3D%3D", "/ajXp112QmuoKj4854875=="),
        ("atsXxhSEQWit9t+U02HXNQ==", "atsXxhSEQWit9t+U02HXNQ=="),
        ("85746065", "85746065"),
    ],
)
def test_meeting_uuid_segments_single_or_double_encoded(
    zoom_contract: ZoomContract, segment: str, decoded: str
) -> None:
    operation = zoom_contract.operation_for("GET", f"/v2/meetings/{segment}/recordings")
    assert (operation.api, operation.path, operation.operation_id) == (
        "meetings",
        "/meetings/{meetingId}/recordings",
        "recordingGet",
    )
    assert operation.path_params == {"meetingId": decoded}
    participants = f"https://api.zoom.us/v2/past_meetings/{segment}/participants?page_size=300"
    assert zoom_contract.check_request("GET", participants, AUTH, None).path_params == {
        "meetingId": decoded
    }


def test_paths_with_and_without_v2_and_literal_segments_first(zoom_contract: ZoomContract) -> None:
    assert zoom_contract.operation_for("GET", "/users/me/recordings").operation_id == (
        "recordingsList"
    )
    settings = zoom_contract.operation_for("GET", "/v2/meetings/1/recordings/settings")
    assert settings.path == "/meetings/{meetingId}/recordings/settings"
    one = zoom_contract.operation_for("DELETE", "/v2/meetings/1/recordings/abc")
    assert (one.operation_id, one.path_params) == (
        "recordingDeleteOne",
        {"meetingId": "1", "recordingId": "abc"},
    )
    assert zoom_contract.operation_for("GET", "/v2/phone/call_history").api == "phone"
    assert zoom_contract.operation_for("GET", "/v2/metrics/meetings").api == "accounts"
    assert zoom_contract.operation_for("POST", "/v2/users/me/assistants").api == "users"


def test_undocumented_path_is_rejected(zoom_contract: ZoomContract) -> None:
    message = violation(lambda: zoom_contract.operation_for("GET", "/v2/users/me/recordingz"))
    assert "path '/users/me/recordingz' is not documented" in message
    message = violation(lambda: zoom_contract.operation_for("GET", "/v2/accounts/me/recordings"))
    assert "not documented" in message
    message = violation(lambda: zoom_contract.operation_for("GET", "/v2/users/me/recordings/"))
    assert "not documented" in message


def test_undocumented_method_is_rejected(zoom_contract: ZoomContract) -> None:
    message = violation(lambda: zoom_contract.operation_for("PUT", "/v2/users/me/recordings"))
    assert "method PUT is not documented for /users/{userId}/recordings (GET)" in message


# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------


def test_request_without_authorization_is_rejected(zoom_contract: ZoomContract) -> None:
    message = violation(lambda: zoom_contract.check_request("GET", "/v2/users/me", {}, None))
    assert "Authorization: 'Bearer <access token>' required (missing)" in message
    basic = {"Authorization": "Basic Y2xpZW50OnNlY3JldA=="}
    message = violation(lambda: zoom_contract.check_request("GET", "/v2/users/me", basic, None))
    assert "'Basic' scheme" in message


def test_access_token_in_query_is_rejected(zoom_contract: ZoomContract) -> None:
    url = "/v2/users/me/recordings?access_token=eyJ.test.token"
    message = violation(lambda: zoom_contract.check_request("GET", url, AUTH, None))
    assert "'access_token': tokens must not travel in the URL" in message


def test_undocumented_query_parameter_is_rejected(zoom_contract: ZoomContract) -> None:
    url = "/v2/users/me/recordings?from=2024-01-01&to=2024-01-31&include_deleted=true"
    message = violation(lambda: zoom_contract.check_request("GET", url, AUTH, None))
    assert "query parameter 'include_deleted' is not documented for recordingsList" in message


def test_query_parameter_values_are_checked(zoom_contract: ZoomContract) -> None:
    url = "/v2/users/me/recordings?page_size=301&trash=yes&from=2024-13-01&meeting_id=abc"
    message = violation(lambda: zoom_contract.check_request("GET", url, AUTH, None))
    assert "'page_size': 301 is greater than the maximum of 300" in message
    assert "'trash': 'yes' is not of type 'boolean'" in message
    assert "'from': '2024-13-01' is not a 'date'" in message
    assert "'meeting_id': 'abc' is not of type 'integer'" in message
    assert "4 contract problems" in message
    ok = "/v2/users/me/recordings?page_size=300&trash=true&trash_type=recording_file&mc=false"
    zoom_contract.check_request("GET", ok, AUTH, None)
    history = "/v2/phone/call_history?directions=inbound&directions=outbound&page_size=300"
    zoom_contract.check_request("GET", history, AUTH, None)
    bad_history = "/v2/phone/call_history?directions=sideways"
    message = violation(lambda: zoom_contract.check_request("GET", bad_history, AUTH, None))
    assert "'directions': 'sideways' is not one of ['inbound', 'outbound']" in message


def test_required_query_parameters(zoom_contract: ZoomContract) -> None:
    message = violation(
        lambda: zoom_contract.check_request("GET", "/v2/report/users/me/meetings", AUTH, None)
    )
    assert "query parameter 'from' is required" in message
    assert "query parameter 'to' is required" in message


def test_path_parameter_types_are_checked(zoom_contract: ZoomContract) -> None:
    # GET /meetings/{meetingId} takes the numeric meeting ID, not an instance UUID.
    url = f"/v2/meetings/{DOUBLE_ENCODED_UUID}"
    message = violation(lambda: zoom_contract.check_request("GET", url, AUTH, None))
    assert "path parameter 'meetingId': '/ajXp112QmuoKj4854875==' is not of type 'integer'" in (
        message
    )


def test_request_body_is_strict(zoom_contract: ZoomContract) -> None:
    good = ASSEMBLED["requests"]["meetingCreate"]["body"]
    headers = {**AUTH, **JSON_HEADERS}
    url = "/v2/users/me/meetings"
    bad = {**good, "duration": "60", "topic_extra": "x"}
    bad["settings"] = {**good.get("settings", {}), "auto_recording": "sometimes"}
    message = violation(lambda: zoom_contract.check_request("POST", url, headers, body_of(bad)))
    assert "$: field(s) not in Zoom's schema: 'topic_extra'" in message
    assert "$.duration: '60' is not of type 'integer'" in message
    assert "$.settings.auto_recording: 'sometimes' is not one of" in message
    message = violation(lambda: zoom_contract.check_request("POST", url, AUTH, body_of(good)))
    assert "Content-Type 'missing'" in message
    message = violation(
        lambda: zoom_contract.check_request("GET", "/v2/users/me", headers, body_of(good))
    )
    assert "documents no request body" in message


# ---------------------------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------------------------


def recordings_list() -> Any:
    return copy.deepcopy(ASSEMBLED["responses"]["recordingsList.200"]["body"])


def check_list(contract: ZoomContract, body: Any) -> Any:
    return contract.check_response(
        "GET", "/v2/users/me/recordings", 200, JSON_HEADERS, body_of(body)
    )


def test_extra_field_top_level_and_nested_is_rejected(zoom_contract: ZoomContract) -> None:
    body = recordings_list()
    body["has_more"] = True
    body["meetings"][0]["recording_files"][0]["sha256"] = "00"
    message = violation(lambda: check_list(zoom_contract, body))
    assert "$: field(s) not in Zoom's schema: 'has_more'" in message
    assert "$.meetings[0].recording_files[0]: field(s) not in Zoom's schema: 'sha256'" in message
    assert "2 contract problems" in message


def test_missing_always_sent_field_is_rejected(zoom_contract: ZoomContract) -> None:
    body = recordings_list()
    del body["meetings"][0]["uuid"]
    del body["next_page_token"]
    message = violation(lambda: check_list(zoom_contract, body))
    assert "$: missing field 'next_page_token' (Zoom always sends it: ALWAYS_SENT)" in message
    assert "$.meetings[0]: missing field 'uuid' (Zoom always sends it: ALWAYS_SENT)" in message


def test_wrong_type_is_rejected(zoom_contract: ZoomContract) -> None:
    body = copy.deepcopy(ASSEMBLED["responses"]["meeting.200"]["body"])
    body["id"] = str(body["id"])  # int64 in Zoom's schema
    message = violation(
        lambda: zoom_contract.check_response(
            "GET", "/v2/meetings/85746065", 200, JSON_HEADERS, body_of(body)
        )
    )
    assert f"$.id: '{body['id']}' is not of type 'integer'" in message
    body["id"] = 2**63  # beyond int64
    message = violation(
        lambda: zoom_contract.check_response(
            "GET", "/v2/meetings/85746065", 200, JSON_HEADERS, body_of(body)
        )
    )
    assert "is not a 'int64'" in message


def test_bad_enum_value_is_rejected(zoom_contract: ZoomContract) -> None:
    body = recordings_list()
    body["meetings"][0]["recording_files"][0]["file_type"] = "MOV"
    body["meetings"][0]["type"] = 2  # a string ("2") in this schema
    message = violation(lambda: check_list(zoom_contract, body))
    assert "$.meetings[0].recording_files[0].file_type: 'MOV' is not one of" in message
    assert "$.meetings[0].type: 2 is not of type 'string'" in message


def cc_file(**extra: Any) -> Any:
    return {
        "meeting_id": "L0AGOEPVR9m5WSOOs/d+FQ==",
        "recording_start": "2021-03-18T05:41:36Z",
        "recording_end": "2021-03-18T06:41:36Z",
        "file_type": "CC",
        "file_extension": "VTT",
        "download_url": "https://example.com/rec/download/cc",
        **extra,
    }


def test_cc_and_timeline_files_carry_no_id_and_others_must(zoom_contract: ZoomContract) -> None:
    body = recordings_list()
    files = body["meetings"][0]["recording_files"]
    files.append(cc_file())
    files.append(cc_file(file_type="TIMELINE", file_extension="JSON"))
    check_list(zoom_contract, body)  # the documented exception holds

    files.append(cc_file(id="abc", status="completed"))
    del files[0]["id"]
    del files[0]["play_url"]
    message = violation(lambda: check_list(zoom_contract, body))
    assert (
        "$.meetings[0].recording_files[0]: missing field(s) 'id', 'play_url' "
        "(Zoom always sends them unless file_type is CC or TIMELINE)"
    ) in message
    assert (
        "$.meetings[0].recording_files[3]: file_type 'CC' objects carry no id, status "
        "(Zoom's documented exception)"
    ) in message

    del files[1]["download_url"]  # required on every file, CC included
    message = violation(lambda: check_list(zoom_contract, body))
    assert "$.meetings[0].recording_files[1]: missing field 'download_url'" in message


def test_pending_users_have_no_id(zoom_contract: ZoomContract) -> None:
    user = {"email": "new@example.com", "type": 1, "status": "pending"}
    body = {"next_page_token": "", "page_size": 30, "total_records": 1, "users": [user]}
    url = "/v2/users?status=pending"
    zoom_contract.check_request("GET", url, AUTH, None)
    zoom_contract.check_response("GET", url, 200, JSON_HEADERS, body_of(body))
    user["status"] = "active"
    message = violation(
        lambda: zoom_contract.check_response("GET", url, 200, JSON_HEADERS, body_of(body))
    )
    assert (
        "$.users[0]: missing field(s) 'id' (Zoom always sends them unless status is pending)"
        in (message)
    )


def test_status_and_error_model(zoom_contract: ZoomContract) -> None:
    url = "/v2/meetings/85746065/recordings"

    def respond(status: int, body: bytes, headers: dict[str, str] = JSON_HEADERS) -> object:
        return zoom_contract.check_response("GET", url, status, headers, body)

    assert respond(
        404, body_of({"code": 3301, "message": "There is no recording for this meeting."})
    )
    assert respond(429, body_of({"code": 429, "message": "Too many requests."}))  # always allowed
    assert respond(401, body_of({"code": 124, "message": "Invalid access token."}))  # universal
    message = violation(lambda: respond(401, body_of({"code": 4711, "message": "no scopes"})))
    assert "$.code: 4711 not allowed here (expected one of [124])" in message
    message = violation(lambda: respond(500, body_of({"code": 500, "message": "boom"})))
    assert "status 500 is not documented for recordingGet" in message
    message = violation(lambda: respond(404, body_of({"error": "not_found"})))
    assert "missing field 'code'" in message
    assert "field(s) not in Zoom's schema: 'error'" in message
    message = violation(
        lambda: respond(404, b"<html>Not found</html>", {"Content-Type": "text/html"})
    )
    assert "error Content-Type 'text/html', expected application/json" in message
    message = violation(lambda: respond(302, b""))
    assert "status 302 is not documented" in message


def test_success_bodies_need_json_content_type_and_204_is_empty(
    zoom_contract: ZoomContract,
) -> None:
    body = body_of(ASSEMBLED["responses"]["meeting.200"]["body"])
    url = "/v2/meetings/85746065"
    message = violation(lambda: zoom_contract.check_response("GET", url, 200, {}, body))
    assert "Content-Type 'missing', expected application/json" in message
    zoom_contract.check_response("DELETE", url, 204, {}, b"")
    message = violation(lambda: zoom_contract.check_response("DELETE", url, 204, {}, b"{}"))
    assert "status 204 documents no body, but 2 bytes were sent" in message
    message = violation(lambda: zoom_contract.check_response("PATCH", url, 200, JSON_HEADERS, body))
    assert "status 200 is not documented for meetingUpdate" in message


# ---------------------------------------------------------------------------------------------
# Webhooks
# ---------------------------------------------------------------------------------------------


def test_webhook_extra_missing_and_wrong_fields_are_rejected(zoom_contract: ZoomContract) -> None:
    body = webhook_example("recording.completed")
    del body["download_token"]
    recording = body["payload"]["object"]
    recording["recording_files"][0]["checksum"] = "00"
    recording["recording_files"][1]["status"] = "done"
    recording["id"] = "1234567890"
    message = violation(lambda: zoom_contract.check_webhook(body_of(body)))
    assert "$: missing field 'download_token' (required by Zoom's schema)" in message
    assert "$.payload.object.id: '1234567890' is not of type 'integer'" in message
    assert (
        "$.payload.object.recording_files[0]: field(s) not in Zoom's schema: 'checksum'" in message
    )
    assert "$.payload.object.recording_files[1].status: 'done' is not one of" in message


def test_webhook_recording_files_follow_the_cc_timeline_rule(zoom_contract: ZoomContract) -> None:
    body = webhook_example("recording.completed")
    files = body["payload"]["object"]["recording_files"]
    files.append(cc_file())
    assert zoom_contract.check_webhook(body_of(body)) == "recording.completed"
    del files[0]["file_size"]
    message = violation(lambda: zoom_contract.check_webhook(body_of(body)))
    assert "recording_files[0]: missing field(s) 'file_size'" in message


def test_webhook_always_sent_fields(zoom_contract: ZoomContract) -> None:
    body = webhook_example("meeting.deleted")
    del body["payload"]["object"]["topic"]  # Zoom does not mark it required; we do
    del body["payload"]["object"]["uuid"]  # Zoom does
    message = violation(lambda: zoom_contract.check_webhook(body_of(body)))
    assert "$.payload.object: missing field 'topic' (Zoom always sends it: ALWAYS_SENT)" in message
    assert "$.payload.object: missing field 'uuid' (required by Zoom's schema)" in message


def test_unknown_or_malformed_webhooks_are_rejected(zoom_contract: ZoomContract) -> None:
    message = violation(
        lambda: zoom_contract.check_webhook(body_of({"event": "recording.exploded", "payload": {}}))
    )
    assert "event 'recording.exploded' is not documented by Zoom" in message
    assert "no string 'event'" in violation(lambda: zoom_contract.check_webhook(b"[]"))
    assert "not JSON" in violation(lambda: zoom_contract.check_webhook(b"{"))
    crc = {"event": "endpoint.url_validation", "event_ts": 1, "payload": {"plainToken": ""}}
    assert "should be non-empty" in violation(lambda: zoom_contract.check_webhook(body_of(crc)))


# ---------------------------------------------------------------------------------------------
# The transformation itself
# ---------------------------------------------------------------------------------------------


def test_strictify_flattens_all_of_and_closes_objects() -> None:
    schema = {
        "allOf": [
            {"type": "object", "properties": {"from": {"type": "string"}}},
            {
                "type": "object",
                "properties": {
                    "meetings": {
                        "type": "array",
                        "items": {
                            "allOf": [
                                {"type": "object", "properties": {"id": {"type": "integer"}}},
                                {
                                    "type": "object",
                                    "properties": {"uuid": {"type": "string"}},
                                    "required": ["uuid"],
                                },
                            ]
                        },
                    }
                },
            },
        ]
    }
    original = copy.deepcopy(schema)
    strict = strictify(schema)
    assert schema == original  # the input is not modified
    assert strict == {
        "type": "object",
        "properties": {
            "from": {"type": "string"},
            "meetings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}, "uuid": {"type": "string"}},
                    "required": ["uuid"],
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
    }


def test_strictify_respects_declared_additional_properties_and_branches() -> None:
    schema = {
        "type": "object",
        "properties": {
            "open": {"type": "object", "properties": {"a": {}}, "additionalProperties": True},
            "either": {
                "oneOf": [
                    {"type": "object", "properties": {"b": {"type": "string"}}},
                    {"allOf": [{"properties": {"c": {}}}, {"description": "only a note"}]},
                ]
            },
            "mixed": {"allOf": [{"properties": {"d": {}}}, {"oneOf": [{"type": "object"}]}]},
        },
    }
    strict = strictify(schema)
    props = strict["properties"]
    assert props["open"]["additionalProperties"] is True
    first, second = props["either"]["oneOf"]
    assert first["additionalProperties"] is False
    assert second == {
        "type": "object",
        "properties": {"c": {}},
        "additionalProperties": False,
        "description": "only a note",
    }
    # An allOf that cannot be flattened stays, and its members stay open (closing one member
    # would reject the properties of the others).
    assert "additionalProperties" not in props["mixed"]["allOf"][0]


def test_exempt_rule_is_declared_once_per_location() -> None:
    for key, locations in ALWAYS_SENT.items():
        for location, fields in locations.items():
            exempts = [f for f in fields if isinstance(f, Exempt)]
            assert len(exempts) <= 1, (key, location)
            names = [f for f in fields if isinstance(f, str)]
            assert len(names) == len(set(names)), (key, location)
