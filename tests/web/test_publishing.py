"""Publish as (VIDIZMO's "Me" or "Zoom user") and the publish status: the archive puts each
recording in the library as its connection says, the first time one of its files is
archived. Hosts without an account get one and a letter, through a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from portal_helpers import PASSWORD, Portal, csrf_of, form_token, sign_in
from publishing_helpers import entries, small_world, synced_portal
from sqlalchemy import select

from smtp_helpers import PUBLIC_URL, Inbox, smtp_server
from zoombridge.accounts import Role
from zoombridge.accounts.users import create_user, find_user
from zoombridge.archive.moderation import set_moderation
from zoombridge.archive.publishing import read_publishing, save_publishing
from zoombridge.clock import ManualClock
from zoombridge.db import Catalog
from zoombridge.db.models import PasswordLink, PortalUser

pytestmark = pytest.mark.anyio


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


def _admin(catalog: Catalog, clock: ManualClock, email: str) -> int:
    return create_user(catalog, email, Role.ADMIN, clock.now(), password=PASSWORD).id


async def _library(portal: Portal, role: Role, email: str) -> list[dict[str, object]]:
    client = await portal.signed_in(role, email)
    answer = await client.get("/api/library")
    assert answer.status_code == 200, answer.text
    return list(answer.json()["recordings"])


async def test_publish_as_me_makes_the_admin_who_last_saved_the_author(tmp_path: Path) -> None:
    saved: dict[str, int] = {}

    def prepare(catalog: Catalog, connection_id: int, clock: ManualClock) -> None:
        first = _admin(catalog, clock, "first@example.edu")
        saved["last"] = _admin(catalog, clock, "last@example.edu")
        save_publishing(catalog, connection_id, "zoom_user", "draft", first, clock.now())
        save_publishing(catalog, connection_id, "me", "published", saved["last"], clock.now())

    portal = synced_portal(tmp_path, small_world(), prepare)
    try:
        made = entries(portal.catalog)
        every = await _library(portal, Role.MANAGER, "boss@example.edu")
        assert len(made) == len(every) == 6  # every archived instance, once
        assert {(e.author_id, e.status, e.visibility) for e, _ in made} == {
            (saved["last"], "published", "signed_in")
        }
        publishing = read_publishing(portal.catalog, 1)
        assert (publishing.publish_as, publishing.publisher) == ("me", "last@example.edu")
        # published to everyone signed in: a Viewer sees them, with their author
        seen = await _library(portal, Role.VIEWER, "viewer@example.edu")
        assert len(seen) == 6
        assert {item["author"] for item in seen} == {"last@example.edu"}
    finally:
        portal.catalog.dispose()


async def test_default_draft_is_seen_by_its_author_and_managers_only(tmp_path: Path) -> None:
    def prepare(catalog: Catalog, connection_id: int, clock: ManualClock) -> None:
        admin = _admin(catalog, clock, "it@example.edu")
        save_publishing(catalog, connection_id, "me", "draft", admin, clock.now())

    portal = synced_portal(tmp_path, small_world(), prepare)
    try:
        assert {e.status for e, _ in entries(portal.catalog)} == {"draft"}
        assert await _library(portal, Role.VIEWER, "viewer@example.edu") == []
        assert len(await _library(portal, Role.CONTRIBUTOR, "someone@example.edu")) == 0
        assert len(await _library(portal, Role.MANAGER, "boss@example.edu")) == 6
        author = portal.client()
        assert (await sign_in(author, "it@example.edu", PASSWORD)).status_code == 303
        mine = (await author.get("/api/library")).json()["recordings"]
        assert {item["status"] for item in mine} == {"draft"}
        assert len(mine) == 6
    finally:
        portal.catalog.dispose()


async def test_without_saved_publishing_the_archive_adds_nothing(tmp_path: Path) -> None:
    portal = synced_portal(tmp_path, small_world(), lambda *_: None)
    try:
        assert entries(portal.catalog) == []
        assert len(await _library(portal, Role.MANAGER, "boss@example.edu")) == 6
    finally:
        portal.catalog.dispose()


async def test_zoom_user_upgrades_a_viewer_and_creates_and_mails_a_missing_host(
    tmp_path: Path, inbox: Inbox
) -> None:
    world = small_world()
    known, missing = "ada@example.edu", "grace@example.edu"  # the hosts of recordings

    def prepare(catalog: Catalog, connection_id: int, clock: ManualClock) -> None:
        admin = _admin(catalog, clock, "it@example.edu")
        create_user(catalog, known, Role.VIEWER, clock.now(), password=PASSWORD)
        save_publishing(catalog, connection_id, "zoom_user", "published", admin, clock.now())

    portal = synced_portal(tmp_path, world, prepare, inbox=inbox)
    try:
        made = entries(portal.catalog)
        by_host = {host: {e.author_id for e, h in made if h == host} for _, host in made}
        known_user, new_user = find_user(portal.catalog, known), find_user(portal.catalog, missing)
        assert known_user is not None
        assert new_user is not None
        assert by_host == {known: {known_user.id}, missing: {new_user.id}}
        assert known_user.role == Role.CONTRIBUTOR
        assert known_user.has_password
        assert new_user.role == Role.CONTRIBUTOR
        assert not new_user.has_password
        # one letter, to the new author only, though both their recordings arrived
        (letter,) = inbox.wait_for(1)
        assert len(inbox.received) == 1
        assert letter.envelope_to == [missing]
        assert "you are its author" in letter.text()
        assert f"{PUBLIC_URL}/recordings/1-" in letter.text()
        # the link sets their password, and they sign in to find their recordings
        client = portal.client()
        token = letter.token()
        form = await client.get(f"/password/{token}")
        assert form.status_code == 200
        data = {"password": "my own new passphrase", "repeated": "my own new passphrase"}
        data["csrf_token"] = form_token(form.text)
        assert (await client.post(f"/password/{token}", data=data)).status_code == 200
        assert (await sign_in(client, missing, "my own new passphrase")).status_code == 303
        theirs = (await client.get("/api/library")).json()["recordings"]
        assert {item["author"] for item in theirs} >= {missing}
        headers = {"x-csrf-token": await csrf_of(client)}
        ref = next(item["ref"] for item in theirs if item["author"] == missing)
        body = {"status": "draft", "visibility": "author", "viewers": []}
        changed = await client.put(f"/api/recordings/{ref}/sharing", json=body, headers=headers)
        assert changed.status_code == 200  # they manage what they authored
    finally:
        portal.catalog.dispose()


async def test_a_letter_that_cannot_be_sent_leaves_the_author_and_withdraws_its_link(
    tmp_path: Path, inbox: Inbox
) -> None:
    world = small_world()
    inbox.port = 1  # nothing listens there: every letter fails

    def prepare(catalog: Catalog, connection_id: int, clock: ManualClock) -> None:
        admin = _admin(catalog, clock, "it@example.edu")
        save_publishing(catalog, connection_id, "zoom_user", "draft", admin, clock.now())

    portal = synced_portal(tmp_path, world, prepare, inbox=inbox)
    try:
        made = entries(portal.catalog)
        assert len(made) == 6
        assert all(entry.author_id is not None for entry, _ in made)
        with portal.catalog.session() as session:
            links = session.scalars(select(PasswordLink)).all()
            hosts = session.scalars(select(PortalUser).where(PortalUser.role == "contributor"))
            assert len(hosts.all()) == 2
        assert links
        assert all(link.revoked_at is not None for link in links)
    finally:
        portal.catalog.dispose()


async def test_with_moderation_on_published_recordings_wait_in_the_queue(tmp_path: Path) -> None:
    def prepare(catalog: Catalog, connection_id: int, clock: ManualClock) -> None:
        admin = _admin(catalog, clock, "it@example.edu")
        save_publishing(catalog, connection_id, "me", "published", admin, clock.now())
        set_moderation(catalog, True, admin, clock.now())

    portal = synced_portal(tmp_path, small_world(), prepare)
    try:
        made = entries(portal.catalog)
        assert {e.status for e, _ in made} == {"pending_review"}
        assert all(e.submitted_at is not None for e, _ in made)
        assert await _library(portal, Role.VIEWER, "viewer@example.edu") == []
        manager = await portal.signed_in(Role.MANAGER, "boss@example.edu")
        queue = (await manager.get("/api/moderation")).json()
        assert len(queue["waiting"]) == 6
    finally:
        portal.catalog.dispose()


async def test_the_connection_page_saves_publishing_and_its_saver_becomes_me(
    portal: Portal,
) -> None:
    first = await portal.signed_in(Role.ADMIN, "first@example.edu")
    form = {"enabled": "true", "publish_as": "zoom_user", "publish_status": "published"}
    saved = await first.post(
        "/connections/default", data=form | {"csrf_token": await csrf_of(first)}
    )
    assert saved.status_code == 303
    second = await portal.signed_in(Role.ADMIN, "second@example.edu")
    headers = {"x-csrf-token": await csrf_of(second)}
    body = {"enabled": True, "publish_as": "me"}
    answer = await second.put("/api/connections/default/settings", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert (shown["publish_as"], shown["publish_status"], shown["publisher"]) == (
        "me",
        "published",  # not sent: kept
        "second@example.edu",
    )
    page = await first.get("/connections/default")
    assert "Last saved by second@example.edu" in page.text


@pytest.mark.parametrize(
    "bad", [{"publish_as": "someone"}, {"publish_status": "live"}, {"publish_as": ""}]
)
async def test_bad_publishing_is_refused_and_nothing_is_saved(
    portal: Portal, bad: dict[str, str]
) -> None:
    admin = await portal.signed_in(Role.ADMIN)
    headers = {"x-csrf-token": await csrf_of(admin)}
    before = (await admin.get("/api/connections/default/settings")).json()
    body = {"enabled": False, **bad}
    refused = await admin.put("/api/connections/default/settings", json=body, headers=headers)
    assert refused.status_code == 422
    assert "publish" in refused.json()["detail"]
    assert (await admin.get("/api/connections/default/settings")).json() == before
    if "" in bad.values():
        return  # a form's empty field is a field not sent (FastAPI), so the form saves
    form = {"enabled": "true", "publish_as": "me", "publish_status": "draft"} | bad
    page = await admin.post(
        "/connections/default", data=form | {"csrf_token": headers["x-csrf-token"]}
    )
    assert page.status_code == 422
    assert (await admin.get("/api/connections/default/settings")).json() == before
    assert read_publishing(portal.catalog, 1).saved is False
