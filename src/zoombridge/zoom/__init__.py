"""An async Zoom API client that never loses a page, never trips a rate limit, never hangs.

Usable on its own:

    async with ZoomClient(account_id=..., client_id=..., client_secret=...) as zoom:
        async for user in users.iter_all_users(zoom):
            async for meeting in recordings.iter_user_recordings(zoom, user.id, start, end):
                ...

Area modules (`users`, `recordings`, `meetings`, `reports`, `phone`) hold thin typed
functions; `webhooks` verifies and parses what Zoom pushes.
"""

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
