"""What the archive commands share: the common options and how configuration errors end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console

from zoombridge.errors import ConfigurationError

__all__ = ["ConnectionOption", "JsonOption", "configuration_errors_exit", "err"]

err = Console(stderr=True)

ConnectionOption = Annotated[
    str | None,
    typer.Option(
        "--connection",
        help="Which Zoom connection (default: every enabled one; see zoombridge connection list).",
    ),
]
# `sync` and `status` print one object per connection, `connection list` an array.
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@contextmanager
def configuration_errors_exit() -> Iterator[None]:
    """A configuration error is printed with what to fix and ends the command with code 2."""
    try:
        yield
    except ConfigurationError as exc:
        err.print(f"[red]configuration:[/red] {exc}")
        raise typer.Exit(2) from None
