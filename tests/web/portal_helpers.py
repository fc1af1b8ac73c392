"""A portal over a fresh catalog, and clients signed in as each role, through the real
sign-in form (cookies, CSRF and all)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from shared_helpers import meeting
from zoombridge.accounts import Role
from zoombridge.accounts.users import create_user
from zoombridge.app import ZoomBridge
from zoombridge.archive.catalog import ensure_connection
from zoombridge.archive.service import SyncStatus, read_status
from zoombridge.clock import ManualClock
from zoombridge.db import Catalog, open_catalog
from zoombridge.db.models import AuditEntry, FileState, RecordingFileRow
from zoombridge.settings import Settings
from zoombridge.web.auth import PortalContext
from zoombridge.web.service import service_app

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
BASE = "http://portal.test"


@dataclass
class Portal:
    app: object
    catalog: Catalog
    clock: ManualClock
    bridge: ZoomBridge
    opened: list[httpx.AsyncClient] = field(default_factory=list)

    def client(self, address: tuple[str, int] = ("127.0.0.1", 123)) -> httpx.AsyncClient:
        """A client of the app from `address`; the fixture closes it."""
        transport = httpx.ASGITransport(app=self.app, client=address)  # type: ignore[arg-type]
        self.opened.append(httpx.AsyncClient(transport=transport, base_url=BASE))
        return self.opened[-1]

    def add_user(self, role: Role, email: str | None = None) -> str:
        address = email or f"{role.label}@example.edu"
        create_user(self.catalog, address, role, self.clock.now(), password=PASSWORD)
        return address

    async def signed_in(self, role: Role, email: str | None = None) -> httpx.AsyncClient:
        address = self.add_user(role, email)
        client = self.client()
        response = await sign_in(client, address, PASSWORD)
        assert response.status_code == 303, response.text
        return client


def open_portal(
    tmp_path: Path, *, transport: httpx.AsyncBaseTransport | None = None, **settings: Any
) -> Portal:
    """`settings` are Settings fields beyond its home (mail=..., public_url=...); `transport`
    is where the portal's own calls to Zoom go (the emulator's app)."""
    catalog = open_catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    clock = ManualClock(START)
    connection_id = ensure_connection(catalog, "default", "account", START)

    def statuses() -> list[SyncStatus]:
        return [read_status(catalog, connection_id, "default")]

    bridge = ZoomBridge(
        Settings(home=tmp_path / "home", **settings), clock=clock, transport=transport
    )
    context = PortalContext(catalog=catalog, clock=clock, statuses=statuses, bridge=bridge)
    return Portal(service_app({}, "default", portal=context), catalog, clock, bridge)


async def portal_fixture(tmp_path: Path, **settings: Any) -> AsyncIterator[Portal]:
    async for portal in closing(open_portal(tmp_path, **settings)):
        yield portal


async def closing(portal: Portal) -> AsyncIterator[Portal]:
    """`portal` for a fixture to yield; its clients and catalog closed afterwards."""
    try:
        yield portal
    finally:
        for client in portal.opened:
            await client.aclose()
        portal.catalog.dispose()


def form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no CSRF token"
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str, next_path: str = "/"
) -> httpx.Response:
    form = await client.get("/login", params={"next": next_path})
    data = {"email": email, "password": password, "csrf_token": form_token(form.text)}
    data["next"] = next_path
    return await client.post("/login", data=data)


async def csrf_of(client: httpx.AsyncClient) -> str:
    """The signed-in session's CSRF token, as a page carries it."""
    page = await client.get("/", follow_redirects=True)
    return form_token(page.text)


def _file(portal: Portal, file_id: str, state: str, **values: object) -> None:
    with portal.catalog.session() as session, session.begin():
        session.add(
            RecordingFileRow(
                connection_id=1,
                file_id=file_id,
                meeting_uuid="m1",
                file_type="MP4",
                state=state,
                storage_key=f"m1/{file_id}.mp4",
                updated_at=portal.clock.now(),
                **values,
            )
        )


def archive_with_troubles(portal: Portal) -> None:
    """An instance "m1" with a file archived yesterday, one today whose media is flagged, one
    failed, one Zoom is still producing, and 3 MB freed in Zoom today."""
    meeting(portal.catalog, 1, "m1", topic="Budget <review>")
    yesterday = START - timedelta(days=1)
    _file(portal, "ok", FileState.ARCHIVED, archived_at=yesterday, stored_size=5_000_000)
    _file(portal, "bad", FileState.FAILED, last_error="Zoom answered 500 three times")
    _file(portal, "wait", FileState.PROCESSING)
    _file(
        portal,
        "flag",
        FileState.ARCHIVED,
        archived_at=START,
        stored_size=7,
        media_problem="does not decode",
    )
    with portal.catalog.session() as session, session.begin():
        for action, size in (("trash-requested", 999), ("trash", 3_000_000)):
            session.add(
                AuditEntry(
                    connection_id=1,
                    at=START,
                    actor="sync",
                    action=action,
                    meeting_uuid="m1",
                    detail={"bytes": size},
                )
            )
