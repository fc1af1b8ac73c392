"""Several Zoom connections in one installation: apart in files, cursors and status; their
secrets sealed at rest; bad input refused; each one's forward proxy really used."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from archive_helpers import archive_settings, file_bytes, served_files, sync
from pydantic import SecretStr
from sqlalchemy import select
from tenant_helpers import TENANT_B, forward_proxy, router_for, tenant_world, zoom_fields

from shared_helpers import zoom_originals
from zoombridge.app import ZoomBridge
from zoombridge.archive.catalog import file_identity
from zoombridge.archive.connections import (
    REMOVED_MARK,
    add_connection,
    connection_names,
    describe_refusal,
    get_info,
    remove_connection,
    reseal_all,
    set_enabled,
    update_connection,
    validate_connection,
)
from zoombridge.archive.service import sync_once
from zoombridge.clock import ManualClock
from zoombridge.db import Catalog, FileState
from zoombridge.db.models import Connection, Host, RecordingFileRow
from zoombridge.db.secrets import KEY_FILE_NAME, KeyRing, generate_key
from zoombridge.emulator import DEFAULT_CREDENTIALS, build_world
from zoombridge.emulator.served import serve_in_thread
from zoombridge.emulator.world import World
from zoombridge.errors import AuthenticationError, ConfigurationError, MissingScopes
from zoombridge.settings import ZoomSettings
from zoombridge.zoom.models import RecordingFile

pytestmark = pytest.mark.anyio

WEBHOOK_SECRET = "whsec-tenant-b-77aa0c"
PROXY_PASSWORD = "pw-proxy-91d3"


def register(
    bridge: ZoomBridge, name: str = "tenant-b", overrides: Any = None, **fields: Any
) -> None:
    zoom, _, stored = validate_connection(
        name, zoom_fields(**fields), overrides or {}, bridge.settings.archive
    )
    catalog = bridge.catalog()
    try:
        add_connection(catalog, bridge.keyring(), name, zoom, stored, bridge.clock.now())
    finally:
        catalog.dispose()


def with_key(bridge: ZoomBridge, key: str) -> ZoomBridge:
    settings = bridge.settings.model_copy(update={"secret_key": SecretStr(key)})
    return ZoomBridge(settings, clock=bridge.clock)


@pytest.fixture
def tenant(clock: ManualClock) -> World:
    return tenant_world(clock)


@pytest.fixture
def bridge(tmp_path: Path, world: World, tenant: World, clock: ManualClock) -> ZoomBridge:
    settings = archive_settings(tmp_path / "home", world)
    return ZoomBridge(settings, transport=router_for(world, tenant), clock=clock)


def rows_of(bridge: ZoomBridge, name: str) -> dict[str, RecordingFileRow]:
    catalog = bridge.catalog()
    try:
        cid = bridge.connection_id(catalog, name)
        with catalog.session() as session:
            rows = session.scalars(
                select(RecordingFileRow).where(RecordingFileRow.connection_id == cid)
            )
            return {row.file_id: row for row in rows}
    finally:
        catalog.dispose()


def archived(bridge: ZoomBridge, name: str) -> list[RecordingFileRow]:
    return [row for row in rows_of(bridge, name).values() if row.state == FileState.ARCHIVED]


def every_file_id(emulated: World) -> set[str]:
    """The archive's identity of every file the account has, served or not (yet)."""
    return {
        file_identity(
            instance.uuid,
            RecordingFile(
                id=file.id,
                file_type=file.file_type,
                recording_type=file.recording_type,
                recording_start=file.recording_start,
            ),
        )
        for instance in emulated.instances.values()
        for file in instance.all_files()
    }


