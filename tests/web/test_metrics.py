"""`GET /metrics` through the app: what a scrape says after real requests and webhooks, that
it agrees with the catalog, who may read it, and that it never names a person or a secret."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from portal_helpers import Portal, archive_with_troubles, portal_fixture
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from zoombridge.accounts import Role
from zoombridge.accounts.sessions import create_api_token
from zoombridge.accounts.users import create_user
from zoombridge.archive.loop import Round
from zoombridge.archive.service import SyncSummary, read_status
from zoombridge.db.models import SyncState, WebhookEvent
from zoombridge.errors import ConfigurationError
from zoombridge.settings import load_settings
from zoombridge.web.auth import PortalContext
from zoombridge.web.metrics import ServiceMetrics
from zoombridge.web.service import service_app
from zoombridge.web.webhooks import WebhookTarget
from zoombridge.zoom.client import CallStats
from zoombridge.zoom.webhooks import MAX_BODY_BYTES, sign

pytestmark = pytest.mark.anyio

SECRET = "the-webhook-secret-of-default"
TOKEN = "metrics-token-0123456789abcdef"
CHALLENGE = json.dumps(
    {"event": "endpoint.url_validation", "event_ts": 9, "payload": {"plainToken": "abc"}}
).encode()
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def service(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Portal]:
    """The portal with a metrics token and the default connection's webhook receiver."""
    async for portal in portal_fixture(tmp_path_factory.mktemp("metrics")):
        settings = portal.bridge.settings
        portal.bridge.settings = settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
        context: PortalContext = portal.app.state.portal  # type: ignore[attr-defined]
        target = WebhookTarget(1, SECRET, portal.catalog, portal.clock)
        portal.app = service_app({"default": target}, "default", portal=context)
        yield portal


