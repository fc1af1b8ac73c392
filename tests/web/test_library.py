"""The library over a real archive: who sees which recording, sharing, the recording page's
parts, media streamed with byte ranges, and public links that expire."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from library_helpers import archive_once, authored_draft, library_portal, spoken, with_joined_video
from portal_helpers import Portal, closing, csrf_of
from sqlalchemy import select

from zoombridge.accounts import Role
from zoombridge.archive.library import make_ref, parse_ref
from zoombridge.archive.search_index import Document, index_meeting
from zoombridge.db.models import MediaAsset, Meeting, RecordingFileRow, SearchDocument
from zoombridge.emulator.world import World
from zoombridge.web.media_stream import Unsatisfiable, requested_range

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    return archive_once(tmp_path_factory.mktemp("library"))


@pytest.fixture
async def portal(archived: tuple[Path, World], tmp_path: Path) -> AsyncIterator[Portal]:
    async for opened in closing(library_portal(archived, tmp_path)):
        yield opened


async def _share(client, ref: str, **sharing: object) -> int:  # type: ignore[no-untyped-def]
    body = {"status": "published", "visibility": "signed_in", "viewers": [], **sharing}
    headers = {"X-CSRF-Token": await csrf_of(client)}
    return (
        await client.put(f"/api/recordings/{ref}/sharing", json=body, headers=headers)
    ).status_code


async def _refs(client) -> list[str]:  # type: ignore[no-untyped-def]
    answer = await client.get("/api/library")
    assert answer.status_code == 200, answer.text
    return [item["ref"] for item in answer.json()["recordings"]]


async def test_managers_see_every_recording_and_viewers_only_what_is_shared(portal: Portal) -> None:
    manager = await portal.signed_in(Role.MANAGER)
    viewer = await portal.signed_in(Role.VIEWER)
    every = await _refs(manager)
    assert len(every) == 8
    assert await _refs(viewer) == []
    ref = with_joined_video(portal)
    assert await _share(manager, ref) == 200
    assert await _refs(viewer) == [ref]
    hidden = next(other for other in every if other != ref)
    assert (await viewer.get(f"/recordings/{hidden}")).status_code == 404
    assert await _share(manager, ref, visibility="author") == 200
    assert await _refs(viewer) == []
    assert (await viewer.get(f"/api/recordings/{ref}")).status_code == 404


async def test_chosen_viewers_only(portal: Portal) -> None:
    manager = await portal.signed_in(Role.MANAGER)
    chosen = await portal.signed_in(Role.VIEWER, "chosen@example.edu")
    other = await portal.signed_in(Role.VIEWER, "other@example.edu")
    ref = with_joined_video(portal)
    assert await _share(manager, ref, visibility="chosen", viewers=["Chosen@Example.edu"]) == 200
    assert await _refs(chosen) == [ref]
    assert await _refs(other) == []
    sharing = (await manager.get(f"/api/recordings/{ref}")).json()["sharing"]
    assert sharing == {
        "status": "published",
        "visibility": "chosen",
        "viewers": ["chosen@example.edu"],
        "groups": [],
    }
    # a draft is seen by nobody but its author and Managers, chosen or not
    assert (
        await _share(
            manager, ref, status="draft", visibility="chosen", viewers=["chosen@example.edu"]
        )
        == 200
    )
    assert await _refs(chosen) == []


async def test_bad_sharing_is_refused_and_changes_nothing(portal: Portal) -> None:
    manager = await portal.signed_in(Role.MANAGER)
    ref = with_joined_video(portal)
    assert await _share(manager, ref) == 200
    assert await _share(manager, ref, visibility="everyone") == 422
    assert await _share(manager, ref, status="live") == 422
    assert await _share(manager, ref, visibility="chosen", viewers=["nobody@example.edu"]) == 422
    after = (await manager.get(f"/api/recordings/{ref}")).json()["sharing"]
    assert after == {"status": "published", "visibility": "signed_in", "viewers": [], "groups": []}
    for bad in ("nonsense", "1-!!!", "99-" + ref.split("-", 1)[1], "1-" + "A" * 300):
        assert (await manager.get(f"/api/recordings/{bad}")).status_code == 404
    assert (await manager.get("/api/library", params={"type": "party"})).status_code == 422
    assert (await manager.get("/api/library", params={"date_from": "soon"})).status_code == 422
    assert (
        await manager.get("/library", params={"date_from": "2026-02-01", "date_to": "2026-01-01"})
    ).status_code == 422


async def test_a_viewer_cannot_share_what_they_may_only_watch(portal: Portal) -> None:
    manager = await portal.signed_in(Role.MANAGER)
    viewer = await portal.signed_in(Role.VIEWER)
    ref = with_joined_video(portal)
    assert await _share(manager, ref) == 200
    assert await _share(viewer, ref, visibility="author") == 404
    headers = {"X-CSRF-Token": await csrf_of(viewer)}
    made = await viewer.post(f"/api/recordings/{ref}/links", json={"days": 3}, headers=headers)
    assert made.status_code == 404
    detail = (await viewer.get(f"/api/recordings/{ref}")).json()
    assert detail["originals"] == []
    assert detail["sharing"] is None
    first_file = (await manager.get(f"/api/recordings/{ref}")).json()["originals"][0]["file_id"]
    assert (await viewer.get(f"/recordings/{ref}/files/{first_file}")).status_code == 404
    assert (await manager.get(f"/recordings/{ref}/files/{first_file}")).status_code == 200


async def test_the_author_manages_their_recording(portal: Portal) -> None:
    author, ref = await authored_draft(portal, "author")
    assert await _refs(author) == [ref]
    assert await _share(author, ref) == 200
    assert (await author.get(f"/api/recordings/{ref}")).json()["originals"]


async def test_the_recording_page_has_player_transcript_chat_and_speakers(portal: Portal) -> None:
    manager = await portal.signed_in(Role.MANAGER)
    ref = with_joined_video(portal)
    detail = (await manager.get(f"/api/recordings/{ref}")).json()
    first = detail["sources"][0]
    assert first["joined"]
    assert first["id"].startswith("a")
    assert first["content_type"] == "video/mp4"
    text, at = spoken(portal, parse_ref(ref)[1])
    lines = [(line["text"], line["at"]) for line in detail["transcript"]]
    assert (text, pytest.approx(at)) in lines  # on the joined recording's timeline
    assert [at for _, at in lines] == sorted(at for _, at in lines)
    assert detail["speakers"]
    assert abs(sum(s["share"] for s in detail["speakers"]) - 1) < 1e-6
    page = await manager.get(f"/recordings/{ref}")
    assert page.status_code == 200
    assert f'src="/recordings/{ref}/media/{first["id"]}"' in page.text
    assert f'data-at="{at}"' in page.text
    assert "Talk time" in page.text


async def test_media_streams_with_byte_ranges(portal: Portal) -> None:
    manager = await portal.signed_in(Role.MANAGER)
    ref = with_joined_video(portal)
    source = (await manager.get(f"/api/recordings/{ref}")).json()["sources"][0]["id"]
    url = f"/recordings/{ref}/media/{source}"
    whole = await manager.get(url)
    assert whole.status_code == 200
    assert whole.headers["accept-ranges"] == "bytes"
    size = len(whole.content)
    assert int(whole.headers["content-length"]) == size
    assert whole.headers["content-type"] == "video/mp4"
    part = await manager.get(url, headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.content == whole.content[100:1100]
    assert part.headers["content-range"] == f"bytes 100-1099/{size}"
    tail = await manager.get(url, headers={"Range": "bytes=-10"})
    assert tail.content == whole.content[-10:]
    past = await manager.get(url, headers={"Range": f"bytes={size}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{size}"
    # only what the player may play goes through the media route; originals need downloads
    transcript_file = next(
        item["file_id"]
        for item in (await manager.get(f"/api/recordings/{ref}")).json()["originals"]
        if item["file_type"] == "TRANSCRIPT"
    )
    assert (await manager.get(f"/recordings/{ref}/media/f{transcript_file}")).status_code == 404
    assert (await manager.get(f"/recordings/{ref}/media/a999999")).status_code == 404


async def test_a_public_link_works_until_it_expires_or_is_withdrawn(portal: Portal) -> None:
    manager = await portal.signed_in(Role.MANAGER)
    headers = {"X-CSRF-Token": await csrf_of(manager)}
    ref = with_joined_video(portal)
    draft = await manager.post(f"/api/recordings/{ref}/links", json={"days": 2}, headers=headers)
    assert draft.status_code == 409  # publish first
    assert await _share(manager, ref, visibility="author") == 200
    made = (
        await manager.post(f"/api/recordings/{ref}/links", json={"days": 2}, headers=headers)
    ).json()
    path = made["url"].split("://", 1)[1].split("/", 1)[1]
    anonymous = portal.client()
    page = await anonymous.get(f"/{path}")
    assert page.status_code == 200
    assert "Sharing" not in page.text
    assert "unaltered" not in page.text
    source = (await manager.get(f"/api/recordings/{ref}")).json()["sources"][0]["id"]
    media = await anonymous.get(f"/{path}/media/{source}", headers={"Range": "bytes=0-99"})
    assert media.status_code == 206
    assert len(media.content) == 100
    portal.clock.advance(2 * 86400 + 1)
    assert (await anonymous.get(f"/{path}")).status_code == 404
    assert (await anonymous.get(f"/{path}/media/{source}")).status_code == 404
    manager = await portal.signed_in(Role.MANAGER, "later@example.edu")  # sessions idled out
    headers = {"X-CSRF-Token": await csrf_of(manager)}
    second = (
        await manager.post(f"/api/recordings/{ref}/links", json={"days": 1}, headers=headers)
    ).json()
    second_path = second["url"].split("://", 1)[1].split("/", 1)[1]
    assert (await anonymous.get(f"/{second_path}")).status_code == 200
    assert await _share(manager, ref, status="draft") == 200  # unpublishing closes every link
    assert (await anonymous.get(f"/{second_path}")).status_code == 404
    assert await _share(manager, ref) == 200
    gone = await manager.delete(f"/api/recordings/{ref}/links/{second['id']}", headers=headers)
    assert gone.status_code == 204
    assert (await anonymous.get(f"/{second_path}")).status_code == 404
    listed = (await manager.get(f"/api/recordings/{ref}/links")).json()
    assert [link["active"] for link in listed] == [False, False]
    for bad in ("zbp_guess", "x" * 500, "zbp_" + "A" * 43):
        assert (await anonymous.get(f"/shared/{bad}")).status_code == 404


def test_requested_ranges() -> None:
    assert requested_range(None, 10) is None
    assert requested_range("bytes=0-4", 10) == (0, 5)
    assert requested_range("bytes=5-", 10) == (5, 10)
    assert requested_range("bytes=-3", 10) == (7, 10)
    assert requested_range("bytes=-30", 10) == (0, 10)
    assert requested_range("bytes=2-100", 10) == (2, 10)
    assert requested_range("bytes=0-1,4-5", 10) is None  # several: the whole object
    assert requested_range("items=0-1", 10) is None
    assert requested_range("bytes=5-2", 10) is None  # not a valid range: ignored
    assert requested_range("bytes=" + "9" * 16 + "-", 10) is None
    for unsatisfiable in ("bytes=10-", "bytes=-0"):
        with pytest.raises(Unsatisfiable):
            requested_range(unsatisfiable, 10)


def _asset_elsewhere(portal: Portal, ref: str) -> int:
    """A joined asset of another instance than `ref`'s."""
    connection_id, uuid = parse_ref(ref)
    with portal.catalog.session() as session:
        found = session.scalar(
            select(MediaAsset.id).where(
                MediaAsset.kind == "joined",
                MediaAsset.connection_id == connection_id,
                MediaAsset.meeting_uuid != uuid,
            )
        )
    assert found is not None
    return int(found)


