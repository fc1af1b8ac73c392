"""The JSON API (OpenAPI at /api/openapi.json): the same services as the pages, for scripts
and machine clients with API tokens."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from zoombridge.accounts import Principal, Role
from zoombridge.accounts.sessions import create_api_token, list_api_tokens, revoke_api_token
from zoombridge.archive.activity import connection_id, daily_activity, needs_attention, retry_file
from zoombridge.archive.library import make_ref, readable_hits
from zoombridge.archive.search import MAX_LIMIT
from zoombridge.errors import InvalidInput
from zoombridge.web.auth import api_user, context
from zoombridge.web.library_view import reader_of

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])
SignedInCaller = Annotated[Principal, Depends(api_user(Role.VIEWER))]
ManagerCaller = Annotated[Principal, Depends(api_user(Role.MANAGER))]


class Me(BaseModel):
    id: int
    email: str
    name: str | None
    role: str


class SearchHitOut(BaseModel):
    ref: str = Field(description="the recording, at /api/recordings/{ref}")
    meeting_uuid: str
    connection_id: int
    topic: str | None
    host_email: str | None
    start_time: datetime | None
    kind: str
    speaker: str | None
    snippet: str = Field(description="the text around the matches, matches marked «like this»")
    offset: float | None = Field(description="seconds into the recording to play from")
    joined: bool = Field(description="offset is on the joined recording")
    file_id: str | None
    score: float


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class TokenMade(BaseModel):
    id: int
    name: str
    token: str = Field(description="shown once; send it as 'Authorization: Bearer <token>'")


class TokenOut(BaseModel):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


@router.get("/me")
async def me(principal: SignedInCaller) -> Me:
    return Me(
        id=principal.user_id, email=principal.email, name=principal.name, role=principal.role.label
    )


@router.get("/status")
async def status(request: Request, principal: ManagerCaller) -> list[dict[str, Any]]:
    """Each connection's sync status, as `zoombridge status --json` prints it."""
    statuses = await asyncio.to_thread(context(request).statuses)
    return [s.as_dict() for s in statuses]


def _connection(request: Request, name: str) -> int:
    try:
        return connection_id(context(request).catalog, name)
    except InvalidInput as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/connections/{connection}/attention")
async def attention(
    request: Request, principal: ManagerCaller, connection: str
) -> list[dict[str, Any]]:
    """Files that need a look: failed (retryable), flagged media, waiting on Zoom, gone."""
    owner = await asyncio.to_thread(_connection, request, connection)
    items = await asyncio.to_thread(needs_attention, context(request).catalog, owner)
    return [item.as_dict() for item in items]


@router.get("/connections/{connection}/activity")
async def activity(
    request: Request,
    principal: ManagerCaller,
    connection: str,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> list[dict[str, Any]]:
    """Recordings and bytes archived, and bytes freed in Zoom, per day (UTC), oldest first."""
    portal = context(request)
    owner = await asyncio.to_thread(_connection, request, connection)
    today = portal.clock.now().date()
    found = await asyncio.to_thread(daily_activity, portal.catalog, owner, today, days)
    return [day.as_dict() for day in found]


@router.post("/connections/{connection}/files/{file_id}/retry", status_code=202)
async def retry(
    request: Request, principal: ManagerCaller, connection: str, file_id: str
) -> dict[str, str]:
    """A failed file gets a new attempt; the next sync transfers it."""
    portal = context(request)
    owner = await asyncio.to_thread(_connection, request, connection)
    try:
        await asyncio.to_thread(retry_file, portal.catalog, owner, file_id, portal.clock.now())
    except InvalidInput as exc:
        raise HTTPException(409, str(exc)) from None
    return {"file_id": file_id, "state": "pending"}


@router.get("/search")
async def search_api(
    request: Request,
    principal: SignedInCaller,
    q: Annotated[str, Query(max_length=2000)],
    host: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[SearchHitOut]:
    try:
        hits = await asyncio.to_thread(
            readable_hits,
            context(request).catalog,
            reader_of(principal),
            q,
            host_email=host or None,
            date_from=date_from,
            date_to=date_to,
            limit=limit,
            offset=offset,
        )
    except InvalidInput as exc:
        raise HTTPException(422, str(exc)) from None
    return [
        SearchHitOut(
            ref=make_ref(h.connection_id, h.meeting_uuid),
            meeting_uuid=h.meeting_uuid,
            connection_id=h.connection_id,
            topic=h.topic,
            host_email=h.host_email,
            start_time=h.start_time,
            kind=h.kind,
            speaker=h.speaker,
            snippet=h.snippet.marked(),
            offset=h.offset,
            joined=h.joined,
            file_id=h.file_id,
            score=h.score,
        )
        for h in hits
    ]


@router.get("/tokens")
async def list_tokens(request: Request, principal: SignedInCaller) -> list[TokenOut]:
    views = await asyncio.to_thread(list_api_tokens, context(request).catalog, principal.user_id)
    return [TokenOut(**asdict(view)) for view in views]


@router.post("/tokens", status_code=201)
async def make_token(request: Request, principal: SignedInCaller, body: TokenIn) -> TokenMade:
    """Only a signed-in person makes tokens: a stolen token cannot make itself a successor
    that outlives its revocation."""
    if principal.csrf_token is None:
        raise HTTPException(403, "API tokens are made from a signed-in session, not by a token")
    portal = context(request)
    try:
        view, token = await asyncio.to_thread(
            create_api_token, portal.catalog, principal.user_id, body.name, portal.clock.now()
        )
    except InvalidInput as exc:
        raise HTTPException(422, str(exc)) from None
    return TokenMade(id=view.id, name=view.name, token=token)


@router.delete("/tokens/{token_id}", status_code=204)
async def revoke_token(request: Request, principal: SignedInCaller, token_id: int) -> None:
    portal = context(request)
    revoked = await asyncio.to_thread(
        revoke_api_token, portal.catalog, principal.user_id, token_id, portal.clock.now()
    )
    if not revoked:  # someone else's token is "not found" too: ids tell nothing
        raise HTTPException(404, f"you have no API token {token_id}")
