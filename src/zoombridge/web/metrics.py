"""`GET /metrics`: the service's figures in Prometheus' text format.

Counted here, as things happen: HTTP requests (by method, route template and status, with
their latency), webhook deliveries by outcome, sync rounds by outcome. Read when scraped:
the catalog's figures (files by state, bytes, inbox, sync state; `archive.figures`) and the
Zoom clients' call counts. Label values are fixed words, route templates and connection
names (slugs), never a raw path, an address or an e-mail, so there are few series and none
says anything about a person.

A scraper sends `Authorization: Bearer <token>`: the configured `ZOOMBRIDGE_METRICS_TOKEN`,
or a Manager's (or Admin's) API token; a Manager's session works in a browser too. Without
either the answer is 401. Each app has a registry of its own, so apps built side by side
(tests) never share counters.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response

from zoombridge.accounts import Role
from zoombridge.archive.figures import ConnectionFigures, read_figures
from zoombridge.archive.loop import Round
from zoombridge.clock import Clock
from zoombridge.db import Catalog
from zoombridge.web.auth import api_user, context
from zoombridge.web.security import same_token
from zoombridge.zoom.client import CallStats

__all__ = ["SYNC_STATES", "ServiceMetrics", "router"]

log = logging.getLogger("zoombridge.web.metrics")

SYNC_STATES = ("idle", "running", "finished", "failed")
# Webhook answers take a few ms and portal pages tens of ms; the top buckets catch streams.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
ZoomStats = Callable[[], Mapping[str, CallStats]]


def _no_clients() -> Mapping[str, CallStats]:
    return {}


class ServiceMetrics:
    """What `/metrics` shows for one app; `zoom_stats` names each served connection's
    client statistics (none in an app without workers)."""

    def __init__(self, catalog: Catalog, clock: Clock, zoom_stats: ZoomStats = _no_clients) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "zoombridge_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_duration = Histogram(
            "zoombridge_http_request_duration_seconds",
            "Time from receiving an HTTP request to the end of its answer.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.webhooks = Counter(
            "zoombridge_webhook_requests",
            "Webhook deliveries by outcome (accepted, duplicate, url_validation, rejected, "
            "error) and, when rejected, the reason.",
            ["connection", "outcome", "reason"],
            registry=self.registry,
        )
        self.sync_rounds = Counter(
            "zoombridge_sync_rounds",
            "Sync rounds this process ran, by outcome (finished, failed).",
            ["connection", "outcome"],
            registry=self.registry,
        )
        self.registry.register(CatalogCollector(catalog, clock))
        self.registry.register(ZoomCallsCollector(zoom_stats))

    def observe_http(self, method: str, route: str, status: int, seconds: float) -> None:
        self.http_requests.labels(method, route, str(status)).inc()
        self.http_duration.labels(method, route).observe(seconds)

    def count_webhook(self, connection: str, outcome: str, reason: str = "") -> None:
        self.webhooks.labels(connection, outcome, reason).inc()

    def round_counter(self, connection: str) -> Callable[[Round], None]:
        """What the sync loop of `connection` tells about each round; both outcomes start
        at 0 so that a rate is defined before the first failure."""
        finished = self.sync_rounds.labels(connection, "finished")
        failed = self.sync_rounds.labels(connection, "failed")

        def count(done: Round) -> None:
            # As the status panel: a round fails on an error or on files not archived.
            summary = done.summary
            ok = done.error is None and summary is not None and not summary.failed
            (finished if ok else failed).inc()

        return count

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class CatalogCollector(Collector):
    """The catalog's figures, read at each scrape (a few grouped queries)."""

    def __init__(self, catalog: Catalog, clock: Clock) -> None:
        self.catalog = catalog
        self.clock = clock

    def describe(self) -> Iterable[Metric]:
        return [*_catalog_families([], self.clock.now()), _catalog_up(True)]

    def collect(self) -> Iterable[Metric]:
        try:
            figures = read_figures(self.catalog)
        except SQLAlchemyError:  # the HTTP and webhook counters are still worth a scrape
            log.exception("could not read the catalog's figures for /metrics")
            return [_catalog_up(False)]
        return [*_catalog_families(figures, self.clock.now()), _catalog_up(True)]


def _catalog_up(readable: bool) -> Metric:
    up = GaugeMetricFamily("zoombridge_catalog_up", "1 when the catalog could be read.")
    up.add_metric([], 1 if readable else 0)
    return up