async def test_nothing_beyond_the_recording_one_may_see_is_served(portal: Portal) -> None:
    manager = await portal.signed_in(Role.MANAGER)
    viewer = await portal.signed_in(Role.VIEWER)
    ref = with_joined_video(portal)
    source = (await manager.get(f"/api/recordings/{ref}")).json()["sources"][0]["id"]
    assert (await viewer.get(f"/recordings/{ref}/media/{source}")).status_code == 404
    assert await _share(manager, ref) == 200
    assert (await viewer.get(f"/recordings/{ref}/media/{source}")).status_code == 200
    other = _asset_elsewhere(portal, ref)  # an asset of a recording the viewer may not see
    assert (await viewer.get(f"/recordings/{ref}/media/a{other}")).status_code == 404
    headers = {"X-CSRF-Token": await csrf_of(manager)}
    made = await manager.post(f"/api/recordings/{ref}/links", json={"days": 1}, headers=headers)
    path = made.json()["url"].split("://", 1)[1].split("/", 1)[1]
    anonymous = portal.client()
    assert (await anonymous.get(f"/{path}/media/a{other}")).status_code == 404
    public = await anonymous.get(f"/{path}")
    assert public.status_code == 200
    uuid = parse_ref(ref)[1]
    with portal.catalog.session() as session:
        host = session.scalar(select(Meeting.host_email).where(Meeting.uuid == uuid))
    assert host
    assert host not in public.text  # a public page does not show the host's address


