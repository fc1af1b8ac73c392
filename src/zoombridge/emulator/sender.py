"""Delivering webhook events the way Zoom does.

Each event is POSTed as JSON with `x-zm-request-timestamp` and `x-zm-signature: v0=<hex>`
(HMAC-SHA256 of `v0:<timestamp>:<body>` keyed by the secret token). Zoom retries only when the
receiver answers >= 500 or cannot be reached, three times: 5, then 20, then 60 minutes later
(the delays are a knob so tests need not wait). 3xx and 4xx answers are final.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from zoombridge.emulator.world import World

__all__ = ["Delivery", "WebhookSender"]

log = logging.getLogger("zoombridge.emulator.webhooks")

ZOOM_RETRY_DELAYS = (300.0, 1200.0, 3600.0)


@dataclass
class Delivery:
    event: str
    body: bytes
    request_id: str
    due_at: datetime
    attempts: int = 0
    outcome: str = "pending"  # pending | delivered | dropped
    history: list[str] = field(default_factory=list)


class WebhookSender:
    def __init__(
        self,
        world: World,
        url: str,
        secret: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry_delays: tuple[float, ...] = ZOOM_RETRY_DELAYS,
        timeout: float = 3.0,
    ) -> None:
        self.world = world
        self.url = url
        self._secret = secret.encode()
        self.retry_delays = retry_delays
        self.deliveries: list[Delivery] = []
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)
        world.listeners.append(self.enqueue)

    def enqueue(self, event: str, body: dict[str, Any]) -> None:
        raw = json.dumps(body, separators=(",", ":")).encode()
        request_id = str(uuid.UUID(bytes=self.world.rng.randbytes(16), version=4))
        self.deliveries.append(Delivery(event, raw, request_id, self.world.now()))

    def pending(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.outcome == "pending"]

    async def deliver_due(self) -> int:
        """Send every delivery that is due now; the number sent."""
        due = [d for d in self.pending() if d.due_at <= self.world.now()]
        for delivery in due:
            await self._attempt(delivery)
        return len(due)

    async def run(self, stop: asyncio.Event, interval: float = 0.2) -> None:
        while not stop.is_set():
            try:
                await self.deliver_due()
            except Exception:
                log.exception("webhook delivery loop")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)

    async def aclose(self) -> None:
        await self._http.aclose()

    def headers(self, delivery: Delivery, timestamp: str) -> dict[str, str]:
        message = b"v0:" + timestamp.encode() + b":" + delivery.body
        signature = hmac.new(self._secret, message, hashlib.sha256).hexdigest()
        return {
            "user-agent": "Zoom Marketplace/1.0a",
            "content-type": "application/json; charset=utf-8",
            "x-zm-request-timestamp": timestamp,
            "x-zm-signature": f"v0={signature}",
            "x-zm-request-id": delivery.request_id,
        }

    async def _attempt(self, delivery: Delivery) -> None:
        delivery.attempts += 1
        timestamp = str(int(self.world.now().timestamp()))
        try:
            response = await self._http.post(
                self.url, content=delivery.body, headers=self.headers(delivery, timestamp)
            )
        except httpx.HTTPError as exc:
            self._retry_or_drop(delivery, f"transport error {type(exc).__name__}")
            return
        if 200 <= response.status_code < 300:
            delivery.outcome = "delivered"
            delivery.history.append(str(response.status_code))
        elif response.status_code >= 500:
            self._retry_or_drop(delivery, str(response.status_code))
        else:
            delivery.outcome = "dropped"  # Zoom does not retry 3xx/4xx
            delivery.history.append(str(response.status_code))

    def _retry_or_drop(self, delivery: Delivery, why: str) -> None:
        delivery.history.append(why)
        retry = delivery.attempts - 1
        if retry >= len(self.retry_delays):
            delivery.outcome = "dropped"
            log.warning("webhook %s dropped after %d attempts", delivery.event, delivery.attempts)
            return
        delivery.due_at = self.world.now() + timedelta(seconds=self.retry_delays[retry])
