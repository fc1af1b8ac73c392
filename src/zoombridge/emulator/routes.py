"""The table of every emulated /v2 route."""

from __future__ import annotations

from zoombridge.emulator import (
    routes_archive,
    routes_meetings,
    routes_phone,
    routes_recordings,
    routes_reports,
    routes_users,
)
from zoombridge.emulator.api import ApiRoute

__all__ = ["all_routes"]


def all_routes() -> list[ApiRoute]:
    return [
        *routes_users.ROUTES,
        *routes_recordings.ROUTES,
        *routes_meetings.ROUTES,
        *routes_reports.ROUTES,
        *routes_archive.ROUTES,
        *routes_phone.ROUTES,
    ]
