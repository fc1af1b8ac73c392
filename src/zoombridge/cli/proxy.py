"""`zoombridge proxy`: Zoom's API for analytics, pseudonymized, behind API keys.

zoombridge proxy [--host 127.0.0.1] [--port 8100] [--connection NAME] [--rules FILE]
zoombridge proxy key create NAME [--allow-ip CIDR ...] [--json]
zoombridge proxy key list [--json]
zoombridge proxy key revoke NAME

Keys are shown once, when made; the catalog keeps only their SHA-256.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from zoombridge.app import DEFAULT_CONNECTION, ZoomBridge
from zoombridge.cli.common import JsonOption, configuration_errors_exit, err, with_catalog
from zoombridge.errors import RulesInvalid
from zoombridge.privacy.endpoints import CompiledRules
from zoombridge.privacy.proxy_keys import KeyInfo, create_key, list_keys, revoke_key
from zoombridge.privacy.rules_yaml import default_rules, load_rules

__all__ = ["proxy_app"]

proxy_app = typer.Typer(
    help="Serve Zoom's API to analytics tools, pseudonymized by rules, behind API keys.",
    invoke_without_command=True,
)
key_app = typer.Typer(help="The API keys callers of the proxy use.", no_args_is_help=True)
proxy_app.add_typer(key_app, name="key")


@proxy_app.callback()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8100,
    connection: Annotated[
        str, typer.Option("--connection", help="The Zoom connection to call through.")
    ] = DEFAULT_CONNECTION,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="Rules (YAML); default: zoombridge's Zoom rules.")
    ] = None,
) -> None:
    """Serve the endpoints the rules allow (default: zoombridge's default-deny Zoom rules)."""
    if ctx.invoked_subcommand is not None:
        return
    compiled = _rules(rules)
    with configuration_errors_exit():
        bridge = ZoomBridge.from_env()
        asyncio.run(_serve(bridge, compiled, connection, host, port))


def _rules(path: Path | None) -> CompiledRules:
    try:
        return load_rules(path) if path is not None else default_rules()
    except RulesInvalid as exc:
        err.print(f"[red]refused:[/red] {exc}", highlight=False, markup=False)
        raise typer.Exit(1) from None


async def _serve(
    bridge: ZoomBridge, rules: CompiledRules, connection: str, host: str, port: int
) -> None:
    import uvicorn  # the web server only here: every command loads this module

    async with bridge.privacy_proxy(rules, connection) as proxy:
        console = Console()
        console.print(
            f"[bold]Privacy proxy[/] for connection [cyan]{connection}[/] on http://{host}:{port}"
        )
        console.print(
            f"{len(rules.endpoints)} endpoints allowed by {rules.source} "
            f"(rules {rules.sha256[:12]}), {proxy.pseudonymizer.name} pseudonyms, "
            f"salt fingerprint {proxy.pseudonymizer.fingerprint()}",
            highlight=False,
        )
        if not list_keys(proxy.keys.catalog, include_revoked=False):
            console.print("No API keys yet: make one with  zoombridge proxy key create NAME")
        config = uvicorn.Config(
            proxy,
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            proxy_headers=True,  # the client address a local reverse proxy reports
            forwarded_allow_ips="127.0.0.1",
        )
        await uvicorn.Server(config).serve()


@key_app.command("create")
def key_create(
    name: Annotated[str, typer.Argument(help="Who or what uses the key (unique among live keys).")],
    allow_ip: Annotated[
        list[str] | None,
        typer.Option("--allow-ip", help="A network the key may be used from (repeatable)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Make a key; it is printed once and cannot be shown again."""
    made = with_catalog(
        lambda bridge, catalog: create_key(catalog, name, allow_ip or [], bridge.clock.now())
    )
    if as_json:
        typer.echo(json.dumps({**made.info.as_json(), "key": made.key}))
        return
    typer.echo(made.key)
    where = ", ".join(made.info.allow_ips) or "any address"
    err.print(
        f"Key [cyan]{made.info.name}[/] for {where}. Store it now: it is not shown again.",
        highlight=False,
    )


@key_app.command("list")
def key_list(as_json: JsonOption = False) -> None:
    """List keys (never the keys themselves): name, prefix, networks, use, revocation."""
    keys = with_catalog(lambda _bridge, catalog: list_keys(catalog))
    if as_json:
        typer.echo(json.dumps([info.as_json() for info in keys]))
        return
    if not keys:
        typer.echo("No proxy keys. Make one with: zoombridge proxy key create NAME")
        return
    Console().print(_table(keys))


def _table(keys: list[KeyInfo]) -> Table:
    table = Table()
    for column in ("name", "prefix", "allowed from", "created", "last used", "revoked"):
        table.add_column(column)
    for info in keys:
        table.add_row(
            info.name,
            info.prefix + "…",
            ", ".join(info.allow_ips) or "anywhere",
            f"{info.created_at:%Y-%m-%d %H:%M}",
            f"{info.last_used_at:%Y-%m-%d %H:%M}" if info.last_used_at else "-",
            f"{info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "-",
        )
    return table


@key_app.command("revoke")
def key_revoke(name: Annotated[str, typer.Argument(help="The live key's name.")]) -> None:
    """Revoke a key: a running proxy refuses it within 10 seconds."""
    info = with_catalog(lambda bridge, catalog: revoke_key(catalog, name, bridge.clock.now()))
    typer.echo(f"Revoked {info.name} ({info.prefix}…).")