async def scrape(portal: Portal, token: str = TOKEN) -> str:
    answer = await portal.client().get("/metrics", headers={"authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return answer.text


def parsed(exposition: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def signed(body: bytes, at: float, secret: str = SECRET) -> dict[str, str]:
    stamp = str(int(at))
    return {"x-zm-request-timestamp": stamp, "x-zm-signature": sign(secret, stamp, body)}


def event(n: int) -> bytes:
    payload = {"account_id": "account", "object": {"id": n}}
    return json.dumps({"event": "meeting.started", "event_ts": n, "payload": payload}).encode()


async def test_files_sync_and_freed_bytes_are_what_the_status_panel_shows(service: Portal) -> None:
    archive_with_troubles(service)
    attempt = service.clock.now() - timedelta(minutes=5)
    with service.catalog.session() as session, session.begin():
        state = session.get_one(SyncState, 1)  # made with the connection
        state.process, state.bytes_freed = "failed", 3_000_000
        state.last_attempt_at, state.last_finished_at = attempt, service.clock.now()
    samples = parsed(await scrape(service))
    status = read_status(service.catalog, 1, "default")
    for state, count in status.files.items():
        assert value(samples, "zoombridge_recording_files", connection="default", state=state) == (
            count
        )
    assert status.files == {"archived": 2, "failed": 1, "processing": 1, "pending": 0, "gone": 0}
    figures = {
        "zoombridge_archived_bytes": status.bytes_archived,
        "zoombridge_zoom_freed_bytes_total": status.bytes_freed,
        "zoombridge_media_flagged_files": status.media_flagged,
        "zoombridge_sync_last_attempt_timestamp_seconds": attempt.timestamp(),
        "zoombridge_sync_last_finished_timestamp_seconds": service.clock.now().timestamp(),
    }
    assert {name: value(samples, name, connection="default") for name in figures} == figures
    assert (status.bytes_archived, status.media_flagged) == (5_000_007, 1)
    states = {
        state: value(samples, "zoombridge_sync_state", connection="default", state=state)
        for state in ("idle", "running", "finished", "failed")
    }
    assert states == {"idle": 0, "running": 0, "finished": 0, "failed": 1}
    assert value(samples, "zoombridge_catalog_up") == 1


async def test_webhooks_are_counted_by_outcome_and_the_inbox_by_what_waits(
    service: Portal,
) -> None:
    client = service.client()
    now = service.clock.now().timestamp()
    deliveries = [
        ("/webhooks/zoom", event(1), signed(event(1), now)),  # accepted
        ("/webhooks/zoom", event(1), signed(event(1), now)),  # Zoom's retry: duplicate
        ("/webhooks/zoom/default", event(2), signed(event(2), now)),  # accepted, by name
        ("/webhooks/zoom", event(3), signed(event(3), now, "not-the-secret")),
        ("/webhooks/zoom", event(4), signed(event(4), now - 600)),  # stale
        ("/webhooks/zoom", event(5), {}),  # unsigned
        ("/webhooks/zoom", b"{not json", signed(b"{not json", now)),
        ("/webhooks/zoom", b"x" * (MAX_BODY_BYTES + 1), {}),
        ("/webhooks/zoom/ada@example.edu", event(6), signed(event(6), now)),
        ("/webhooks/zoom", CHALLENGE, signed(CHALLENGE, now)),
    ]
    answers = [await client.post(path, content=body, headers=h) for path, body, h in deliveries]
    assert [a.status_code for a in answers] == [200, 200, 200, 401, 401, 401, 400, 413, 404, 200]
    service.clock.advance(90)
    exposition = await scrape(service)
    samples = parsed(exposition)
    counted = {
        (dict(labels)["outcome"], dict(labels)["reason"]): n
        for (name, labels), n in samples.items()
        if name == "zoombridge_webhook_requests_total"
    }
    assert counted == {
        ("accepted", ""): 2,
        ("duplicate", ""): 1,
        ("rejected", "bad_signature"): 1,
        ("rejected", "stale"): 1,
        ("rejected", "unsigned"): 1,
        ("rejected", "malformed"): 1,
        ("rejected", "oversized"): 1,
        ("rejected", "unknown_connection"): 1,
        ("url_validation", ""): 1,
    }
    unknown = {"connection": "", "outcome": "rejected", "reason": "unknown_connection"}
    assert value(samples, "zoombridge_webhook_requests_total", **unknown) == 1
    assert "ada@example.edu" not in exposition  # a name from the path is never a label
    with service.catalog.session() as session:
        stored = _waiting(session)
    assert stored == 2
    assert value(samples, "zoombridge_webhook_inbox_waiting_events", connection="default") == 2
    age = value(samples, "zoombridge_webhook_inbox_oldest_age_seconds", connection="default")
    assert age == 90


def _waiting(session: Session) -> int:
    return int(session.scalar(select(func.count()).where(WebhookEvent.state == "new")) or 0)


async def test_requests_are_counted_and_timed_under_their_route_template(service: Portal) -> None:
    client = await service.signed_in(Role.ADMIN)
    assert (await client.get("/connections/default")).status_code == 200
    assert (await client.get("/connections/no-such-one")).status_code == 404
    assert (await client.get("/static/portal.css")).status_code == 200
    assert (await client.get("/nowhere/at/all")).status_code == 404
    exposition = await scrape(service)
    samples = parsed(exposition)
    page = {"method": "GET", "route": "/connections/{name}"}
    assert value(samples, "zoombridge_http_requests_total", status="200", **page) == 1
    assert value(samples, "zoombridge_http_requests_total", status="404", **page) == 1
    assert value(samples, "zoombridge_http_request_duration_seconds_count", **page) == 2
    assert value(samples, "zoombridge_http_request_duration_seconds_sum", **page) > 0
    static = {"method": "GET", "route": "/static", "status": "200"}
    assert value(samples, "zoombridge_http_requests_total", **static) == 1
    lost = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(samples, "zoombridge_http_requests_total", **lost) == 1
    for raw in ("no-such-one", "portal.css", "nowhere"):
        assert raw not in exposition


async def test_a_method_nobody_uses_is_counted_as_other(service: Portal) -> None:
    answer = await service.client().request("BREW", "/health")
    assert answer.status_code == 405
    samples = parsed(await scrape(service))
    brewed = {"method": "other", "route": "/health", "status": "405"}
    assert value(samples, "zoombridge_http_requests_total", **brewed) == 1


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.VIEWER, 403), (Role.CONTRIBUTOR, 403), (Role.MANAGER, 200), (Role.ADMIN, 200)],
)
async def test_an_api_token_reads_metrics_from_manager_up(
    service: Portal, role: Role, status: int
) -> None:
    user = create_user(service.catalog, "robot@example.edu", role, service.clock.now())
    _, token = create_api_token(service.catalog, user.id, "prometheus", service.clock.now())
    answer = await service.client().get("/metrics", headers={"authorization": f"Bearer {token}"})
    assert answer.status_code == status


@pytest.mark.parametrize(
    "authorization", [None, "Bearer ", "Bearer wrong-token-0123456789", f"Basic {TOKEN}", TOKEN]
)
async def test_no_token_or_a_wrong_one_gets_401(service: Portal, authorization: str | None) -> None:
    headers = {"authorization": authorization} if authorization is not None else {}
    answer = await service.client().get("/metrics", headers=headers)
    assert answer.status_code == 401
    assert "zoombridge_" not in answer.text