# two accounts, one installation -------------------------------------------------------------
async def test_two_accounts_are_archived_side_by_side_without_mixing(
    bridge: ZoomBridge, world: World, tenant: World, tmp_path: Path
) -> None:
    await bridge.check_connection(ZoomSettings.model_validate(zoom_fields()))
    register(bridge, overrides={"concurrency": 2})
    async with bridge.archives() as runtimes:
        assert [rt.name for rt in runtimes] == ["default", "tenant-b"]
        default, other = runtimes
        assert default.zoom is not other.zoom
        assert default.zoom.budget is not other.zoom.budget  # a rate budget each
        assert (default.settings.concurrency, other.settings.concurrency) == (4, 2)
        summaries = {rt.name: await sync_once(rt) for rt in runtimes}

    archive = tmp_path / "home" / "archive"
    for name, emulated, folder in (("default", world, archive), ("tenant-b", tenant, archive)):
        expected = served_files(emulated)
        summary = summaries[name]
        assert (summary.error, summary.failed) == (None, 0), summary.errors
        assert summary.verified == len(expected) > 0
        rows = rows_of(bridge, name)
        # every served file, and nothing but this account's files (some still processing)
        assert set(expected) <= set(rows) <= every_file_id(emulated)
        prefix = "tenant-b/" if name == "tenant-b" else ""
        for file_id, file in expected.items():
            stored = folder / (prefix + rows[file_id].storage_key)
            assert stored.read_bytes() == file_bytes(file)
    on_disk = {str(p.relative_to(archive)) for p in archive.rglob("*") if p.is_file()}
    media = set(zoom_originals(on_disk))
    tenant_keys = {"tenant-b/" + row.storage_key for row in archived(bridge, "tenant-b")}
    default_keys = {row.storage_key for row in archived(bridge, "default")}
    assert media == tenant_keys | default_keys
    assert not any(key.startswith("tenant-b/") for key in default_keys)

    catalog = bridge.catalog()
    with catalog.session() as session:
        hosts = session.scalars(select(Host)).all()
    ids = {name: bridge.connection_id(catalog, name) for name in ("default", "tenant-b")}
    for name, emulated in (("default", world), ("tenant-b", tenant)):
        mine = [host for host in hosts if host.connection_id == ids[name]]
        assert mine
        assert {host.user_id for host in mine} <= set(emulated.users)  # its own users only
        assert all(host.cursor for host in mine)  # and its own cursors
    statuses = {status.connection: status for status in bridge.statuses(catalog)}
    catalog.dispose()
    assert set(statuses) == {"default", "tenant-b"}
    for name, emulated in (("default", world), ("tenant-b", tenant)):
        assert statuses[name].process == "finished"
        assert statuses[name].authorization == "authorized"
        assert statuses[name].files["archived"] == len(served_files(emulated))

    async with bridge.archives() as runtimes:  # a second sync finds nothing new anywhere
        again = [await sync_once(rt) for rt in runtimes]
    assert [(s.verified, s.failed) for s in again] == [(0, 0), (0, 0)]


async def test_one_connection_can_be_synced_alone_and_a_disabled_one_is_left_out(
    bridge: ZoomBridge, tenant: World
) -> None:
    register(bridge)
    async with bridge.archive(connection="tenant-b") as runtime:
        summary = await sync_once(runtime)
    assert summary.verified == len(served_files(tenant))
    assert rows_of(bridge, "default") == {}  # the default account was not touched

    catalog = bridge.catalog()
    set_enabled(catalog, bridge.settings, "tenant-b", False, bridge.clock.now())
    assert connection_names(catalog, bridge.settings) == ["default"]
    catalog.dispose()
    with pytest.raises(ConfigurationError, match="connection enable tenant-b"):
        async with bridge.archive(connection="tenant-b"):
            pass
    with pytest.raises(ConfigurationError, match="no connection named 'nope'"):
        async with bridge.archive(connection="nope"):
            pass


