"""Zoom Phone: call recordings and call history (Zoom Phone has its own rate table)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

from zoombridge.zoom.client import ZoomClient
from zoombridge.zoom.endpoints import ENDPOINTS
from zoombridge.zoom.models import ZoomInt, ZoomModel, ZoomTime

__all__ = [
    "CallHistoryEntry",
    "PhoneRecording",
    "iter_call_history",
    "iter_phone_recordings",
    "iter_user_call_history",
    "iter_user_phone_recordings",
]


class PhoneRecording(ZoomModel):
    id: str
    call_id: str | None = None
    call_log_id: str | None = None
    call_history_id: str | None = None
    caller_name: str | None = None
    caller_number: str | None = None
    callee_name: str | None = None
    callee_number: str | None = None
    direction: str | None = None
    date_time: ZoomTime = None
    end_time: ZoomTime = None
    duration: ZoomInt = None
    download_url: str | None = None
    transcript_download_url: str | None = None
    recording_type: str | None = None
    owner: dict[str, object] | None = None


class CallHistoryEntry(ZoomModel):
    id: str | None = None
    call_history_uuid: str | None = None
    call_id: str | None = None
    direction: str | None = None
    start_time: ZoomTime = None
    end_time: ZoomTime = None
    duration: ZoomInt = None
    caller_name: str | None = None
    callee_name: str | None = None
    call_result: str | None = None
    recording_status: str | None = None


async def iter_phone_recordings(
    zoom: ZoomClient, start: date, end: date
) -> AsyncIterator[PhoneRecording]:
    """Every call recording on the account between two dates (one-month windows)."""
    async for item in zoom.pages_by_month(ENDPOINTS["phone_recordings"], "recordings", start, end):
        yield PhoneRecording.model_validate(item)


async def iter_user_phone_recordings(
    zoom: ZoomClient, user_id: str, start: date, end: date
) -> AsyncIterator[PhoneRecording]:
    endpoint = ENDPOINTS["phone_user_recordings"]
    async for item in zoom.pages_by_month(endpoint, "recordings", start, end, userId=user_id):
        yield PhoneRecording.model_validate(item)


async def iter_call_history(
    zoom: ZoomClient, start: date, end: date
) -> AsyncIterator[CallHistoryEntry]:
    """The account's call history (HEAVY), to reconcile recordings against calls."""
    async for item in zoom.pages_by_month(ENDPOINTS["phone_call_history"], "call_logs", start, end):
        yield CallHistoryEntry.model_validate(item)


async def iter_user_call_history(
    zoom: ZoomClient, user_id: str, start: date, end: date
) -> AsyncIterator[CallHistoryEntry]:
    endpoint = ENDPOINTS["phone_user_call_history"]
    async for item in zoom.pages_by_month(endpoint, "call_logs", start, end, userId=user_id):
        yield CallHistoryEntry.model_validate(item)
