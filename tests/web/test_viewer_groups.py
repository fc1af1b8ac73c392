"""Groups of viewers over a real archive: a recording shared with a group is listed, opened,
played and found by search for its members, and for nobody else; taking someone out of the
group (or deleting it) hides it from their very next request. Bad input changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from library_helpers import archive_once, library_portal, spoken, with_joined_video
from portal_helpers import Portal, closing, csrf_of
from sqlalchemy import func, select

from zoombridge.accounts import Role
from zoombridge.archive.library import parse_ref
from zoombridge.db.library_models import LibraryViewerGroup, ViewerGroup, ViewerGroupMember
from zoombridge.emulator.world import World

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    return archive_once(tmp_path_factory.mktemp("groups"))


@pytest.fixture
async def portal(archived: tuple[Path, World], tmp_path: Path) -> AsyncIterator[Portal]:
    async for opened in closing(library_portal(archived, tmp_path)):
        yield opened


async def _send(client: httpx.AsyncClient, method: str, url: str, **kw: Any) -> httpx.Response:
    headers = {"X-CSRF-Token": await csrf_of(client)}
    return await client.request(method, url, headers=headers, **kw)


async def _share(client: httpx.AsyncClient, ref: str, **sharing: object) -> httpx.Response:
    body = {"status": "published", "visibility": "chosen", "viewers": [], **sharing}
    return await _send(client, "PUT", f"/api/recordings/{ref}/sharing", json=body)


async def _group(admin: httpx.AsyncClient, name: str, *emails: str) -> int:
    made = await _send(admin, "POST", "/api/groups", json={"name": name})
    assert made.status_code == 201, made.text
    group_id = int(made.json()["id"])
    if emails:
        added = await _send(
            admin, "POST", f"/api/groups/{group_id}/members", json={"emails": list(emails)}
        )
        assert added.status_code == 200, added.text
    return group_id


async def _reach(client: httpx.AsyncClient, ref: str, source: str, phrase: str) -> list[bool]:
    """Whether the client reaches the recording through each door: the library list, its
    page, its JSON twin, its media, and a search for something said in it."""
    listed = (await client.get("/api/library")).json()["recordings"]
    found = (await client.get("/api/search", params={"q": f'"{phrase}"', "limit": 50})).json()
    return [
        ref in [item["ref"] for item in listed],
        (await client.get(f"/recordings/{ref}")).status_code == 200,
        (await client.get(f"/api/recordings/{ref}")).status_code == 200,
        (await client.get(f"/recordings/{ref}/media/{source}")).status_code == 200,
        ref in [hit["ref"] for hit in found],
    ]


async def test_a_group_grants_its_members_and_removal_revokes_at_once(portal: Portal) -> None:
    admin = await portal.signed_in(Role.ADMIN)
    member = await portal.signed_in(Role.VIEWER, "member@example.edu")
    outsider = await portal.signed_in(Role.VIEWER, "outsider@example.edu")
    ref = with_joined_video(portal)
    phrase, _ = spoken(portal, parse_ref(ref)[1])
    source = (await admin.get(f"/api/recordings/{ref}")).json()["sources"][0]["id"]
    group_id = await _group(admin, "Physics 101", "Member@Example.edu")
    member_id = (await member.get("/api/me")).json()["id"]

    assert await _reach(member, ref, source, phrase) == [False] * 5  # not shared yet
    shared = await _share(admin, ref, groups=["physics 101"])  # any letter case
    assert shared.status_code == 200, shared.text
    sharing = (await admin.get(f"/api/recordings/{ref}")).json()["sharing"]
    assert sharing["groups"] == ["Physics 101"]
    assert sharing["viewers"] == []
    assert await _reach(member, ref, source, phrase) == [True] * 5
    assert await _reach(outsider, ref, source, phrase) == [False] * 5

    gone = await _send(admin, "DELETE", f"/api/groups/{group_id}/members/{member_id}")
    assert gone.status_code == 200, gone.text
    assert gone.json()["members"] == []
    assert await _reach(member, ref, source, phrase) == [False] * 5

    back = await _send(
        admin, "POST", f"/api/groups/{group_id}/members", json={"emails": ["member@example.edu"]}
    )
    assert back.status_code == 200
    assert await _reach(member, ref, source, phrase) == [True] * 5
    assert (await _send(admin, "DELETE", f"/api/groups/{group_id}")).status_code == 204
    assert await _reach(member, ref, source, phrase) == [False] * 5
    assert (await admin.get(f"/api/recordings/{ref}")).json()["sharing"]["groups"] == []


async def test_a_group_grants_nothing_unless_the_recording_is_published_and_chosen(
    portal: Portal,
) -> None:
    admin = await portal.signed_in(Role.ADMIN)
    member = await portal.signed_in(Role.VIEWER, "member@example.edu")
    ref = with_joined_video(portal)
    await _group(admin, "Board", "member@example.edu")
    assert (await _share(admin, ref, status="draft", groups=["Board"])).status_code == 200
    assert (await member.get(f"/api/recordings/{ref}")).status_code == 404
    only_author = await _share(admin, ref, visibility="author", groups=["Board"])
    assert only_author.status_code == 200
    assert (await member.get(f"/api/recordings/{ref}")).status_code == 404
    assert (await _share(admin, ref, groups=["Board"])).status_code == 200
    assert (await member.get(f"/api/recordings/{ref}")).status_code == 200


def _group_rows(portal: Portal) -> tuple[int, int, int]:
    with portal.catalog.session() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (ViewerGroup, ViewerGroupMember, LibraryViewerGroup)
        )


async def test_bad_input_changes_nothing(portal: Portal) -> None:
    admin = await portal.signed_in(Role.ADMIN)
    await portal.signed_in(Role.VIEWER, "known@example.edu")
    ref = with_joined_video(portal)
    group_id = await _group(admin, "Staff", "known@example.edu")
    assert (await _share(admin, ref, groups=["Staff"])).status_code == 200
    before = _group_rows(portal)
    sharing = (await admin.get(f"/api/recordings/{ref}")).json()["sharing"]

    for name in ("", "   ", "staff", "x" * 81, "tab\tname\x00"):
        refused = await _send(admin, "POST", "/api/groups", json={"name": name})
        assert refused.status_code == 422, name
    mixed = {"emails": ["known@example.edu", "stranger@example.edu"]}
    refused = await _send(admin, "POST", f"/api/groups/{group_id}/members", json=mixed)
    assert refused.status_code == 422
    assert "stranger@example.edu" in refused.json()["detail"]
    empty = await _send(admin, "POST", f"/api/groups/{group_id}/members", json={"emails": []})
    assert empty.status_code == 422
    assert (await _send(admin, "DELETE", f"/api/groups/{group_id}/members/999")).status_code == 404
    assert (await _send(admin, "DELETE", "/api/groups/999")).status_code == 404
    unknown = await _share(admin, ref, status="draft", groups=["Staff", "Nobody's group"])
    assert unknown.status_code == 422
    assert "nobody's group" in unknown.json()["detail"]
    # a form without its CSRF token makes nothing
    forged = await admin.post("/groups", data={"name": "Forged"})
    assert forged.status_code == 403

    assert _group_rows(portal) == before
    assert (await admin.get(f"/api/recordings/{ref}")).json()["sharing"] == sharing


async def test_the_groups_page_and_the_sharing_form(portal: Portal) -> None:
    admin = await portal.signed_in(Role.ADMIN)
    member = await portal.signed_in(Role.VIEWER, "member@example.edu")
    csrf = await csrf_of(admin)
    made = await admin.post("/groups", data={"name": "Library staff", "csrf_token": csrf})
    assert made.status_code == 303
    group_id = (await admin.get("/api/groups")).json()[0]["id"]
    added = await admin.post(
        f"/groups/{group_id}/members",
        data={"emails": "member@example.edu, ", "csrf_token": csrf},
    )
    assert added.status_code == 303
    page = await admin.get("/groups")
    assert page.status_code == 200
    assert "Library staff" in page.text
    assert "member@example.edu" in page.text
    assert f'action="/groups/{group_id}/members/' in page.text
    refused = await admin.post("/groups", data={"name": "library STAFF", "csrf_token": csrf})
    assert refused.status_code == 422
    assert "exists already" in refused.text

    ref = with_joined_video(portal)
    form = (await admin.get(f"/recordings/{ref}")).text
    assert 'name="groups" value="Library staff"' in form
    saved = await admin.post(
        f"/recordings/{ref}/sharing",
        data={
            "status": "published",
            "visibility": "chosen",
            "groups": "Library staff",
            "csrf_token": csrf,
        },
    )
    assert saved.status_code == 303
    assert (await member.get(f"/recordings/{ref}")).status_code == 200
    member_id = (await member.get("/api/me")).json()["id"]
    removed = await admin.post(
        f"/groups/{group_id}/members/{member_id}/remove", data={"csrf_token": csrf}
    )
    assert removed.status_code == 303
    assert (await member.get(f"/recordings/{ref}")).status_code == 404
    deleted = await admin.post(f"/groups/{group_id}/delete", data={"csrf_token": csrf})
    assert deleted.status_code == 303
    assert (await admin.get("/api/groups")).json() == []