async def test_serving_opens_the_catalog_and_each_connections_secrets_once(
    bridge: ZoomBridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(bridge, webhook_secret=WEBHOOK_SECRET)
    opened: list[str] = []
    catalogs: list[Catalog] = []
    real_open, real_catalog = KeyRing.open, ZoomBridge.catalog

    def counted_open(keys: KeyRing, token: str, context: str) -> str:
        opened.append(context)
        return real_open(keys, token, context)

    def counted_catalog(self: ZoomBridge) -> Catalog:
        catalogs.append(real_catalog(self))
        return catalogs[-1]

    monkeypatch.setattr(KeyRing, "open", counted_open)
    monkeypatch.setattr(ZoomBridge, "catalog", counted_catalog)
    async with bridge.serving() as served:
        secrets = {
            config.name: config.zoom.webhook_secret.get_secret_value() for config, _ in served
        }
        assert [rt.name for _, rt in served] == ["default", "tenant-b"]
    assert secrets == {"default": "", "tenant-b": WEBHOOK_SECRET}
    assert (len(catalogs), len(opened)) == (1, 1)


# secrets at rest -----------------------------------------------------------------------------
async def test_secrets_are_sealed_at_rest_and_never_shown(bridge: ZoomBridge) -> None:
    proxy = f"http://archiver:{PROXY_PASSWORD}@proxy.test:3128"
    register(bridge, webhook_secret=WEBHOOK_SECRET, proxy=proxy)
    secrets = [TENANT_B["client_secret"], WEBHOOK_SECRET, PROXY_PASSWORD]
    home = bridge.settings.home
    files = [path for path in home.rglob("*") if path.is_file()]
    assert any(path.name == "zoombridge.sqlite" for path in files)
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, f"{secret} in {path}"
    key_file = home / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    catalog = bridge.catalog()
    config = bridge.connection(catalog, "tenant-b")
    info = get_info(catalog, bridge.settings, "tenant-b")
    catalog.dispose()
    assert config.zoom.client_secret.get_secret_value() == TENANT_B["client_secret"]
    assert config.zoom.webhook_secret.get_secret_value() == WEBHOOK_SECRET
    assert str(config.zoom.proxy) == proxy + "/"
    assert info.proxy == "http://archiver:***@proxy.test:3128/"
    shown = repr(config) + repr(info) + json.dumps(info.as_dict()) + repr(bridge.keyring())
    for secret in secrets:
        assert secret not in shown


async def test_a_wrong_or_altered_key_fails_clearly(bridge: ZoomBridge) -> None:
    register(bridge)
    catalog = bridge.catalog()
    stranger = with_key(bridge, generate_key())
    with pytest.raises(ConfigurationError, match=r"sealed with key \w+.*ZOOMBRIDGE_SECRET_KEY"):
        stranger.connection(catalog, "tenant-b")
    with pytest.raises(ConfigurationError, match="sealed with key"):
        async with stranger.archive(connection="tenant-b"):
            pass
    with catalog.session() as session, session.begin():
        row = session.scalar(select(Connection).where(Connection.name == "tenant-b"))
        assert row is not None
        assert row.credentials
        sealed = row.credentials
        flipped = "A" if sealed[-5] != "A" else "B"
        row.credentials = sealed[:-5] + flipped + sealed[-4:]
    with pytest.raises(ConfigurationError, match="does not decrypt"):
        bridge.connection(catalog, "tenant-b")
    # a sealed value moved to another connection's row does not open there either
    register(bridge, "tenant-c")
    with catalog.session() as session, session.begin():
        row = session.scalar(select(Connection).where(Connection.name == "tenant-c"))
        assert row is not None
        row.credentials = sealed
    with pytest.raises(ConfigurationError, match="does not decrypt"):
        bridge.connection(catalog, "tenant-c")
    catalog.dispose()


async def test_keys_rotate_by_listing_the_new_one_first(bridge: ZoomBridge) -> None:
    register(bridge)
    old = (bridge.settings.home / KEY_FILE_NAME).read_text().strip()
    new = generate_key()
    catalog = bridge.catalog()
    rotating = with_key(bridge, f"{new},{old}")
    assert rotating.connection(catalog, "tenant-b").zoom.client_id == TENANT_B["client_id"]
    assert reseal_all(catalog, rotating.keyring(), bridge.clock.now()) == 1
    assert reseal_all(catalog, rotating.keyring(), bridge.clock.now()) == 0
    assert with_key(bridge, new).connection(catalog, "tenant-b").zoom.account_id
    with pytest.raises(ConfigurationError, match="sealed with key"):
        with_key(bridge, old).connection(catalog, "tenant-b")
    catalog.dispose()


@pytest.mark.parametrize("key", ["too-short", "x" * 44, generate_key()[:-4]])
def test_a_malformed_secret_key_is_refused_with_how_to_make_one(
    bridge: ZoomBridge, key: str
) -> None:
    with pytest.raises(ConfigurationError, match="ZOOMBRIDGE_SECRET_KEY: a key must be 32"):
        with_key(bridge, key).keyring()
    assert not bridge.settings.home.exists()


async def test_a_key_file_others_can_read_is_refused(bridge: ZoomBridge) -> None:
    register(bridge)
    key_file = bridge.settings.home / KEY_FILE_NAME
    os.chmod(key_file, 0o644)
    catalog = bridge.catalog()
    with pytest.raises(ConfigurationError, match=f"chmod 600 {key_file}"):
        bridge.connection(catalog, "tenant-b")
    with pytest.raises(ConfigurationError, match="chmod 600"):
        add_connection(
            catalog,
            bridge.keyring(),
            "tenant-c",
            ZoomSettings.model_validate(zoom_fields()),
            {},
            bridge.clock.now(),
        )
    names = {status.connection for status in bridge.statuses(catalog)}
    catalog.dispose()
    assert names == {"default", "tenant-b"}  # tenant-c was not written


@pytest.mark.parametrize(
    ("name", "changes", "overrides", "message"),
    [
        ("tenant-b", {"plan": "enterprise"}, {}, "--plan"),
        ("tenant-b", {"proxy": "proxy.test:3128"}, {}, "--proxy"),
        ("tenant-b", {"proxy": "ftp://proxy.test:21"}, {}, "--proxy"),
        ("tenant-b", {"client_secret": ""}, {}, "needs --client-secret"),
        ("tenant-b", {"account_id": "acc ount"}, {}, "--account-id"),
        ("tenant-b", {}, {"concurrency": 0}, "--concurrency"),
        ("tenant-b", {}, {"users": "not-an-email"}, "--users"),
        ("tenant-b", {}, {"key_template": "{topic}"}, "must contain {uuid}"),
        ("tenant-b", {}, {"lag_days": 3}, "not per-connection settings: lag_days"),
        ("Tenant B", {}, {}, "lowercase letters"),
    ],
)
def test_bad_connection_settings_are_refused_naming_the_option(
    bridge: ZoomBridge, name: str, changes: dict[str, Any], overrides: Any, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("{", r"\{")):
        validate_connection(name, zoom_fields(**changes), overrides, bridge.settings.archive)
    assert not bridge.settings.home.exists()  # nothing written


async def test_bad_credentials_and_missing_scopes_are_named(
    bridge: ZoomBridge, tenant: World
) -> None:
    wrong = ZoomSettings.model_validate(zoom_fields(client_secret="not-the-secret"))
    with pytest.raises(AuthenticationError):
        await bridge.check_connection(wrong)
    app = tenant.apps[TENANT_B["client_id"]]
    app.scopes -= {scope for scope in app.scopes if "recording" in scope}
    with pytest.raises(MissingScopes) as refused:
        await bridge.check_connection(ZoomSettings.model_validate(zoom_fields()))
    message = describe_refusal(refused.value)
    assert "cloud_recording:read:list_user_recordings:admin" in message
    assert "Scopes" in message


async def test_update_remove_and_reserved_names(bridge: ZoomBridge) -> None:
    register(bridge)
    now = bridge.clock.now()
    catalog = bridge.catalog()
    keys = bridge.keyring()
    changed = update_connection(
        catalog, keys, bridge.settings, "tenant-b", {"plan": "pro"}, {"users": "A@x.org"}, now
    )
    assert (changed.zoom.plan, changed.archive.users) == ("pro", ["a@x.org"])
    loaded = bridge.connection(catalog, "tenant-b")
    assert loaded.zoom.client_secret.get_secret_value() == TENANT_B["client_secret"]
    assert get_info(catalog, bridge.settings, "tenant-b").archive == {"users": ["a@x.org"]}
    with pytest.raises(ConfigurationError, match="--plan"):
        update_connection(catalog, keys, bridge.settings, "tenant-b", {"plan": "x"}, {}, now)
    assert bridge.connection(catalog, "tenant-b").zoom.plan == "pro"  # unchanged
    with pytest.raises(ConfigurationError, match="exists"):
        add_connection(catalog, keys, "tenant-b", loaded.zoom, {}, now)
    with pytest.raises(ConfigurationError, match="ZOOMBRIDGE_ZOOM__"):
        add_connection(catalog, keys, "default", loaded.zoom, {}, now)
    with pytest.raises(ConfigurationError, match="disable default"):
        remove_connection(catalog, "default", now)

    remove_connection(catalog, "tenant-b", now)
    assert "tenant-b" not in connection_names(catalog, bridge.settings)
    with catalog.session() as session:
        kept = session.scalars(select(Connection.name)).all()
    assert any(name.startswith("tenant-b" + REMOVED_MARK) for name in kept)  # history stays
    catalog.dispose()
    register(bridge)  # the name is free again
    catalog = bridge.catalog()
    assert bridge.connection(catalog, "tenant-b").zoom.plan == "business"
    catalog.dispose()


# a forward proxy per connection --------------------------------------------------------------
async def test_a_connection_syncs_through_its_forward_proxy(
    tmp_path: Path, clock: ManualClock
) -> None:
    world = build_world("small", seed=5, clock=clock, users=2, phone=False)
    with serve_in_thread(world) as served:
        base = served.base
        async with forward_proxy() as proxy:
            bridge = ZoomBridge(archive_settings(tmp_path / "home", world), clock=clock)
            c = DEFAULT_CREDENTIALS
            register(
                bridge,
                "proxied",
                account_id=c["account_id"],
                client_id=c["client_id"],
                client_secret=c["client_secret"],
                api_url=f"{base}/v2",
                oauth_url=base,
                proxy=proxy.url,
            )
            async with bridge.archive(connection="proxied") as runtime:
                summary = await sync_once(runtime)
    expected = served_files(world)
    assert (summary.error, summary.failed) == (None, 0), summary.errors
    assert summary.verified == len(expected) > 0
    through = [(method, url) for method, url in proxy.seen]
    assert ("POST", f"{base}/oauth/token") in through
    assert any(url.startswith(f"{base}/v2/users?") for _, url in through)
    downloads = [url for _, url in through if "/rec/cdn/" in url]
    assert len(downloads) == len(expected)
    assert len(through) == len(served.seen)  # every request Zoom got came through the proxy


async def test_the_environment_connection_still_works_alone(
    tmp_path: Path, world: World, clock: ManualClock, bridge: ZoomBridge
) -> None:
    summary = await sync(bridge)
    assert summary.verified == len(served_files(world))
    catalog = bridge.catalog()
    assert connection_names(catalog, bridge.settings) == ["default"]
    catalog.dispose()
    assert not (bridge.settings.home / KEY_FILE_NAME).exists()  # no secret, no key file