async def test_a_manager_signed_in_reads_metrics_in_the_browser(service: Portal) -> None:
    assert (await (await service.signed_in(Role.MANAGER)).get("/metrics")).status_code == 200
    assert (await (await service.signed_in(Role.VIEWER)).get("/metrics")).status_code == 403


async def test_without_a_metrics_token_only_a_managers_token_reads_them(portal: Portal) -> None:
    assert portal.bridge.settings.metrics_token is None
    for anything in ("", "None", "null", TOKEN):
        headers = {"authorization": f"Bearer {anything}"}
        assert (await portal.client().get("/metrics", headers=headers)).status_code == 401
    user = create_user(portal.catalog, "ops@example.edu", Role.MANAGER, portal.clock.now())
    _, token = create_api_token(portal.catalog, user.id, "prometheus", portal.clock.now())
    assert "zoombridge_recording_files" in await scrape(portal, token)


async def test_a_scrape_names_no_person_and_no_secret(service: Portal) -> None:
    archive_with_troubles(service)  # its instance's host is ada@example.edu
    signed_in = await service.signed_in(Role.ADMIN, "grace@example.edu")
    user = create_user(service.catalog, "robot@example.edu", Role.MANAGER, service.clock.now())
    _, api_token = create_api_token(service.catalog, user.id, "prometheus", service.clock.now())
    await signed_in.get("/api/status")
    body = event(7)
    now = service.clock.now().timestamp()
    await service.client().post("/webhooks/zoom", content=body, headers=signed(body, now))
    exposition = await scrape(service, api_token)
    for secret in ("@", SECRET, TOKEN, api_token, "zbt_", "Budget", "review"):
        assert secret not in exposition
    connections = {
        labels["connection"]
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        for labels in [sample.labels]
        if "connection" in labels
    }
    assert connections == {"default"}


async def test_the_zoom_clients_counts_and_sync_rounds_are_shown(portal: Portal) -> None:
    stats = {"default": CallStats(api_calls=41, rate_limited=3)}
    metrics = ServiceMetrics(portal.catalog, portal.clock, lambda: stats)
    counted = metrics.round_counter("default")
    counted(Round(1, SyncSummary(verified=4), None))
    counted(Round(2, SyncSummary(failed=1, verified=3), None))  # a file not archived
    counted(Round(3, None, "Zoom refused the credentials"))
    stats["default"].api_calls += 1  # read when scraped, not when made
    samples = parsed(metrics.exposition().decode())
    assert value(samples, "zoombridge_zoom_api_calls_total", connection="default") == 42
    assert value(samples, "zoombridge_zoom_rate_limited_total", connection="default") == 3
    rounds = "zoombridge_sync_rounds_total"
    assert value(samples, rounds, connection="default", outcome="finished") == 1
    assert value(samples, rounds, connection="default", outcome="failed") == 2


async def test_a_catalog_that_cannot_be_read_still_leaves_the_counters(service: Portal) -> None:
    assert (await service.client().get("/health")).status_code == 200
    with service.catalog.session() as session, session.begin():
        session.execute(text("DROP TABLE sync_state"))
    samples = parsed(await scrape(service))
    assert value(samples, "zoombridge_catalog_up") == 0
    health = {"method": "GET", "route": "/health", "status": "200"}
    assert value(samples, "zoombridge_http_requests_total", **health) == 1
    assert not any(name == "zoombridge_recording_files" for name, _ in samples)


async def test_two_apps_in_one_process_count_apart(service: Portal, portal: Portal) -> None:
    await service.client().get("/health")
    other = parsed((portal.app.state.metrics.exposition()).decode())  # type: ignore[attr-defined]
    assert not any(name == "zoombridge_http_requests_total" for name, _ in other)


def test_a_short_metrics_token_is_refused_and_an_empty_one_is_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZOOMBRIDGE_METRICS_TOKEN", "short")
    with pytest.raises(ConfigurationError, match=r"ZOOMBRIDGE_METRICS_TOKEN: .* 16 characters"):
        load_settings()
    monkeypatch.setenv("ZOOMBRIDGE_METRICS_TOKEN", "")
    assert load_settings().metrics_token is None
    monkeypatch.setenv("ZOOMBRIDGE_METRICS_TOKEN", TOKEN)
    assert TOKEN not in repr(load_settings())
