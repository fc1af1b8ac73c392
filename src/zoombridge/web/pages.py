"""The portal's pages: sign-in and sign-out, home, sync status, search. Each page has a JSON
twin in zoombridge.web.api."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from zoombridge.accounts import Principal, Role, SignInRefused
from zoombridge.accounts.sessions import end_session, start_session
from zoombridge.accounts.users import authenticate
from zoombridge.archive.activity import (
    AttentionItem,
    DailyActivity,
    connection_id,
    daily_activity,
    needs_attention,
    retry_file,
)
from zoombridge.archive.library import readable_hits
from zoombridge.archive.search import SearchHit
from zoombridge.archive.service import SyncStatus
from zoombridge.errors import InvalidInput
from zoombridge.web.auth import PortalContext, context, page_user
from zoombridge.web.library_view import reader_of
from zoombridge.web.rendering import render
from zoombridge.web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    new_csrf_token,
    safe_next,
    same_token,
)

__all__ = ["day_or_none", "router"]

router = APIRouter(include_in_schema=False)
SignedInPage = Annotated[Principal, Depends(page_user(Role.VIEWER))]
ManagerPage = Annotated[Principal, Depends(page_user(Role.MANAGER))]


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(
    request: Request, next_path: str, *, email: str = "", message: str | None = None, status: int
) -> Response:
    token = new_csrf_token()
    response = render(
        request,
        "login.html",
        status,
        csrf_token=token,
        next=next_path,
        email=email,
        message=message,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/login",
        secure=_https(request),
        httponly=True,
        samesite="strict",
    )
    return response


@router.get("/login")
async def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, safe_next(next), status=200)


@router.post("/login")
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=4096)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    target = safe_next(next)
    if not same_token(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        message = "The sign-in form expired; please try again."
        return _login_page(request, target, email=email, message=message, status=403)
    portal = context(request)
    client = request.client.host if request.client else "unknown"
    now = portal.clock.now()
    try:
        user = await asyncio.to_thread(authenticate, portal.catalog, email, password, client, now)
    except SignInRefused as refused:
        status = 429 if refused.retry_at else 401
        page = _login_page(request, target, email=email, message=str(refused), status=status)
        if refused.retry_at:
            page.headers["Retry-After"] = str(int((refused.retry_at - now).total_seconds()) + 1)
        return page
    if previous := request.cookies.get(SESSION_COOKIE):  # signing in again ends the old one
        await asyncio.to_thread(end_session, portal.catalog, previous)
    token = await asyncio.to_thread(start_session, portal.catalog, user.id, now)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, path="/", secure=_https(request), httponly=True, samesite="lax"
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request, principal: SignedInPage) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    await asyncio.to_thread(end_session, context(request).catalog, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
async def home(request: Request, principal: SignedInPage) -> Response:
    target = "/status" if principal.can(Role.MANAGER) else "/library"
    return RedirectResponse(target, status_code=303)


@dataclass(frozen=True)
class Panel:
    """One connection's part of the status page."""

    status: SyncStatus
    attention: list[AttentionItem]
    days: list[DailyActivity]

    def series(self, measure: str) -> list[tuple[date, int]]:
        """(day, value) of one of DailyActivity's measures, for a chart."""
        return [(day.day, int(getattr(day, measure))) for day in self.days]


def _panels(portal: PortalContext) -> list[Panel]:
    today = portal.clock.now().date()
    panels = []
    for status in portal.statuses():
        connection = connection_id(portal.catalog, status.connection)
        attention = needs_attention(portal.catalog, connection)
        panels.append(Panel(status, attention, daily_activity(portal.catalog, connection, today)))
    return panels


@router.get("/status")
async def status_page(request: Request, principal: ManagerPage) -> Response:
    panels = await asyncio.to_thread(_panels, context(request))
    return render(request, "status.html", principal=principal, panels=panels)


@router.post("/status/{connection}/files/{file_id}/retry")
async def retry_page(
    request: Request, principal: ManagerPage, connection: str, file_id: str
) -> Response:
    portal = context(request)
    try:
        owner = await asyncio.to_thread(connection_id, portal.catalog, connection)
        await asyncio.to_thread(retry_file, portal.catalog, owner, file_id, portal.clock.now())
    except InvalidInput as exc:
        raise HTTPException(409, str(exc)) from None
    return RedirectResponse(f"/status#{quote(connection)}", status_code=303)


@router.get("/search")
async def search_page(
    request: Request,
    principal: SignedInPage,
    q: str = "",
    host: str = "",
    date_from: str = "",
    date_to: str = "",
) -> Response:
    """The form sends every field, empty ones as "": those mean "any"."""
    values = {"q": q, "host": host, "date_from": date_from, "date_to": date_to}
    hits: list[SearchHit] = []
    message, status = None, 200
    try:
        first, last = day_or_none(date_from, "from"), day_or_none(date_to, "to")
        if q.strip():
            hits = await asyncio.to_thread(
                readable_hits,
                context(request).catalog,
                reader_of(principal),
                q,
                host_email=host.strip() or None,
                date_from=first,
                date_to=last,
                limit=50,
            )
    except InvalidInput as exc:
        message, status = str(exc), 422
    return render(
        request, "search.html", status, principal=principal, hits=hits, message=message, **values
    )


def day_or_none(value: str, name: str) -> date | None:
    """A form's date field: None when left empty, InvalidInput when it is not a date."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"the {name} date {value[:40]!r} is not a date like 2026-03-31"
        ) from None