async def test_direct_messages_are_for_managers_only(portal: Portal) -> None:
    manager = await portal.signed_in(Role.MANAGER)
    viewer = await portal.signed_in(Role.VIEWER)
    ref = with_joined_video(portal)
    with portal.catalog.session() as session:
        private = session.scalars(
            select(SearchDocument.body).where(
                SearchDocument.meeting_uuid == parse_ref(ref)[1], SearchDocument.private
            )
        ).all()
    assert private, "the instance has a direct message in its chat"
    assert await _share(manager, ref) == 200
    said_by_all = [
        line["text"] for line in (await manager.get(f"/api/recordings/{ref}")).json()["chat"]
    ]
    seen_by_viewer = [
        line["text"] for line in (await viewer.get(f"/api/recordings/{ref}")).json()["chat"]
    ]
    assert set(private) <= set(said_by_all)
    assert not set(private) & set(seen_by_viewer)
    assert set(seen_by_viewer) < set(said_by_all)


async def test_downloads_name_the_file_safely_and_a_missing_object_is_not_found(
    portal: Portal,
) -> None:
    manager = await portal.signed_in(Role.MANAGER)
    ref = with_joined_video(portal)
    first = (await manager.get(f"/api/recordings/{ref}")).json()["originals"][0]["file_id"]
    answer = await manager.get(f"/recordings/{ref}/files/{first}")
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "\r" not in disposition
    assert "\n" not in disposition
    connection_id, _uuid = parse_ref(ref)
    with portal.catalog.session() as session:
        key = session.scalar(
            select(RecordingFileRow.storage_key).where(
                RecordingFileRow.connection_id == connection_id, RecordingFileRow.file_id == first
            )
        )
    assert key is not None
    (Path(portal.bridge.storage_url().removeprefix("file://")) / key).unlink()
    assert (await manager.get(f"/recordings/{ref}/files/{first}")).status_code == 404
    for odd in ("²-" + ref.split("-", 1)[1], "9" * 40 + "-" + ref.split("-", 1)[1]):
        assert (await manager.get(f"/api/recordings/{odd}")).status_code == 404


