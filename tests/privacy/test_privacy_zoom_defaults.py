"""The default Zoom rules against the emulator's answers: no e-mail address, name, topic,
passcode or secret URL survives, and what is kept still joins."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from proxy_helpers import leaked, secrets_of, zoom_targets

from zoombridge.clock import ManualClock
from zoombridge.emulator import DEFAULT_CREDENTIALS, EmulatorTransport, build_world, create_app
from zoombridge.emulator.world import World
from zoombridge.privacy import Pseudonymizer
from zoombridge.privacy.endpoints import CompiledRules
from zoombridge.privacy.rules_yaml import default_rules
from zoombridge.privacy.transform import Sanitizer
from zoombridge.testing import EMULATOR_START

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def world() -> World:
    return build_world("demo", seed=1, clock=ManualClock(EMULATOR_START))


@pytest.fixture
async def zoom(world: World) -> AsyncIterator[httpx.AsyncClient]:
    transport = EmulatorTransport(create_app(world))
    async with httpx.AsyncClient(transport=transport, base_url="https://api.zoom.us") as client:
        grant = {
            "grant_type": "account_credentials",
            "account_id": DEFAULT_CREDENTIALS["account_id"],
        }
        auth = (DEFAULT_CREDENTIALS["client_id"], DEFAULT_CREDENTIALS["client_secret"])
        answer = await client.post("https://zoom.us/oauth/token", params=grant, auth=auth)
        client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        yield client


async def _sanitized(
    zoom: httpx.AsyncClient, rules: CompiledRules, fmt: Pseudonymizer, target: str
) -> object:
    decision = rules.decide("GET", target)
    assert decision.allowed, (target, decision.reason)
    answer = await zoom.get(target)
    assert answer.status_code == 200, (target, answer.text)
    return Sanitizer(fmt).document(answer.json(), decision.endpoint), answer.json()


def _assert_clean(output: object, secrets: list[str], target: str) -> None:
    text = json.dumps(output)
    assert not leaked(text, secrets), (target, leaked(text, secrets))


async def test_default_rules_leave_no_pii(
    zoom: httpx.AsyncClient, world: World, any_format: Pseudonymizer
) -> None:
    rules = default_rules()
    secrets = secrets_of(world)
    targets = zoom_targets(world)
    for target in targets:
        output, original = await _sanitized(zoom, rules, any_format, target)
        _assert_clean(output, secrets, target)
        assert output, target
    output, original = await _sanitized(zoom, rules, any_format, targets[5])
    people = output["participants"]  # type: ignore[index]
    assert len(people) == len(original["participants"]) > 1  # type: ignore[index]
    assert all(p["user_email"].startswith(any_format.token_prefix) for p in people)
    assert all(p["user_id"].startswith(any_format.token_prefix) for p in people)


async def test_pseudonymous_user_ids_work_in_later_urls(
    zoom: httpx.AsyncClient, world: World, any_format: Pseudonymizer
) -> None:
    rules = default_rules()
    listing, original = await _sanitized(zoom, rules, any_format, "/v2/users")
    token = listing["users"][0]["id"]  # type: ignore[index]
    assert token.startswith(any_format.reversible_prefix)
    target = f"/v2/users/{token}/meetings"
    assert rules.decide("GET", target).allowed  # rules see the token...
    upstream = any_format.reveal_all(target)  # ...Zoom sees the id
    assert upstream == f"/v2/users/{original['users'][0]['id']}/meetings"  # type: ignore[index]
    meetings, _ = await _sanitized(zoom, rules, any_format, upstream)
    hosts = {m["host_id"] for m in meetings["meetings"]}  # type: ignore[index]
    assert hosts == {token}  # the same person has the same token everywhere


async def test_join_urls_keep_no_passcode(
    zoom: httpx.AsyncClient, world: World, zoombridge_format: Pseudonymizer
) -> None:
    host = next(iter(world.users))
    output, _ = await _sanitized(
        zoom, default_rules(), zoombridge_format, f"/v2/users/{host}/meetings"
    )
    kept = [m["join_url"] for m in output["meetings"]]  # type: ignore[index]
    assert kept
    assert all(url.startswith("https://zoom.us/j/") and "?" not in url for url in kept)


def test_summaries_and_report_participants_from_zoom_documents(
    zoombridge_format: Pseudonymizer,
) -> None:
    """Endpoints the emulator does not serve, with the fields of Zoom's OpenAPI documents."""
    rules = default_rules()
    summary = {
        "meeting_host_id": "9bFlIkpYt5HfavHYMD5hzQ",
        "meeting_host_email": "ada@example.edu",
        "meeting_uuid": "ijSIjTlsqzuA0n9Y3xEaOw==",
        "meeting_id": 98046899778,
        "meeting_topic": "Merger with Initech",
        "summary_title": "Merger with Initech",
        "summary_last_modified_user_email": "grace@example.edu",
        "summary_overview": "Ada and Grace agreed on the merger price",
        "summary_details": [{"label": "Price", "summary": "Ada proposed 10M"}],
        "next_steps": ["Grace calls the bank"],
        "edited_summary": {"summary_details": "Ada", "next_steps": ["Ada signs"]},
        "summary_content": "# Merger\nAda",
        "summary_doc_url": "https://docs.zoom.us/doc/secret",
    }
    decision = rules.decide("GET", "/v2/meetings/ijSIjTlsqzuA0n9Y3xEaOw%253D%253D/meeting_summary")
    output = Sanitizer(zoombridge_format).document(summary, decision.endpoint)
    _assert_clean(output, ["Ada", "Grace", "Initech", "ada@", "grace@", "docs.zoom.us"], "summary")
    assert output["summary_overview"] == {"length": 40, "word_count": 8}
    assert output["meeting_id"] == 98046899778
    report = {
        "participants": [
            {
                "id": "9bFlIkpYt5HfavHYMD5hzQ",
                "name": "Ada Lovelace",
                "user_email": "ada@example.edu",
                "user_id": "16836138",
                "registrant_id": "reg-ada",
                "customer_key": "employee-4711",
                "participant_user_id": "9bFlIkpYt5HfavHYMD5hzQ",
                "duration": 202,
            }
        ]
    }
    decision = rules.decide("GET", "/v2/report/meetings/98046899778/participants?page_size=300")
    output = Sanitizer(zoombridge_format).document(report, decision.endpoint)
    _assert_clean(
        output, ["Ada", "ada@", "16836138", "reg-ada", "employee-4711", "9bFlIkpY"], "report"
    )
    person = output["participants"][0]
    assert person["duration"] == 202
    assert person["id"] == person["participant_user_id"]
