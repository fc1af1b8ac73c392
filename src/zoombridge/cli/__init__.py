"""The `zoombridge` command: thin Typer commands over the application and the emulator."""

from __future__ import annotations

import typer

from zoombridge.cli import (
    archive,
    connections,
    demo,
    emulator,
    emulator_check,
    library,
    meetings,
    privacy,
    proxy,
    search,
    serve,
    sync,
    users,
    worker,
)

__all__ = ["app", "main"]

app = typer.Typer(
    name="zoombridge",
    help="Connect your Zoom account to the systems you own.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("emulator")(emulator.serve)
app.command("demo")(demo.run)
app.command("sync")(sync.run_sync)
app.command("status")(sync.show_status)
app.command("serve")(serve.serve)
app.command("search")(search.run_search)
app.command("emulator-check")(emulator_check.run)
app.add_typer(archive.archive, name="archive")
app.add_typer(connections.connection_app, name="connection")
app.add_typer(users.user_app, name="user")
app.add_typer(library.library_app, name="library")
app.add_typer(privacy.privacy_app, name="privacy")
app.add_typer(meetings.meetings_app, name="meetings")
app.add_typer(proxy.proxy_app, name="proxy")
app.command("worker", help=worker.HELP)(worker.run_worker)


def main() -> None:
    app()
