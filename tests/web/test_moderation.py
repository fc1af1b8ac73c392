"""Moderation over a real archive: with it on, an author's Published waits in the queue,
unseen by viewers, until a Manager approves it, or rejects it with a reason the author
reads; with it off, Published is published. Bad decisions and settings change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from library_helpers import archive_once, authored_draft, library_portal
from portal_helpers import Portal, closing, csrf_of

from zoombridge.accounts import Role
from zoombridge.emulator.world import World

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    return archive_once(tmp_path_factory.mktemp("moderation"))


@pytest.fixture
async def portal(archived: tuple[Path, World], tmp_path: Path) -> AsyncIterator[Portal]:
    async for opened in closing(library_portal(archived, tmp_path)):
        yield opened


async def _csrf(client: httpx.AsyncClient) -> dict[str, str]:
    return {"x-csrf-token": await csrf_of(client)}


async def _moderation(portal: Portal, on: bool) -> None:
    admin = await portal.signed_in(Role.ADMIN, f"admin-{on}@example.edu")
    saved = await admin.put(
        "/api/library/settings", json={"moderation": on}, headers=await _csrf(admin)
    )
    assert saved.json() == {"moderation": on}


async def _publish(client: httpx.AsyncClient, ref: str) -> httpx.Response:
    body = {"status": "published", "visibility": "signed_in", "viewers": []}
    return await client.put(
        f"/api/recordings/{ref}/sharing", json=body, headers=await _csrf(client)
    )


async def _status(client: httpx.AsyncClient, ref: str) -> str:
    return str((await client.get(f"/api/recordings/{ref}")).json()["status"])


async def _seen_by(client: httpx.AsyncClient) -> list[str]:
    return [item["ref"] for item in (await client.get("/api/library")).json()["recordings"]]


async def test_a_published_draft_waits_for_review_and_a_rejection_says_why(
    portal: Portal,
) -> None:
    await _moderation(portal, True)
    author, ref = await authored_draft(portal, "signed_in")
    viewer = await portal.signed_in(Role.VIEWER)
    manager = await portal.signed_in(Role.MANAGER)
    assert (await _publish(author, ref)).status_code == 200
    assert await _status(author, ref) == "pending_review"
    assert (await author.get(f"/api/recordings/{ref}")).json()["review"]["decision"] == "waiting"
    assert await _seen_by(viewer) == []
    # the author cannot approve their own: deciding is for Managers
    denied = await author.post(f"/api/moderation/{ref}/approve", headers=await _csrf(author))
    assert denied.status_code == 403
    queue = (await manager.get("/api/moderation")).json()
    assert queue["moderation"] is True
    assert [(item["ref"], item["author"]) for item in queue["waiting"]] == [
        (ref, "author@example.edu")
    ]
    page = await manager.get("/moderation")
    assert f'action="/moderation/{ref}/approve"' in page.text
    rejected = await manager.post(
        f"/moderation/{ref}/reject",
        data={"reason": "Cut the first minute: it shows a student", **await _csrf_form(manager)},
    )
    assert rejected.status_code == 303
    detail = (await author.get(f"/api/recordings/{ref}")).json()
    assert detail["status"] == "draft"
    assert detail["review"]["decision"] == "rejected"
    assert detail["review"]["note"] == "Cut the first minute: it shows a student"
    assert detail["review"]["reviewer"] == "manager@example.edu"
    assert "Cut the first minute" in (await author.get(f"/recordings/{ref}")).text
    assert (await manager.get("/api/moderation")).json()["waiting"] == []
    # sent again: waiting, the old reason gone; approved: published, and the viewer sees it
    assert (await _publish(author, ref)).status_code == 200
    again = (await author.get(f"/api/recordings/{ref}")).json()["review"]
    assert (again["decision"], again["note"]) == ("waiting", None)
    approved = await manager.post(f"/api/moderation/{ref}/approve", headers=await _csrf(manager))
    assert approved.json() == {"ref": ref, "status": "published", "note": None}
    assert await _seen_by(viewer) == [ref]
    assert (await author.get(f"/api/recordings/{ref}")).json()["review"]["decision"] == "approved"


async def _csrf_form(client: httpx.AsyncClient) -> dict[str, str]:
    return {"csrf_token": await csrf_of(client)}


async def test_without_moderation_and_for_managers_published_is_published(portal: Portal) -> None:
    author, ref = await authored_draft(portal, "signed_in")
    viewer = await portal.signed_in(Role.VIEWER)
    assert (await _publish(author, ref)).status_code == 200
    assert await _status(author, ref) == "published"
    assert await _seen_by(viewer) == [ref]
    await _moderation(portal, True)
    manager = await portal.signed_in(Role.MANAGER)
    other = next(r for r in await _seen_by(manager) if r != ref)
    assert (await _publish(manager, other)).status_code == 200
    assert await _status(manager, other) == "published"  # a moderator publishes directly
    # an approved recording stays published when its author changes its sharing
    assert (await _publish(author, ref)).status_code == 200
    assert await _status(author, ref) == "published"


async def test_bad_decisions_and_settings_change_nothing(portal: Portal) -> None:
    await _moderation(portal, True)
    author, ref = await authored_draft(portal, "signed_in")
    await _publish(author, ref)
    manager = await portal.signed_in(Role.MANAGER)
    headers = await _csrf(manager)
    for reason in ("", "   ", "x" * 2001):
        refused = await manager.post(
            f"/api/moderation/{ref}/reject", json={"reason": reason}, headers=headers
        )
        assert refused.status_code == 422
    form = await manager.post(f"/moderation/{ref}/reject", data=await _csrf_form(manager))
    assert form.status_code == 422
    assert "say why" in form.text
    assert await _status(author, ref) == "pending_review"
    unknown = "1-" + "QUJD"
    assert (
        await manager.post(f"/api/moderation/{unknown}/approve", headers=headers)
    ).status_code == 404
    assert (
        await manager.post("/api/moderation/nonsense/approve", headers=headers)
    ).status_code == 404
    assert (
        await manager.post(f"/api/moderation/{ref}/approve", headers=headers)
    ).status_code == 200
    twice = await manager.post(f"/api/moderation/{ref}/approve", headers=headers)
    assert twice.status_code == 409  # no longer waiting
    late = await manager.post(
        f"/api/moderation/{ref}/reject", json={"reason": "too late"}, headers=headers
    )
    assert late.status_code == 409
    assert await _status(author, ref) == "published"
    admin = await portal.signed_in(Role.ADMIN)
    bad = await admin.put(
        "/api/library/settings", json={"moderation": "perhaps"}, headers=await _csrf(admin)
    )
    assert bad.status_code == 422
    assert (await admin.get("/api/library/settings")).json() == {"moderation": True}
    assert (await author.get("/api/library", params={"status": "live"})).status_code == 422


async def test_the_library_settings_page_switches_moderation(portal: Portal) -> None:
    admin = await portal.signed_in(Role.ADMIN)
    page = await admin.get("/library/settings")
    assert 'name="moderation"' in page.text
    assert "checked" not in page.text
    on = await admin.post(
        "/library/settings", data={"moderation": "true", **await _csrf_form(admin)}
    )
    assert (on.status_code, on.headers["location"]) == (303, "/library/settings?saved=1")
    assert (await admin.get("/api/library/settings")).json() == {"moderation": True}
    await admin.post("/library/settings", data=await _csrf_form(admin))  # unticked: off
    assert (await admin.get("/api/library/settings")).json() == {"moderation": False}
    manager = await portal.signed_in(Role.MANAGER)
    assert (await manager.get("/library/settings")).status_code == 403


async def test_sync_now_wakes_the_connections_sync(portal: Portal) -> None:
    woken: list[str] = []
    portal.app.state.portal.settings_saved = woken.append  # type: ignore[attr-defined]
    manager = await portal.signed_in(Role.MANAGER)
    headers = await _csrf(manager)
    asked = await manager.post("/api/connections/default/sync", headers=headers)
    assert (asked.status_code, asked.json()) == (202, {"connection": "default", "sync": "asked"})
    page = await manager.post("/status/default/sync", data=await _csrf_form(manager))
    assert page.headers["location"] == "/status?asked=default#default"
    assert "Sync asked" in (await manager.get(page.headers["location"])).text
    assert (await manager.post("/api/connections/nowhere/sync", headers=headers)).status_code == 404
    assert woken == ["default", "default"]
