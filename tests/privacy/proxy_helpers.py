"""What the proxy tests share: the proxy over an emulated Zoom, callers, and the strings
that must never leave it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
from privacy_helpers import KEY, SALT
from pydantic import SecretStr

from zoombridge.app import ZoomBridge
from zoombridge.cli.emulator import emulator_settings
from zoombridge.emulator import World, create_app
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.privacy.endpoints import CompiledRules
from zoombridge.privacy.proxy import PrivacyProxy
from zoombridge.privacy.rules_yaml import default_rules
from zoombridge.settings import PrivacySettings

__all__ = ["caller", "leaked", "running_proxy", "secrets_of"]


@asynccontextmanager
async def running_proxy(
    world: World,
    home: Path,
    transport: httpx.AsyncBaseTransport | None = None,
    rules: CompiledRules | None = None,
    key_cache_seconds: float = 10.0,
) -> AsyncIterator[PrivacyProxy]:
    """The proxy of a zoombridge in `home` whose Zoom is `world` (through `transport`, by
    default straight into the emulator)."""
    settings = emulator_settings(None, plan=world.plan, home=home)
    privacy = PrivacySettings(salt=SecretStr(SALT), encryption_key=SecretStr(KEY))
    settings = settings.model_copy(update={"privacy": privacy})
    bridge = ZoomBridge(
        settings, transport=transport or EmulatorTransport(create_app(world)), clock=world.clock
    )
    async with bridge.privacy_proxy(
        rules or default_rules(), key_cache_seconds=key_cache_seconds
    ) as proxy:
        yield proxy


def caller(proxy: PrivacyProxy, key: str | None, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    """An HTTP client of the proxy, from `ip`, sending `key` as X-Api-Key."""
    transport = httpx.ASGITransport(app=proxy, client=(ip, 40000))
    headers = {"X-Api-Key": key} if key else {}
    return httpx.AsyncClient(transport=transport, base_url="http://proxy", headers=headers)


def zoom_targets(world: World) -> list[str]:
    """GET targets the default rules allow, one per kind of answer; [5] lists participants."""
    instance = next(i for i in world.instances.values() if i.files and len(i.participants) > 1)
    day, host = instance.start_time.date().isoformat(), instance.host_id
    twice = quote(quote(instance.uuid, safe=""), safe="")
    call = world.calls[0]
    call_day = call.start_time.date().isoformat()
    return [
        "/v2/users?page_size=300",
        f"/v2/users/{host}/meetings",
        f"/v2/meetings/{instance.meeting_id}",
        f"/v2/past_meetings/{twice}",
        f"/v2/past_meetings/{instance.meeting_id}/instances",
        f"/v2/past_meetings/{twice}/participants",
        f"/v2/report/users/{host}/meetings?from={day}&to={day}",
        f"/v2/users/{host}/recordings?from={day}&to={day}",
        f"/v2/phone/call_history?from={call_day}&to={call_day}",
        f"/v2/phone/users/{call.user_id}/call_history?from={call_day}&to={call_day}",
    ]


def secrets_of(world: World) -> list[str]:
    """Strings that must never leave: e-mails, names, topics, passcodes, secret URLs."""
    found = set()
    for user in world.users.values():
        found |= {user.email, user.first_name, user.last_name, user.display_name}
    for instance in world.instances.values():
        found |= {instance.topic, instance.play_passcode or "", instance.recording_passcode or ""}
    for call in world.calls:
        found |= {call.caller_name, call.callee_name}
    found |= {"pwd=", "zak=", "/rec/play/", "/rec/download/"}
    return sorted(s for s in found if s and len(s) > 2)


def leaked(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]
