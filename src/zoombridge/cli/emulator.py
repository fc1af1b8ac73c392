"""`zoombridge emulator`: serve the Zoom emulator and print the settings that point at it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from zoombridge.emulator.scenarios import DEFAULT_CREDENTIALS, SCENARIOS, build_world
from zoombridge.settings import Settings

if TYPE_CHECKING:
    from zoombridge.emulator.world import World

__all__ = ["emulator_settings", "serve", "settings_for"]

console = Console()


def _zoom_fields(plan: str, base: str | None, webhook_secret: str) -> dict[str, str]:
    """The emulator's Server-to-Server app; at `base`, or at Zoom's own URLs when None."""
    c = DEFAULT_CREDENTIALS
    fields = {key: c[key] for key in ("account_id", "client_id", "client_secret")}
    if base is not None:
        fields.update(api_url=f"{base}/v2", oauth_url=base)
    fields["plan"] = plan
    if webhook_secret:
        fields["webhook_secret"] = webhook_secret
    return fields


def settings_for(world: World, base: str, webhook_secret: str = "") -> dict[str, str]:
    """The ZOOMBRIDGE_* variables that make zoombridge use this emulator."""
    fields = _zoom_fields(world.plan, base, webhook_secret)
    return {f"ZOOMBRIDGE_ZOOM__{name.upper()}": value for name, value in fields.items()}


def emulator_settings(
    base: str | None,
    *,
    plan: str,
    home: Path | None = None,
    webhook_secret: str = "",
    **archive: Any,
) -> Settings:
    """zoombridge's settings for an emulator on `plan`: over the network at `base`, or, when
    None, at Zoom's own URLs for a transport into the app; `archive` sets archive settings."""
    values: dict[str, Any] = {
        "zoom": _zoom_fields(plan, base, webhook_secret),
        "archive": archive,
    }
    if home is not None:
        values["home"] = home
    return Settings.model_validate(values)


def serve(
    host: Annotated[
        str, typer.Option(help="Interface to listen on (keep it on loopback).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 9000,
    scenario: Annotated[
        str, typer.Option(help=f"One of: {', '.join(sorted(SCENARIOS))}.")
    ] = "demo",
    seed: Annotated[int, typer.Option(help="Same seed, same world.")] = 1,
    webhook_url: Annotated[str | None, typer.Option(help="Deliver webhook events here.")] = None,
    webhook_secret: Annotated[
        str, typer.Option(help="Secret token that signs webhook events.")
    ] = "",
    plan: Annotated[
        str, typer.Option(help="free, pro or business: Zoom's rate limits for that plan.")
    ] = "business",
    rate_limits: Annotated[bool, typer.Option(help="Enforce Zoom's rate limits.")] = True,
) -> None:
    """Start a simulated Zoom (OAuth, REST API, downloads, webhooks) for testing zoombridge."""
    # The web server and the emulator's app only here: every command loads this module.
    import uvicorn

    from zoombridge.emulator.app import create_app

    if scenario not in SCENARIOS:
        raise typer.BadParameter(
            f"unknown scenario; choose from {', '.join(sorted(SCENARIOS))}", param_hint="--scenario"
        )
    if webhook_url and not webhook_secret:
        raise typer.BadParameter(
            "a webhook URL needs --webhook-secret to sign events", param_hint="--webhook-secret"
        )
    if plan not in ("free", "pro", "business"):
        raise typer.BadParameter("choose free, pro or business", param_hint="--plan")
    base = f"http://{host}:{port}"
    world = build_world(scenario, seed, plan=plan)
    world.limiter.enabled = rate_limits
    world.web_base = world.api_url = base
    app = create_app(world, webhook_url=webhook_url, webhook_secret=webhook_secret, on_network=True)
    console.print(f"[bold]Zoom emulator[/] on {base} — scenario [cyan]{scenario}[/], seed {seed}")
    console.print(
        f"{len(world.users)} users, {len(world.instances)} recorded instances, "
        f"{len(world.phone_recordings)} phone recordings"
    )
    console.print("Point zoombridge at it with:")
    for name, value in settings_for(world, base, webhook_secret).items():
        console.print(f"  export {name}={value}", highlight=False)
    console.print(f"Controls: {base}/_emulator/state (faults, clock, events). Ctrl-C stops.")
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    asyncio.run(uvicorn.Server(config).serve())
