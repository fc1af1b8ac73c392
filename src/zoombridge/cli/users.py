"""`zoombridge user`: the portal's accounts, for the first admin and for scripts.

zoombridge user add EMAIL --role admin [--name "Ada Lovelace"]   (password prompted twice,
    hidden; or from $ZOOMBRIDGE_USER_PASSWORD; or `--password -` for stdin)
zoombridge user list [--json]
zoombridge user password EMAIL
zoombridge user invite EMAIL [--role R] [--json]   (a link by e-mail; printed without mail)
zoombridge user reset EMAIL [--json]
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from zoombridge.accounts import Role
from zoombridge.accounts.invitations import Delivery, Outbox, invite, send_reset
from zoombridge.accounts.users import (
    UserView,
    create_user,
    find_user,
    list_users,
    set_password,
    update_user,
)
from zoombridge.app import ZoomBridge
from zoombridge.cli.common import JsonOption, err, with_catalog
from zoombridge.db import Catalog
from zoombridge.errors import InvalidInput, MailNotSent
from zoombridge.mail import Mailer

__all__ = ["user_app"]

user_app = typer.Typer(help="Portal users: who may sign in, with which role.", no_args_is_help=True)

Password = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="ZOOMBRIDGE_USER_PASSWORD",
        help="At least 12 characters; prompted for (hidden) if not given; - reads stdin.",
    ),
]


T = TypeVar("T")


def _password(value: str) -> str:
    return sys.stdin.readline().rstrip("\n") if value == "-" else value


@user_app.command("add")
def add(
    email: str,
    password: Password,
    role: Annotated[str, typer.Option(help="viewer | contributor | manager | admin")] = "viewer",
    name: Annotated[str | None, typer.Option(help="The name the portal shows.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a portal user who can sign in at once."""

    def work(bridge: ZoomBridge, catalog: Catalog) -> UserView:
        chosen = Role.parse(role)
        return create_user(
            catalog, email, chosen, bridge.clock.now(), name=name, password=_password(password)
        )

    user = with_catalog(work)
    if as_json:
        typer.echo(json.dumps(_as_dict(user)))
    else:
        Console().print(f"Added {user.email} ({user.role.label}).")


@user_app.command("list")
def list_all(as_json: JsonOption = False) -> None:
    """List the portal's users (never their passwords)."""
    users: list[UserView] = with_catalog(lambda bridge, catalog: list_users(catalog))
    if as_json:
        typer.echo(json.dumps([_as_dict(user) for user in users], indent=2))
        return
    table = Table("e-mail", "name", "role", "can sign in")
    for user in users:
        state = "disabled" if user.disabled else ("yes" if user.has_password else "no password")
        table.add_row(user.email, user.name or "", user.role.label, state)
    Console().print(table if users else "No user yet: zoombridge user add EMAIL --role admin")


@user_app.command("password")
def change_password(email: str, password: Password) -> None:
    """Set a user's password."""

    def work(bridge: ZoomBridge, catalog: Catalog) -> None:
        set_password(catalog, _existing(catalog, email).id, _password(password), bridge.clock.now())

    with_catalog(work)
    Console().print(f"Password set for {email}; their sessions have ended.")


@user_app.command("role")
def change_role(email: str, role: str) -> None:
    """Give a user another role (viewer | contributor | manager | admin)."""
    user = with_catalog(
        lambda _, catalog: update_user(catalog, _existing(catalog, email).id, role=Role.parse(role))
    )
    Console().print(f"{user.email} is now {user.role.label}.")


@user_app.command("disable")
def disable(email: str) -> None:
    """Stop a user from signing in; their sessions and API tokens stop working at once."""
    with_catalog(
        lambda _, catalog: update_user(catalog, _existing(catalog, email).id, disabled=True)
    )
    Console().print(f"{email} is disabled.")


@user_app.command("enable")
def enable(email: str) -> None:
    """Let a disabled user sign in again."""
    with_catalog(
        lambda _, catalog: update_user(catalog, _existing(catalog, email).id, disabled=False)
    )
    Console().print(f"{email} is enabled.")


@user_app.command("invite")
def invite_user(
    email: str,
    role: Annotated[str, typer.Option(help="viewer | contributor | manager | admin")] = "viewer",
    as_json: JsonOption = False,
) -> None:
    """Invite someone: a link to choose their password (valid 7 days) goes out by e-mail, or
    is printed when no mail server is set up (ZOOMBRIDGE_MAIL__HOST)."""

    def work(bridge: ZoomBridge, catalog: Catalog) -> Delivery:
        chosen = Role.parse(role)
        return asyncio.run(invite(_outbox(bridge, catalog), email, chosen))

    _report(_sending(work), as_json)


@user_app.command("reset")
def reset_password(email: str, as_json: JsonOption = False) -> None:
    """Send a user a link to choose a new password (valid 1 hour), or print it when no mail
    server is set up. Their password stays until the link is used."""

    def work(bridge: ZoomBridge, catalog: Catalog) -> Delivery:
        user = _existing(catalog, email)
        return asyncio.run(send_reset(_outbox(bridge, catalog), user.id))

    _report(_sending(work), as_json)


def _outbox(bridge: ZoomBridge, catalog: Catalog) -> Outbox:
    public = bridge.settings.public_url
    mailer = Mailer(bridge.settings.mail, bridge.clock)
    return Outbox(catalog, mailer, bridge.clock, str(public) if public is not None else None)


def _sending(work: Callable[[ZoomBridge, Catalog], Delivery]) -> Delivery:
    """A mail server that fails ends the command with code 3 (try again later)."""
    try:
        return with_catalog(work)
    except MailNotSent as exc:
        err.print(f"[red]mail not sent:[/red] {exc}")
        raise typer.Exit(3) from None


def _report(delivery: Delivery, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(delivery.as_dict()))
        return
    what = "invitation" if delivery.purpose == "invite" else "password-reset link"
    until = f"{delivery.expires_at:%Y-%m-%d %H:%M} UTC"
    if delivery.mailed:
        sent = f"The {what} was e-mailed to {delivery.email}; it works until {until}."
        Console().print(sent, markup=False, highlight=False)
        return
    console = Console(soft_wrap=True)  # the link must stay on one line to be copied
    intro = f"No mail server is set up: give {delivery.email} this {what} (until {until}):"
    console.print(intro, markup=False, highlight=False)
    console.print(delivery.link, markup=False, highlight=False)
    if delivery.link and delivery.link.startswith("/"):
        console.print("(put the portal's address before it; ZOOMBRIDGE_PUBLIC_URL makes it whole)")


def _existing(catalog: Catalog, email: str) -> UserView:
    user = find_user(catalog, email)
    if user is None:
        raise InvalidInput(f"there is no user {email}")
    return user


def _as_dict(user: UserView) -> dict[str, Any]:
    return asdict(user) | {"role": user.role.label}
