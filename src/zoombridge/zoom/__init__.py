"""An async Zoom API client that never loses a page, never trips a rate limit, never hangs.

Usable on its own:

    async with ZoomClient(account_id=..., client_id=..., client_secret=...) as zoom:
        async for user in users.iter_all_users(zoom):
            async for meeting in recordings.iter_user_recordings(zoom, user.id, start, end):
                ...

Area modules (`users`, `recordings`, `meetings`, `reports`, `phone`) hold thin typed
functions; `webhooks` verifies and parses what Zoom pushes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zoombridge.lazy import lazy_names

if TYPE_CHECKING:
    from zoombridge.zoom import meetings, phone, recordings, reports, users
    from zoombridge.zoom.auth import AccessToken, ServerToServerTokens, TokenSource
    from zoombridge.zoom.client import DEFAULT_API_URL, DEFAULT_OAUTH_URL, ZoomClient
    from zoombridge.zoom.download import Download
    from zoombridge.zoom.endpoints import ENDPOINTS, Endpoint
    from zoombridge.zoom.models import RecordingFile, RecordingMeeting, User
    from zoombridge.zoom.oauth import (
        AuthorizationCodeFlow,
        AuthorizationRequest,
        FileGrantStore,
        GrantStore,
        MemoryGrantStore,
        UserGrant,
        UserTokens,
    )
    from zoombridge.zoom.pagination import month_windows, paginate, path_id
    from zoombridge.zoom.ratelimit import Category, RateBudget, parse_retry_after

# Each name is imported on first use: a process that needs one module of the client (the
# download worker needs only `download`) does not load the rest, and its pydantic models.
_WHERE = {
    "meetings": "zoombridge.zoom.meetings",
    "phone": "zoombridge.zoom.phone",
    "recordings": "zoombridge.zoom.recordings",
    "reports": "zoombridge.zoom.reports",
    "users": "zoombridge.zoom.users",
    "AccessToken": "zoombridge.zoom.auth",
    "ServerToServerTokens": "zoombridge.zoom.auth",
    "TokenSource": "zoombridge.zoom.auth",
    "DEFAULT_API_URL": "zoombridge.zoom.client",
    "DEFAULT_OAUTH_URL": "zoombridge.zoom.client",
    "ZoomClient": "zoombridge.zoom.client",
    "Download": "zoombridge.zoom.download",
    "ENDPOINTS": "zoombridge.zoom.endpoints",
    "Endpoint": "zoombridge.zoom.endpoints",
    "RecordingFile": "zoombridge.zoom.models",
    "RecordingMeeting": "zoombridge.zoom.models",
    "User": "zoombridge.zoom.models",
    "AuthorizationCodeFlow": "zoombridge.zoom.oauth",
    "AuthorizationRequest": "zoombridge.zoom.oauth",
    "FileGrantStore": "zoombridge.zoom.oauth",
    "GrantStore": "zoombridge.zoom.oauth",
    "MemoryGrantStore": "zoombridge.zoom.oauth",
    "UserGrant": "zoombridge.zoom.oauth",
    "UserTokens": "zoombridge.zoom.oauth",
    "month_windows": "zoombridge.zoom.pagination",
    "paginate": "zoombridge.zoom.pagination",
    "path_id": "zoombridge.zoom.pagination",
    "Category": "zoombridge.zoom.ratelimit",
    "RateBudget": "zoombridge.zoom.ratelimit",
    "parse_retry_after": "zoombridge.zoom.ratelimit",
}


__getattr__ = lazy_names(__name__, _WHERE)


__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_OAUTH_URL",
    "ENDPOINTS",
    "AccessToken",
    "AuthorizationCodeFlow",
    "AuthorizationRequest",
    "Category",
    "Download",
    "Endpoint",
    "FileGrantStore",
    "GrantStore",
    "MemoryGrantStore",
    "RateBudget",
    "RecordingFile",
    "RecordingMeeting",
    "ServerToServerTokens",
    "TokenSource",
    "User",
    "UserGrant",
    "UserTokens",
    "ZoomClient",
    "meetings",
    "month_windows",
    "paginate",
    "parse_retry_after",
    "path_id",
    "phone",
    "recordings",
    "reports",
    "users",
]
