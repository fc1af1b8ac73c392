"""`zoombridge connection ...`: the Zoom accounts this installation archives.

    zoombridge connection add NAME --account-id ... --client-id ...   (the secret is prompted for,
        hidden; or from $ZOOMBRIDGE_CONNECTION_CLIENT_SECRET; or `--client-secret -` for stdin)
    zoombridge connection list [--json] | show NAME [--json]
    zoombridge connection enable|disable|remove NAME
    zoombridge connection rekey        seal every stored secret with the current key

`add` asks Zoom at once whether the credentials work (a token and two cheap calls) and writes
nothing when they do not. No command ever prints a secret.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from zoombridge.app import ZoomBridge
from zoombridge.archive.connections import (
    ConnectionInfo,
    add_connection,
    describe_refusal,
    get_info,
    list_connections,
    remove_connection,
    reseal_all,
    set_enabled,
    validate_connection,
)
from zoombridge.cli.common import JsonOption, configuration_errors_exit, with_catalog
from zoombridge.db import Catalog
from zoombridge.errors import ConfigurationError, ZoomBridgeError
from zoombridge.settings import ZoomSettings
from zoombridge.zoom import DEFAULT_API_URL, DEFAULT_OAUTH_URL

__all__ = ["connection_app"]

connection_app = typer.Typer(
    help="The Zoom connections (accounts) this installation archives.", no_args_is_help=True
)

Name = Annotated[str, typer.Argument(help="The connection's name, e.g. 'faculty-eu'.")]


def _secret(value: str) -> str:
    """`-` reads the secret from standard input (one line), keeping it out of `ps`."""
    return sys.stdin.readline().strip() if value == "-" else value


def _validated(
    bridge: ZoomBridge, name: str, zoom_fields: dict[str, Any], overrides: dict[str, Any]
) -> tuple[ZoomSettings, dict[str, Any]]:
    """Everything about a new connection that can be refused without asking Zoom."""
    zoom, _, stored = validate_connection(name, zoom_fields, overrides, bridge.settings.archive)
    bridge.keyring().keys  # noqa: B018 - read the key file now: a bad one is refused first
    if bridge.catalog_exists():
        catalog = bridge.catalog()
        try:
            known = {info.name for info in list_connections(catalog, bridge.settings)}
        finally:
            catalog.dispose()
        if name in known:
            raise ConfigurationError(f"a connection named {name!r} exists already")
    return zoom, stored


def _check_with_zoom(bridge: ZoomBridge, name: str, zoom: ZoomSettings) -> None:
    try:
        asyncio.run(bridge.check_connection(zoom))
    except ZoomBridgeError as exc:
        raise ConfigurationError(
            f"Zoom did not accept connection {name!r}: {describe_refusal(exc)} "
            "(nothing was saved; --no-check saves without asking Zoom)"
        ) from None


@connection_app.command("add")
def add(
    name: Name,
    account_id: Annotated[str, typer.Option(help="The Server-to-Server app's account id.")],
    client_id: Annotated[str, typer.Option(help="The app's client id.")],
    client_secret: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            envvar="ZOOMBRIDGE_CONNECTION_CLIENT_SECRET",
            help="The app's client secret; prompted for (hidden) if not given; - reads stdin.",
        ),
    ],
    webhook_secret: Annotated[
        str,
        typer.Option(envvar="ZOOMBRIDGE_CONNECTION_WEBHOOK_SECRET", help="Webhook secret token."),
    ] = "",
    plan: Annotated[
        str, typer.Option(help="free | pro | business: sizes the rate budget.")
    ] = "pro",
    proxy: Annotated[str | None, typer.Option(help="Forward proxy, http://host:port.")] = None,
    api_url: Annotated[str, typer.Option(help="Zoom's API base URL.")] = DEFAULT_API_URL,
    oauth_url: Annotated[str, typer.Option(help="Zoom's OAuth base URL.")] = DEFAULT_OAUTH_URL,
    users: Annotated[str | None, typer.Option(help="Only these hosts (comma separated).")] = None,
    start_date: Annotated[str | None, typer.Option(help="Backfill from (YYYY-MM-DD).")] = None,
    key_template: Annotated[str | None, typer.Option(help="Folder of each instance.")] = None,
    concurrency: Annotated[int | None, typer.Option(help="File transfers at once.")] = None,
    delete_from_zoom: Annotated[
        bool | None, typer.Option(help="After verified archiving, remove from Zoom.")
    ] = None,
    delete_grace_days: Annotated[int | None, typer.Option(help="... after these days.")] = None,
    delete_action: Annotated[str | None, typer.Option(help="trash | delete.")] = None,
    no_check: Annotated[
        bool, typer.Option("--no-check", help="Do not ask Zoom whether the credentials work.")
    ] = False,
) -> None:
    """Add a Zoom connection; its credentials are checked with Zoom and stored encrypted."""
    zoom_fields: dict[str, Any] = {
        "account_id": account_id,
        "client_id": client_id,
        "client_secret": _secret(client_secret),
        "webhook_secret": _secret(webhook_secret),
        "plan": plan,
        "proxy": proxy or None,
        "api_url": api_url,
        "oauth_url": oauth_url,
    }
    choices = {
        "users": users,
        "start_date": start_date,
        "key_template": key_template,
        "concurrency": concurrency,
        "delete_from_zoom": delete_from_zoom,
        "delete_grace_days": delete_grace_days,
        "delete_action": delete_action,
    }
    overrides = {key: value for key, value in choices.items() if value is not None}
    with configuration_errors_exit():
        bridge = ZoomBridge.from_env()
        zoom, stored = _validated(bridge, name, zoom_fields, overrides)
        if not no_check:
            _check_with_zoom(bridge, name, zoom)
        catalog = bridge.catalog()
        try:
            add_connection(catalog, bridge.keyring(), name, zoom, stored, bridge.clock.now())
        finally:
            catalog.dispose()
    checked = "not checked with Zoom" if no_check else "Zoom accepted the credentials"
    Console().print(f"Connection {name!r} added ({checked}); secrets stored encrypted.")
    Console().print(f"Archive it with: zoombridge sync --once --connection {name}")


def _table(infos: list[ConnectionInfo]) -> Table:
    table = Table(title="Zoom connections")
    for column in ("name", "enabled", "source", "account", "plan", "api", "proxy", "overrides"):
        table.add_column(column)
    for info in infos:
        overrides = ", ".join(f"{key}={value}" for key, value in info.archive.items())
        table.add_row(
            info.name,
            "yes" if info.enabled else "no",
            info.source,
            info.account_id,
            info.plan,
            info.api_url,
            info.proxy or "-",
            overrides or "-",
        )
    return table


@connection_app.command("list")
def list_all(as_json: JsonOption = False) -> None:
    """List the connections (never their secrets)."""
    infos = with_catalog(lambda bridge, catalog: list_connections(catalog, bridge.settings))
    if as_json:
        typer.echo(json.dumps([info.as_dict() for info in infos], indent=2))
    elif infos:
        Console().print(_table(infos))
    else:
        Console().print("No connection yet: zoombridge connection add --help")


@connection_app.command("show")
def show(name: Name, as_json: JsonOption = False) -> None:
    """Show one connection (never its secrets)."""
    info = with_catalog(lambda bridge, catalog: get_info(catalog, bridge.settings, name))
    if as_json:
        typer.echo(json.dumps(info.as_dict(), indent=2))
    else:
        Console().print(_table([info]))


def _switch(name: str, enabled: bool) -> None:
    with_catalog(
        lambda bridge, catalog: set_enabled(
            catalog, bridge.settings, name, enabled, bridge.clock.now()
        )
    )
    Console().print(f"Connection {name!r} {'enabled' if enabled else 'disabled'}.")


@connection_app.command("enable")
def enable(name: Name) -> None:
    """Include the connection in `zoombridge sync` again."""
    _switch(name, True)


@connection_app.command("disable")
def disable(name: Name) -> None:
    """Leave the connection out of `zoombridge sync` (its archive and status stay)."""
    _switch(name, False)


@connection_app.command("remove")
def remove(name: Name) -> None:
    """Forget a connection's credentials; its archived files and catalog history stay."""
    folder = with_catalog(lambda bridge, catalog: _forget(bridge, catalog, name))
    Console().print(
        f"Connection {name!r} removed; its archived files and history were kept "
        f"(files under {folder})."
    )


def _forget(bridge: ZoomBridge, catalog: Catalog, name: str) -> str:
    """Remove the connection; where its files stay."""
    remove_connection(catalog, name, bridge.clock.now())
    return bridge.storage_url(name)


@connection_app.command("rekey")
def rekey() -> None:
    """Seal every stored secret with the current key: after putting a new key first in
    ZOOMBRIDGE_SECRET_KEY (new,old), run this, then drop the old key."""
    count = with_catalog(
        lambda bridge, catalog: reseal_all(catalog, bridge.keyring(), bridge.clock.now())
    )
    Console().print(f"{count} connection secret(s) sealed again with the current key.")
