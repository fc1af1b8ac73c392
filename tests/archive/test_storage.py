"""Storage: keys that cannot escape or collide, atomic streaming writes, a real S3 endpoint."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from archive_helpers import MakeBridge, served_files, sync
from hypothesis import given
from hypothesis import strategies as st

from shared_helpers import moto_s3, zoom_originals
from zoombridge.errors import ConfigurationError
from zoombridge.storage import InstanceKeys, check_template, open_store
from zoombridge.storage.keys import safe_segment, uuid_for_path

pytestmark = pytest.mark.anyio

TEMPLATE = "{host_email}/{year}/{month}/{start} {topic} [{uuid}]"
WHEN = datetime(2026, 3, 6, 11, 0, tzinfo=UTC)


def keys_for(
    topic: str, uuid: str = "abc/def+g==", email: str = "Host@Example.edu"
) -> InstanceKeys:
    return InstanceKeys.render(
        TEMPLATE,
        uuid=uuid,
        meeting_id=123,
        host_id="h1",
        host_email=email,
        topic=topic,
        start=WHEN,
    )


def test_default_key_layout() -> None:
    keys = keys_for("Weekly sync")
    assert keys.folder == "host@example.edu/2026/03/2026-03-06 11.00 Weekly sync [abc_def-g==]"
    assert keys.file("f-1", "shared_screen", "MP4") == keys.folder + "/shared_screen-f-1.mp4"
    assert keys.sidecar == keys.folder + "/meeting.json"


@pytest.mark.parametrize(
    "topic",
    ["../../etc/passwd", "..", "a/../../b", "con\x00trol\x1b[31m", "C:\\Windows\\x", " . ", ""],
)
def test_hostile_topics_stay_inside_their_folder(topic: str) -> None:
    keys = keys_for(topic)
    segments = keys.folder.split("/")
    assert len(segments) == 4
    assert all(segment not in ("", ".", "..") for segment in segments)
    assert not any(ch in keys.folder for ch in "\x00\x1b\\:")


@given(st.text(max_size=300), st.text(max_size=80))
def test_any_topic_and_email_give_a_safe_relative_key(topic: str, email: str) -> None:
    keys = keys_for(topic, email=email or "x@y")
    assert not keys.folder.startswith("/")
    assert all(part not in ("", ".", "..") for part in keys.folder.split("/"))
    assert all(len(part.encode()) <= 120 for part in keys.folder.split("/"))
    assert "\x00" not in keys.folder


def test_uuid_mapping_is_reversible_so_instances_never_share_a_folder() -> None:
    uuids = ["ab/cd==", "ab_cd==", "ab+cd==", "ab-cd=="]
    mapped = {uuid_for_path(u) for u in uuids}
    assert len(mapped) == 2  # Zoom's alphabet has no _ or -: only the first and third are real
    assert uuid_for_path("ab/cd==") != uuid_for_path("ab+cd==")
    assert len({keys_for("same", uuid=u).folder for u in ("a/b==", "a+b==", "ab/==")}) == 3


@pytest.mark.parametrize(
    "template",
    [
        "{host_email}/{topic}",
        "{uuid}/{nope}",
        "/abs/{uuid}",
        "../{uuid}",
        "{uuid!r}",
        "{uuid:>9}",
        "{",
    ],
)
def test_bad_templates_are_refused_with_the_fix(template: str) -> None:
    with pytest.raises(ConfigurationError, match="template"):
        check_template(template)


def test_safe_segment_truncates_on_a_character_boundary() -> None:
    text = safe_segment("é" * 200)
    assert len(text.encode()) <= 120
    assert text == "é" * 60


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://host/x", "unknown storage scheme 'ftp'"),
        ("file://relative/path", "absolute"),
        ("s3:///prefix", "bucket name is missing"),
        ("gs://bucket", "unknown storage scheme"),
    ],
)
def test_unusable_storage_urls_name_the_fix(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        open_store(url)


def test_a_folder_that_cannot_be_created_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigurationError, match="cannot create the storage folder"):
        open_store((blocker / "archive").as_uri())


async def test_a_failing_stream_leaves_no_object(tmp_path: Path) -> None:
    store = open_store(tmp_path.as_uri())

    async def broken() -> AsyncIterator[bytes]:
        yield b"x" * (9 << 20)  # more than one multipart part
        raise RuntimeError("source broke")

    with pytest.raises(RuntimeError, match="source broke"):
        await store.put_stream("a/b.mp4", broken())
    assert await store.keys() == []
    left = await asyncio.to_thread(lambda: [p for p in tmp_path.rglob("*") if p.is_file()])
    assert left == []


async def test_a_failing_each_callback_leaves_no_object(tmp_path: Path) -> None:
    """A local write hands pieces to `each` in a worker thread: its failure must still
    leave neither the object nor the staged file."""
    store = open_store(tmp_path.as_uri())
    seen: list[int] = []

    def each(piece: bytes) -> None:
        seen.append(len(piece))
        if len(seen) == 2:
            raise RuntimeError("hash broke")

    async def source() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"x" * (1 << 20)

    with pytest.raises(RuntimeError, match="hash broke"):
        await store.put_stream("a/b.mp4", source(), each=each)
    assert await store.keys() == []
    left = await asyncio.to_thread(lambda: [p for p in tmp_path.rglob("*") if p.is_file()])
    assert left == []


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_s3() as endpoint:
        yield endpoint


def _bucket(endpoint: str, name: str) -> object:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=name)
    return s3


async def test_backfill_into_a_real_s3_endpoint(
    make_bridge: MakeBridge, s3_endpoint: str, world: object
) -> None:
    s3 = _bucket(s3_endpoint, "zoom-archive")
    bridge = make_bridge()
    bridge.settings.storage_url = f"s3://zoom-archive/org?endpoint={s3_endpoint}"
    summary = await sync(bridge)
    expected = served_files(world)  # type: ignore[arg-type]
    assert summary.failed == 0, summary.errors
    assert summary.verified == len(expected)
    listed = s3.list_objects_v2(Bucket="zoom-archive", Prefix="org/")  # type: ignore[attr-defined]
    keys = [item["Key"] for item in listed["Contents"]]
    assert sum(1 for key in keys if key.endswith("meeting.json")) >= 1
    assert len(zoom_originals(keys)) == len(expected)
    store = bridge.store()
    for key in keys[:5]:
        assert (await store.info(key.removeprefix("org/"))).size > 0


async def _stored_and_seen(url: str) -> tuple[bytes, bytes]:
    """Uneven chunks put with `each` collecting what it is shown: (stored, seen) bytes."""
    store = open_store(url)
    seen = bytearray()
    chunks = [bytes([n]) * size for n, size in enumerate((700_000, 1, 3 << 20, 123_457))]

    async def source() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    size = await store.put_stream("a/b.mp4", source(), each=seen.extend)
    stored = b"".join([piece async for piece in store.read_stream("a/b.mp4")])
    assert size == len(stored) == sum(map(len, chunks))
    return stored, bytes(seen)


async def test_each_sees_exactly_the_bytes_stored_locally(tmp_path: Path) -> None:
    """What a transfer hashes through `each` is what the object holds, byte for byte."""
    stored, seen = await _stored_and_seen(tmp_path.as_uri())
    assert seen == stored


async def test_each_sees_exactly_the_bytes_stored_in_s3(s3_endpoint: str) -> None:
    _bucket(s3_endpoint, "each-bucket")
    stored, seen = await _stored_and_seen(f"s3://each-bucket/org?endpoint={s3_endpoint}")
    assert seen == stored
