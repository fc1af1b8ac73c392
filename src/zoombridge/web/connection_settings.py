"""What an admin may change about a connection from the portal, VIDIZMO's "Zoom app" page:
on or off, which hosts to sync, joining segments, deletion from Zoom (grace days, trash or
permanent), and how its recordings enter the library (publish as Me or Zoom user, Draft or
Published; archive.publishing). Checked as a whole before anything is saved; a refusal names
each bad field. The `default` connection is configured by ZOOMBRIDGE_* variables: here it is
only switched on or off, and given its publishing (the portal's choice, not Zoom's).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from zoombridge.app import ZoomBridge
from zoombridge.archive.connections import (
    DEFAULT_CONNECTION,
    add_connection,
    describe_refusal,
    get_info,
    load_connection,
    set_enabled,
    update_connection,
    validate_connection,
)
from zoombridge.archive.grants import load_grant
from zoombridge.archive.publishing import Publishing, read_publishing, save_publishing
from zoombridge.db import Catalog
from zoombridge.errors import ConfigurationError, InvalidInput, ZoomBridgeError

__all__ = ["PUBLISHING", "ConnectionSettings", "connect", "read_settings", "save_settings"]

EDITABLE = ("users", "join_segments", "delete_from_zoom", "delete_grace_days", "delete_action")
PUBLISHING = ("publish_as", "publish_status", "default_visibility")


@dataclass(frozen=True)
class ConnectionSettings:
    name: str
    enabled: bool
    from_environment: bool  # the `default` connection: only on/off here
    users: list[str]
    join_segments: bool
    delete_from_zoom: bool
    delete_grace_days: int
    delete_action: str
    auth: str = "s2s"  # "oauth": made with "Connect with Zoom"
    reauthorization: str | None = None  # why its Zoom grant must be renewed, if it must
    publish_as: str = "me"  # "me" | "zoom_user"
    publish_status: str = "draft"
    publisher: str | None = None  # "Me": the admin who last saved the publishing
    default_visibility: str = "signed_in"  # who sees a new entry: signed_in | author

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_settings(bridge: ZoomBridge, catalog: Catalog, name: str) -> ConnectionSettings:
    try:
        get_info(catalog, bridge.settings, name)  # a name that is not there is refused here
        config = load_connection(catalog, bridge.keyring(), bridge.settings, name)
    except ConfigurationError as exc:
        raise InvalidInput(str(exc)) from None
    archive = config.archive
    publishing = read_publishing(catalog, bridge.connection_id(catalog, name))
    return ConnectionSettings(
        name=name,
        enabled=config.enabled,
        from_environment=name == DEFAULT_CONNECTION,
        users=list(archive.users),
        join_segments=archive.join_segments,
        delete_from_zoom=archive.delete_from_zoom,
        delete_grace_days=archive.delete_grace_days,
        delete_action=archive.delete_action,
        auth=config.auth,
        reauthorization=_reauthorization(bridge, catalog, name) if config.auth == "oauth" else None,
        publish_as=publishing.publish_as,
        publish_status=publishing.publish_status,
        publisher=publishing.publisher,
        default_visibility=publishing.default_visibility,
    )


def _reauthorization(bridge: ZoomBridge, catalog: Catalog, name: str) -> str | None:
    grant = load_grant(catalog, bridge.keyring(), name)
    if grant is None:
        return "no Zoom authorization is stored"
    return grant.needs_reauthorization


def save_settings(
    bridge: ZoomBridge,
    catalog: Catalog,
    name: str,
    enabled: bool,
    changes: dict[str, Any],
    actor_id: int | None = None,
) -> ConnectionSettings:
    """Validate everything, then save; InvalidInput (nothing saved) naming what is wrong.
    Publishing given in `changes` is saved with `actor_id` as its "Me"."""
    current = read_settings(bridge, catalog, name)
    unknown = sorted(set(changes) - set(EDITABLE) - set(PUBLISHING))
    if unknown:
        raise InvalidInput(f"not settings of a connection here: {', '.join(unknown)}")
    changes = dict(changes)
    publishing = {key: str(changes.pop(key)) for key in PUBLISHING if key in changes}
    chosen = {key: str(getattr(current, key)) for key in PUBLISHING} | publishing
    if publishing:
        # refused before anything is saved
        Publishing(
            chosen["publish_as"],
            chosen["publish_status"],
            default_visibility=chosen["default_visibility"],
        )
        if actor_id is None:
            raise InvalidInput("publishing is saved by a signed-in admin, who becomes 'Me'")
    now = bridge.clock.now()
    if changes and not current.from_environment:
        try:
            update_connection(catalog, bridge.keyring(), bridge.settings, name, {}, changes, now)
        except ConfigurationError as exc:
            raise InvalidInput(str(exc)) from None
    elif changes and current.from_environment:
        raise InvalidInput(
            f"connection {name!r} is configured by ZOOMBRIDGE_* variables; change them there"
        )
    if enabled != current.enabled:
        set_enabled(catalog, bridge.settings, name, enabled, now)
    if publishing and actor_id is not None:
        connection = bridge.connection_id(catalog, name)
        as_, status = chosen["publish_as"], chosen["publish_status"]
        visibility = chosen["default_visibility"]
        save_publishing(catalog, connection, as_, status, actor_id, now, visibility)
    return read_settings(bridge, catalog, name)


CREDENTIAL_FIELDS = ("account_id", "client_id", "client_secret", "webhook_secret", "plan")


async def connect(
    bridge: ZoomBridge, catalog: Catalog, name: str, fields: dict[str, Any]
) -> ConnectionSettings:
    """Add a connection from a Server-to-Server app's credentials, once Zoom has accepted
    them (a token and two cheap calls); InvalidInput saying what Zoom said (missing scopes
    by name), and nothing saved, otherwise."""
    unknown = sorted(set(fields) - {*CREDENTIAL_FIELDS, "api_url", "oauth_url"})
    if unknown:
        raise InvalidInput(f"not credentials of a Zoom app: {', '.join(unknown)}")
    given = {key: value for key, value in fields.items() if value not in (None, "")}
    try:
        zoom, _, stored = validate_connection(name, given, {}, bridge.settings.archive)
    except ConfigurationError as exc:
        raise InvalidInput(str(exc)) from None
    try:
        await bridge.check_connection(zoom)
    except ZoomBridgeError as exc:
        raise InvalidInput(f"Zoom refused: {describe_refusal(exc)}; nothing was saved") from None
    try:
        add_connection(catalog, bridge.keyring(), name, zoom, stored, bridge.clock.now())
    except ConfigurationError as exc:
        raise InvalidInput(str(exc)) from None
    return read_settings(bridge, catalog, name)
