"""`zoombridge serve`: the long-running service (see `zoombridge.cli.service`)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from zoombridge.app import ZoomBridge
from zoombridge.cli.common import configuration_errors_exit, err

__all__ = ["serve"]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            envvar="ZOOMBRIDGE_FORWARDED_ALLOW_IPS",
            help="Reverse proxies (comma-separated addresses) whose X-Forwarded-Proto/For are "
            "believed: the portal's cookies are Secure and sign-in throttling counts real "
            "clients only behind them.",
        ),
    ] = "127.0.0.1",
) -> None:
    """Run the service: Zoom webhooks at /webhooks/zoom (/webhooks/zoom/NAME for a registered
    connection), archive workers, a sync of every connection every minute."""
    with configuration_errors_exit():
        bridge = ZoomBridge.from_env()
        if not bridge.settings.zoom.webhook_secret.get_secret_value():
            err.print(
                "[yellow]no ZOOMBRIDGE_ZOOM__WEBHOOK_SECRET: webhooks will be refused; "
                "polling still archives everything[/yellow]"
            )
        # The web stack only here: every command loads this module.
        from zoombridge.cli.service import run_service

        asyncio.run(run_service(bridge, host, port, asyncio.Event(), forwarded_allow_ips))
