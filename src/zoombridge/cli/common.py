"""What the archive commands share: the common options and how configuration errors end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from zoombridge.app import ZoomBridge
from zoombridge.db import Catalog
from zoombridge.errors import ConfigurationError, InvalidInput

T = TypeVar("T")

__all__ = ["ConnectionOption", "JsonOption", "configuration_errors_exit", "err", "with_catalog"]

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


def with_catalog(work: Callable[[ZoomBridge, Catalog], T]) -> T:
    """Run `work(bridge, catalog)` on the configured installation: a configuration problem
    exits 2 with the fix, refused input exits 1 with the reason; the catalog is closed."""
    with configuration_errors_exit():
        bridge = ZoomBridge.from_env()
        catalog = bridge.catalog()
        try:
            return work(bridge, catalog)
        except InvalidInput as exc:
            err.print(f"[red]refused:[/red] {exc}")
            raise typer.Exit(1) from None
        finally:
            catalog.dispose()