async def test_the_host_filter_finds_each_hosts_recordings(portal: Portal) -> None:
    manager = await portal.signed_in(Role.MANAGER)
    listed = (await manager.get("/api/library")).json()["recordings"]
    hosts = {item["host_email"] for item in listed}
    assert None not in hosts  # a user's listing omits the host's address; the sync fills it
    host = sorted(hosts)[0]
    mine = (await manager.get("/api/library", params={"host": host.upper()})).json()
    assert {item["host_email"] for item in mine["recordings"]} == {host}
    assert len(mine["recordings"]) == sum(1 for item in listed if item["host_email"] == host)


async def test_a_viewer_finds_what_is_shared_under_many_newer_hidden_matches(
    portal: Portal,
) -> None:
    """Visibility is applied where the engine looks for matches, not to the best hits of the
    whole archive afterwards: 280 newer matches in hidden recordings do not bury the one a
    viewer may see."""
    manager = await portal.signed_in(Role.MANAGER)
    viewer = await portal.signed_in(Role.VIEWER)
    with portal.catalog.session() as session:
        by_age = session.scalars(select(Meeting.uuid).order_by(Meeting.start_time)).all()
    oldest, newer = by_age[0], by_age[1:]
    said = [Document("transcript", f"the zebra crossing number {n}", None, n) for n in range(40)]
    for uuid in newer:
        index_meeting(portal.catalog, 1, uuid, said)
    index_meeting(portal.catalog, 1, oldest, [Document("transcript", "a zebra in the old one")])
    assert await _share(manager, make_ref(1, oldest)) == 200
    found = (await viewer.get("/api/search", params={"q": "zebra", "limit": 50})).json()
    assert [hit["ref"] for hit in found] == [make_ref(1, oldest)]
    everything = (await manager.get("/api/search", params={"q": "zebra", "limit": 200})).json()
    assert len(everything) == 200
