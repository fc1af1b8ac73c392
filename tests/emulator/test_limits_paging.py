"""Zoom's rate limits, page sizes, page tokens and date windows on the emulator, over HTTP."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from emulator_http import authorize, connect, error

from zoombridge.clock import ManualClock
from zoombridge.emulator.scenarios import build_world
from zoombridge.emulator.world import World

pytestmark = pytest.mark.anyio

# Zoom's rate-limit table and 429 texts, written out from Zoom's rate-limit page (not imported
# from the emulator or the client): calls per second by plan and label, meetings family.
PER_SECOND = {
    ("free", "LIGHT"): 4,
    ("free", "MEDIUM"): 2,
    ("free", "HEAVY"): 1,
    ("pro", "LIGHT"): 30,
    ("pro", "MEDIUM"): 20,
    ("pro", "HEAVY"): 10,
    ("business", "LIGHT"): 80,
    ("business", "MEDIUM"): 60,
    ("business", "HEAVY"): 40,
}
RESOURCE_INTENSIVE_PER_MINUTE = {"free": 10, "pro": 10, "business": 20}
PHONE_MEDIUM_PER_SECOND = {"pro": 10, "business": 20}
SHARED_DAILY = {"free": 1_000, "pro": 30_000, "business": 60_000}
CATEGORY = {
    "LIGHT": "Light",
    "MEDIUM": "Medium",
    "HEAVY": "Heavy",
    "RESOURCE_INTENSIVE": "Resource-intensive",
}
PER_SECOND_MESSAGE = (
    "You have reached the maximum per-second rate limit for this API. Try again later."
)
DAILY_MESSAGE = (
    "You have reached the maximum daily rate limit for this API. Refer to the response header "
    "for details on when you can make another request."
)
EXPIRED_TOKEN_MESSAGE = "The next page token is invalid or expired."


@pytest.fixture
def paging_world(clock: ManualClock) -> World:
    return build_world("paging", seed=1, clock=clock)  # the owner has 701 meetings


@pytest.fixture
async def paging_api(paging_world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with connect(paging_world) as client:
        yield client


def days_ago(world: World, days: int) -> str:
    return (world.now().date() - timedelta(days=days)).isoformat()


def call_for(world: World, label: str) -> tuple[str, dict[str, str]]:
    """One meetings-family endpoint per label (Zoom's labels for them)."""
    window = {"from": days_ago(world, 10), "to": days_ago(world, 0)}
    return {
        "LIGHT": ("/v2/users/me", {}),
        "MEDIUM": ("/v2/users/me/settings", {}),
        "HEAVY": ("/v2/report/users/me/meetings", window),
        "RESOURCE_INTENSIVE": ("/v2/metrics/meetings", window),
    }[label]


def assert_per_second_429(answer: httpx.Response, label: str, limit: int) -> None:
    assert answer.status_code == 429
    assert answer.json() == {"code": 429, "message": PER_SECOND_MESSAGE}
    assert answer.headers["X-RateLimit-Category"] == CATEGORY[label]
    assert answer.headers["X-RateLimit-Type"] == "QPS"
    assert answer.headers["X-RateLimit-Limit"] == str(limit)
    assert answer.headers["X-RateLimit-Remaining"] == "0"
    assert "Retry-After" not in answer.headers  # only the daily limit names a time


# per-second limits -------------------------------------------------------------------------------
@pytest.mark.parametrize(("plan", "label"), sorted(PER_SECOND))
async def test_per_second_limit_by_plan_and_label(
    api: httpx.AsyncClient, world: World, clock: ManualClock, plan: str, label: str
) -> None:
    world.plan = plan  # type: ignore[assignment]
    limit = PER_SECOND[(plan, label)]
    path, params = call_for(world, label)
    statuses = [(await api.get(path, params=params)).status_code for _ in range(limit)]
    assert 429 not in statuses
    assert_per_second_429(await api.get(path, params=params), label, limit)
    assert world.limiter.refusals == 1
    clock.advance(0.5)  # a sliding one-second window: still full half a second later
    assert (await api.get(path, params=params)).status_code == 429
    clock.advance(0.5)
    assert (await api.get(path, params=params)).status_code != 429


async def test_labels_have_separate_budgets(api: httpx.AsyncClient, world: World) -> None:
    world.plan = "free"
    light, _ = call_for(world, "LIGHT")
    medium, _ = call_for(world, "MEDIUM")
    for _ in range(PER_SECOND[("free", "LIGHT")]):
        assert (await api.get(light)).status_code == 200
    assert (await api.get(light)).status_code == 429
    assert (await api.get(medium)).status_code == 200  # Medium has its own two a second


@pytest.mark.parametrize("plan", ["pro", "business"])
async def test_resource_intensive_is_counted_per_minute(
    api: httpx.AsyncClient, world: World, clock: ManualClock, plan: str
) -> None:
    world.plan = plan  # type: ignore[assignment]
    limit = RESOURCE_INTENSIVE_PER_MINUTE[plan]
    path, params = call_for(world, "RESOURCE_INTENSIVE")
    for _ in range(limit):
        assert (await api.get(path, params=params)).status_code != 429
    assert_per_second_429(await api.get(path, params=params), "RESOURCE_INTENSIVE", limit)
    clock.advance(30)
    assert (await api.get(path, params=params)).status_code == 429
    clock.advance(30)
    assert (await api.get(path, params=params)).status_code != 429


@pytest.mark.parametrize("plan", ["pro", "business"])
async def test_zoom_phone_has_its_own_table(
    api: httpx.AsyncClient, world: World, plan: str
) -> None:
    world.plan = plan  # type: ignore[assignment]
    limit = PHONE_MEDIUM_PER_SECOND[plan]
    for _ in range(limit):
        assert (await api.get("/v2/phone/recordings")).status_code == 200
    refused = await api.get("/v2/phone/recordings")
    assert_per_second_429(refused, "MEDIUM", limit)
    medium, _ = call_for(world, "MEDIUM")
    assert (await api.get(medium)).status_code == 200  # the meetings family is untouched


# daily limits ------------------------------------------------------------------------------------
async def test_daily_heavy_cap_429_names_midnight(
    api: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    world.limiter.exhaust_daily(world.account_id, world.plan)
    path, params = call_for(world, "HEAVY")
    refused = await api.get(path, params=params)
    assert refused.status_code == 429
    assert refused.json() == {"code": 429, "message": DAILY_MESSAGE}
    assert refused.headers["X-RateLimit-Category"] == "Heavy"
    assert refused.headers["X-RateLimit-Type"] == "Daily-limit"
    assert refused.headers["X-RateLimit-Limit"] == str(SHARED_DAILY["business"])
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["Retry-After"] == "2026-01-16T00:00:00Z"  # ISO time, not seconds

    intensive_path, intensive_params = call_for(world, "RESOURCE_INTENSIVE")
    shared = await api.get(intensive_path, params=intensive_params)
    assert shared.status_code == 429  # Heavy and Resource-intensive share the quota
    assert shared.headers["X-RateLimit-Category"] == "Resource-intensive"
    assert shared.json()["message"] == DAILY_MESSAGE
    light, _ = call_for(world, "LIGHT")
    assert (await api.get(light)).status_code == 200
    phone = await api.get("/v2/phone/call_history")  # Zoom Phone counts separately
    assert phone.status_code == 200

    clock.advance(12 * 3600 + 1)  # 00:00:01 UTC the next day
    await authorize(api)
    assert (await api.get(path, params=params)).status_code == 200


async def test_free_plan_daily_heavy_quota_is_counted_to_the_call(
    api: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    world.plan = "free"
    quota = SHARED_DAILY["free"]
    for _ in range(quota - 1):  # 999 Heavy calls earlier today, one a second
        assert world.limiter.check(world.account_id, "free", "meetings", "HEAVY") is None
        clock.advance(1)
    await authorize(api)
    path, params = call_for(world, "HEAVY")
    last = await api.get(path, params=params)
    assert error(last) == (400, 200)  # the 1000th passes the limiter (and Free has no reports)
    clock.advance(1)
    refused = await api.get(path, params=params)
    assert refused.status_code == 429
    assert refused.json()["message"] == DAILY_MESSAGE
    assert refused.headers["X-RateLimit-Limit"] == str(quota)


async def test_disabled_limiter_never_answers_429(
    api: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    world.plan = "free"
    world.limiter.enabled = False
    light, _ = call_for(world, "LIGHT")
    assert [(await api.get(light)).status_code for _ in range(20)] == [200] * 20
    world.limiter.exhaust_daily(world.account_id, "free")
    heavy, params = call_for(world, "HEAVY")
    assert error(await api.get(heavy, params=params)) == (400, 200)
    world.limiter.record_host_writes(world.owner_id, 100)
    assert (await api.post("/v2/users/me/meetings", json={})).status_code == 201
    assert world.limiter.refusals == 0

    world.limiter.enabled = True
    clock.advance(1)
    statuses = [(await api.get(light)).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


async def test_rate_headers_on_every_answer_when_asked(
    api: httpx.AsyncClient, world: World
) -> None:
    light, _ = call_for(world, "LIGHT")
    assert "X-RateLimit-Category" not in (await api.get(light)).headers
    world.rate_headers = "always"
    assert (await api.get(light)).headers["X-RateLimit-Category"] == "Light"
    medium, _ = call_for(world, "MEDIUM")
    assert (await api.get(medium)).headers["X-RateLimit-Category"] == "Medium"


# page sizes --------------------------------------------------------------------------------------
async def test_page_size_is_capped_at_300(
    paging_api: httpx.AsyncClient, paging_world: World
) -> None:
    owned = [m for m in paging_world.meetings.values() if m.host_id == paging_world.owner_id]
    assert len(owned) == 701
    answer = await paging_api.get("/v2/users/me/meetings", params={"page_size": 1000})
    assert answer.status_code == 200
    body = answer.json()
    assert len(body["meetings"]) == 300
    assert body["page_size"] == 300
    assert body["total_records"] == 701
    assert body["page_count"] == 3
    assert body["next_page_token"]


async def test_default_and_invalid_page_sizes(paging_api: httpx.AsyncClient) -> None:
    default = (await paging_api.get("/v2/users/me/meetings")).json()
    assert (len(default["meetings"]), default["page_size"]) == (30, 30)
    assert default["page_count"] == math.ceil(701 / 30)
    blank = (await paging_api.get("/v2/users/me/meetings", params={"page_size": ""})).json()
    assert blank["page_size"] == 30
    for bad in ("0", "-5", "ten", "2.5"):
        answer = await paging_api.get("/v2/users/me/meetings", params={"page_size": bad})
        assert error(answer) == (400, 300), bad


async def walk(
    api: httpx.AsyncClient, path: str, key: str, params: dict[str, Any]
) -> tuple[list[Any], list[int]]:
    """Every item of a list by next_page_token; also the length of each page."""
    items: list[Any] = []
    sizes: list[int] = []
    body = (await api.get(path, params=params)).json()
    tokens: set[str] = set()
    while True:
        items += body[key]
        sizes.append(len(body[key]))
        token = body["next_page_token"]
        if not token:
            return items, sizes
        assert token not in tokens, "a page token came back twice"
        tokens.add(token)
        answer = await api.get(path, params={**params, "next_page_token": token})
        assert answer.status_code == 200, answer.text
        body = answer.json()


@pytest.mark.parametrize(("page_size", "sizes"), [(300, [300, 300, 101]), (1000, [300, 300, 101])])
async def test_next_page_token_walks_every_meeting_once(
    paging_api: httpx.AsyncClient, paging_world: World, page_size: int, sizes: list[int]
) -> None:
    items, seen_sizes = await walk(
        paging_api, "/v2/users/me/meetings", "meetings", {"page_size": page_size}
    )
    assert seen_sizes == sizes
    ids = [m["id"] for m in items]
    assert len(ids) == len(set(ids)) == 701
    expected = {m.id for m in paging_world.meetings.values() if m.host_id == paging_world.owner_id}
    assert set(ids) == expected
    stamps = [m["start_time"] for m in items]
    assert stamps == sorted(stamps)  # one stable order across pages


async def test_small_pages_of_a_report_add_up(
    paging_api: httpx.AsyncClient, paging_world: World
) -> None:
    params = {
        "from": days_ago(paging_world, 28),
        "to": days_ago(paging_world, 0),
        "type": "pastOne",  # the host is alone in each of the scenario's 700 meetings
        "page_size": 97,
    }
    items, sizes = await walk(paging_api, "/v2/report/users/me/meetings", "meetings", params)
    uuids = [m["uuid"] for m in items]
    assert len(uuids) == len(set(uuids)) == 700
    assert set(uuids) == set(paging_world.instances)
    assert sizes == [97] * 7 + [21]


async def test_an_empty_list_has_no_pages(
    paging_api: httpx.AsyncClient, paging_world: World
) -> None:
    pending = next(u for u in paging_world.users.values() if u.status == "pending")
    body = (await paging_api.get(f"/v2/users/{pending.email}/meetings")).json()
    assert body["meetings"] == []
    assert (body["total_records"], body["page_count"], body["next_page_token"]) == (0, 0, "")


# page tokens -------------------------------------------------------------------------------------
async def first_token(api: httpx.AsyncClient, params: dict[str, Any] | None = None) -> str:
    body = (
        await api.get("/v2/users/me/meetings", params={"page_size": 300, **(params or {})})
    ).json()
    token: str = body["next_page_token"]
    assert token
    return token


async def test_a_page_token_lives_fifteen_minutes(
    paging_api: httpx.AsyncClient, clock: ManualClock
) -> None:
    fresh = await first_token(paging_api)
    clock.advance(14 * 60 + 59)
    still = await paging_api.get(
        "/v2/users/me/meetings", params={"page_size": 300, "next_page_token": fresh}
    )
    assert still.status_code == 200
    assert len(still.json()["meetings"]) == 300

    old = await first_token(paging_api)
    clock.advance(15 * 60 + 1)
    expired = await paging_api.get(
        "/v2/users/me/meetings", params={"page_size": 300, "next_page_token": old}
    )
    assert expired.status_code == 400
    assert expired.json() == {"code": 300, "message": EXPIRED_TOKEN_MESSAGE}
    restart = await paging_api.get("/v2/users/me/meetings", params={"page_size": 300})
    assert restart.status_code == 200  # starting the walk again works


async def test_a_page_token_belongs_to_its_query(paging_api: httpx.AsyncClient) -> None:
    token = await first_token(paging_api)
    other_type = await paging_api.get(
        "/v2/users/me/meetings",
        params={"page_size": 300, "type": "upcoming", "next_page_token": token},
    )
    assert error(other_type) == (400, 300)
    other_path = await paging_api.get(
        "/v2/users", params={"page_size": 300, "next_page_token": token}
    )
    assert error(other_path) == (400, 300)
    made_up = await paging_api.get("/v2/users/me/meetings", params={"next_page_token": "x" * 35})
    assert made_up.json() == {"code": 300, "message": EXPIRED_TOKEN_MESSAGE}


async def test_expire_page_tokens_fault(paging_api: httpx.AsyncClient, paging_world: World) -> None:
    token = await first_token(paging_api)
    paging_world.faults.expire_page_tokens = 1
    params: dict[str, str | int] = {"page_size": 300, "next_page_token": token}
    forced = await paging_api.get("/v2/users/me/meetings", params=params)
    assert forced.json() == {"code": 300, "message": EXPIRED_TOKEN_MESSAGE}
    assert paging_world.faults.expire_page_tokens == 0
    again = await paging_api.get("/v2/users/me/meetings", params=params)
    assert again.status_code == 200  # the fault fired once; the token itself was fine


# from/to windows ---------------------------------------------------------------------------------
def recordings_window(start: date, end: date) -> dict[str, str]:
    return {"from": start.isoformat(), "to": end.isoformat()}


async def test_recordings_window_of_at_most_a_month(api: httpx.AsyncClient) -> None:
    path = "/v2/users/me/recordings"
    month = await api.get(path, params=recordings_window(date(2025, 12, 1), date(2026, 1, 1)))
    assert month.status_code == 200
    assert (month.json()["from"], month.json()["to"]) == ("2025-12-01", "2026-01-01")
    longer = await api.get(path, params=recordings_window(date(2025, 12, 1), date(2026, 1, 2)))
    assert longer.status_code == 400
    assert longer.json() == {"code": 300, "message": "The date range cannot exceed one month."}
    # a month from the 31st ends on the last day of a shorter month
    to_feb = await api.get(path, params=recordings_window(date(2025, 1, 31), date(2025, 2, 28)))
    assert to_feb.status_code == 200
    past_feb = await api.get(path, params=recordings_window(date(2025, 1, 31), date(2025, 3, 1)))
    assert error(past_feb) == (400, 300)
    backwards = await api.get(path, params=recordings_window(date(2026, 1, 10), date(2026, 1, 1)))
    assert error(backwards) == (400, 300)
    garbage = await api.get(path, params={"from": "01/10/2026", "to": "2026-01-12"})
    assert error(garbage) == (400, 300)
    default = (await api.get(path)).json()  # Zoom's default: today to tomorrow
    assert (default["from"], default["to"]) == ("2026-01-15", "2026-01-16")


async def test_report_window_of_at_most_a_month(api: httpx.AsyncClient, world: World) -> None:
    path = "/v2/report/users/me/meetings"
    ok = await api.get(path, params=recordings_window(date(2025, 12, 15), date(2026, 1, 15)))
    assert ok.status_code == 200
    too_long = await api.get(path, params=recordings_window(date(2025, 12, 14), date(2026, 1, 15)))
    assert too_long.json() == {"code": 300, "message": "The date range cannot exceed one month."}
    phone = await api.get(
        "/v2/phone/recordings", params=recordings_window(date(2025, 12, 14), date(2026, 1, 15))
    )
    assert phone.json() == {"code": 300, "message": "The date range cannot exceed one month."}
    archive = await api.get(
        "/v2/archive_files",
        params={"from": "2026-01-01T00:00:00Z", "to": "2026-01-08T00:00:01Z"},
    )
    assert error(archive) == (400, 300)
    assert "7 days" in archive.json()["message"]
