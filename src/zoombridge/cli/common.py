"""What the archive commands share: the common options and how configuration errors end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console

from zoombridge.app import DEFAULT_CONNECTION
from zoombridge.errors import ConfigurationError

__all__ = ["ConnectionOption", "JsonOption", "check_connection", "configuration_errors_exit", "err"]

err = Console(stderr=True)

ConnectionOption = Annotated[
    str, typer.Option("--connection", help="Which Zoom connection (one is configured now).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")]


def check_connection(name: str) -> None:
    if name != DEFAULT_CONNECTION:
        raise typer.BadParameter(
            f"no connection named {name!r}; the configured one is {DEFAULT_CONNECTION!r}",
            param_hint="--connection",
        )


@contextmanager
def configuration_errors_exit() -> Iterator[None]:
    """A configuration error is printed with what to fix and ends the command with code 2."""
    try:
        yield
    except ConfigurationError as exc:
        err.print(f"[red]configuration:[/red] {exc}")
        raise typer.Exit(2) from None
