"""JSON shapes of emulated objects as Zoom's REST API returns them."""

from __future__ import annotations

from typing import Any

from zoombridge.emulator.api import iso
from zoombridge.emulator.world import EmuFile, EmuInstance, World

__all__ = ["ID_LESS", "file_json", "instance_json", "participant_file_json", "visible_files"]

ID_LESS = frozenset({"CC", "TIMELINE"})


def file_json(
    world: World, instance: EmuInstance, file: EmuFile, *, trash: bool = False
) -> dict[str, Any]:
    """A recording file as Zoom lists it; CC and TIMELINE files lack id, size, status, type."""
    processing = file.status == "processing"
    data: dict[str, Any] = {}
    if file.file_type not in ID_LESS:
        data["id"] = file.id
    data |= {
        "meeting_id": instance.uuid,
        "recording_start": iso(file.recording_start),
        "recording_end": iso(file.recording_end),
        "file_type": file.file_type,
        "file_extension": file.file_extension,
    }
    if file.file_type not in ID_LESS:
        data["file_size"] = 0 if processing else file.size
        data["play_url"] = f"{world.web_base}/rec/play/{file.token}"
    data["download_url"] = f"{world.web_base}/rec/download/{file.token}"
    if file.file_type not in ID_LESS:
        data["status"] = file.status
        data["recording_type"] = file.recording_type
    if trash and file.trashed_at:
        data["deleted_time"] = iso(file.trashed_at)
    return data


def participant_file_json(world: World, file: EmuFile, *, webhook: bool = False) -> dict[str, Any]:
    """A per-participant audio file; webhooks also carry its file_extension, REST does not."""
    data = {
        "id": file.id,
        "recording_start": iso(file.recording_start),
        "recording_end": iso(file.recording_end),
        "file_type": file.file_type,
        "file_name": file.file_name,
        "file_size": 0 if file.status == "processing" else file.size,
        "play_url": f"{world.web_base}/rec/play/{file.token}",
        "download_url": f"{world.web_base}/rec/download/{file.token}",
        "status": file.status,
    }
    if webhook:
        data["file_extension"] = file.file_extension
    return data


def visible_files(instance: EmuInstance, files: list[EmuFile], trash: bool) -> list[EmuFile]:
    if trash:
        return [f for f in files if not f.deleted and (f.trashed_at or instance.trashed_at)]
    return [f for f in files if not f.deleted and not f.trashed_at]


def instance_json(
    world: World, instance: EmuInstance, *, trash: bool = False, detail: bool = False
) -> dict[str, Any]:
    files = visible_files(instance, instance.files, trash)
    audio = visible_files(instance, instance.participant_audio, trash)
    sizes = [0 if f.status == "processing" else f.size for f in [*files, *audio]]
    data: dict[str, Any] = {
        "uuid": instance.uuid,
        "id": instance.meeting_id,
        "account_id": world.account_id,
        "host_id": instance.host_id,
        "topic": instance.topic,
        "type": str(instance.type),
        "start_time": iso(instance.start_time),
        "duration": instance.duration_minutes,
        "total_size": sum(sizes),
        "recording_count": len(files) + len(audio),
        "recording_play_passcode": instance.play_passcode,
        "recording_files": [file_json(world, instance, f, trash=trash) for f in files],
    }
    if detail:
        data["password"] = instance.recording_passcode
        if audio:
            data["participant_audio_files"] = [participant_file_json(world, f) for f in audio]
    return data