def _catalog_families(figures: list[ConnectionFigures], now: datetime) -> Iterator[Metric]:
    yield from _file_families(figures)
    yield from _sync_families(figures)
    yield from _inbox_families(figures, now)


def _file_families(figures: list[ConnectionFigures]) -> Iterator[Metric]:
    by_state = GaugeMetricFamily(
        "zoombridge_recording_files",
        "Recording files in the catalog, by state.",
        labels=["connection", "state"],
    )
    archived = GaugeMetricFamily(
        "zoombridge_archived_bytes", "Bytes stored of archived files.", labels=["connection"]
    )
    freed = CounterMetricFamily(
        "zoombridge_zoom_freed_bytes",
        "Bytes of recordings removed from Zoom after archiving.",
        labels=["connection"],
    )
    flagged = GaugeMetricFamily(
        "zoombridge_media_flagged_files",
        "Archived audio and video files whose probe found a problem (kept in Zoom).",
        labels=["connection"],
    )
    for one in figures:
        for state, count in sorted(one.files.by_state.items()):
            by_state.add_metric([one.name, state], count)
        archived.add_metric([one.name], one.files.archived_bytes)
        freed.add_metric([one.name], one.sync.bytes_freed)
        flagged.add_metric([one.name], one.files.media_flagged)
    return iter((by_state, archived, freed, flagged))


def _sync_families(figures: list[ConnectionFigures]) -> Iterator[Metric]:
    state = GaugeMetricFamily(
        "zoombridge_sync_state",
        "1 for the state the connection's sync process is in (idle, running, finished, failed).",
        labels=["connection", "state"],
    )
    attempt = GaugeMetricFamily(
        "zoombridge_sync_last_attempt_timestamp_seconds",
        "When the last sync started (Unix time).",
        labels=["connection"],
    )
    finished = GaugeMetricFamily(
        "zoombridge_sync_last_finished_timestamp_seconds",
        "When the last sync ended, finished or failed (Unix time).",
        labels=["connection"],
    )
    for one in figures:
        for name in SYNC_STATES:
            state.add_metric([one.name, name], 1 if one.sync.process == name else 0)
        if one.sync.last_attempt_at is not None:
            attempt.add_metric([one.name], one.sync.last_attempt_at.timestamp())
        if one.sync.last_finished_at is not None:
            finished.add_metric([one.name], one.sync.last_finished_at.timestamp())
    return iter((state, attempt, finished))


def _inbox_families(figures: list[ConnectionFigures], now: datetime) -> Iterator[Metric]:
    waiting = GaugeMetricFamily(
        "zoombridge_webhook_inbox_waiting_events",
        "Webhook events stored and not applied yet.",
        labels=["connection"],
    )
    oldest = GaugeMetricFamily(
        "zoombridge_webhook_inbox_oldest_age_seconds",
        "How long the oldest waiting webhook event has waited (0 when none waits).",
        labels=["connection"],
    )
    for one in figures:
        waiting.add_metric([one.name], one.inbox.waiting)
        received = one.inbox.oldest_received_at
        age = (now - received).total_seconds() if received is not None else 0.0
        oldest.add_metric([one.name], max(0.0, age))
    return iter((waiting, oldest))


class ZoomCallsCollector(Collector):
    """The served connections' Zoom clients' counts since the service started."""

    def __init__(self, zoom_stats: ZoomStats) -> None:
        self.zoom_stats = zoom_stats

    def collect(self) -> Iterable[Metric]:
        calls = CounterMetricFamily(
            "zoombridge_zoom_api_calls",
            "Zoom API requests that got an answer, by connection.",
            labels=["connection"],
        )
        limited = CounterMetricFamily(
            "zoombridge_zoom_rate_limited",
            "Zoom API answers that were 429 (rate limited), by connection.",
            labels=["connection"],
        )
        for name, stats in sorted(self.zoom_stats().items()):
            calls.add_metric([name], stats.api_calls)
            limited.add_metric([name], stats.rate_limited)
        return [calls, limited]


async def _scraper(request: Request) -> None:
    """The metrics token, or a Manager's API token or session (401 without, 403 below)."""
    configured = context(request).bridge.settings.metrics_token
    header = request.headers.get("authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else None
    if configured is not None and same_token(given, configured.get_secret_value()):
        return
    await api_user(Role.MANAGER)(request)


router = APIRouter()


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(_scraper)])
async def metrics(request: Request) -> Response:
    service: ServiceMetrics = request.app.state.metrics
    # Reading the catalog blocks; off the event loop, webhooks keep being answered meanwhile.
    body = await asyncio.to_thread(service.exposition)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
