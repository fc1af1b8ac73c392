"""Public pages to set a password from a one-time link, and to ask for such a link
("Forgot password?"), with their JSON twins.

The link's token is in the page's path, so these answers carry `Referrer-Policy:
no-referrer`: no request made from the page (its stylesheet, a click elsewhere) repeats the
token. Showing the form does not use the link, so a mail scanner that opens it spends
nothing. The forms have no session to bind a CSRF token to, so they use a double-submit
cookie, as the sign-in form does.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.responses import Response

from zoombridge.accounts.invitations import Outbox, deliver_quietly, forgot_password
from zoombridge.accounts.links import LinkHolder, check_link, use_link
from zoombridge.errors import ConfigurationError, InvalidInput, LinkUnusable, SignInRefused
from zoombridge.mail import Mailer
from zoombridge.web.auth import context
from zoombridge.web.rendering import render
from zoombridge.web.security import new_csrf_token, same_token

__all__ = ["api_router", "outbox_of", "page_router"]

page_router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["accounts"])

FORM_CSRF_COOKIE = "zb_form_csrf"  # double-submit token of these public forms
FORGOT_SENT = (
    "If {email} has an account here, a link to set a new password is on its way. "
    "It works once, within an hour."
)


def outbox_of(request: Request) -> Outbox:
    portal = context(request)
    settings = portal.bridge.settings
    public = str(settings.public_url) if settings.public_url is not None else None
    return Outbox(portal.catalog, Mailer(settings.mail, portal.clock), portal.clock, public)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _with_form_token(request: Request, name: str, status: int, **values: object) -> Response:
    token = new_csrf_token()
    response = render(request, name, status, csrf_token=token, **values)
    path = "/forgot" if name == "forgot.html" else "/password"
    response.set_cookie(
        FORM_CSRF_COOKIE,
        token,
        max_age=3600,
        path=path,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _form_token_ok(request: Request, given: str) -> bool:
    return same_token(given, request.cookies.get(FORM_CSRF_COOKIE))


# ---- set a password from a link ----


def _link_status(problem: LinkUnusable) -> int:
    return 410 if problem.known else 404


def _password_page(
    request: Request,
    token: str,
    status: int = 200,
    *,
    holder: LinkHolder | None = None,
    message: str | None = None,
    done: bool = False,
) -> Response:
    return _with_form_token(
        request, "password.html", status, token=token, holder=holder, message=message, done=done
    )


@page_router.get("/password/{token}")
async def password_form(request: Request, token: str) -> Response:
    portal = context(request)
    try:
        holder = await asyncio.to_thread(check_link, portal.catalog, token, portal.clock.now())
    except LinkUnusable as problem:
        return _password_page(request, token, _link_status(problem), message=str(problem))
    return _password_page(request, token, holder=holder)


@page_router.post("/password/{token}")
async def set_password_page(
    request: Request,
    token: str,
    password: Annotated[str, Form(max_length=4096)] = "",
    repeated: Annotated[str, Form(max_length=4096)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    portal = context(request)
    now = portal.clock.now()
    try:
        holder = await asyncio.to_thread(check_link, portal.catalog, token, now)
    except LinkUnusable as problem:
        return _password_page(request, token, _link_status(problem), message=str(problem))
    if not _form_token_ok(request, csrf_token):
        message = "The form expired; please enter your password again."
        return _password_page(request, token, 403, holder=holder, message=message)
    if password != repeated:
        message = "The two passwords differ; please type the same one twice."
        return _password_page(request, token, 422, holder=holder, message=message)
    try:
        await asyncio.to_thread(use_link, portal.catalog, token, password, now)
    except LinkUnusable as problem:
        return _password_page(request, token, _link_status(problem), message=str(problem))
    except InvalidInput as exc:
        return _password_page(request, token, 422, holder=holder, message=str(exc))
    return _password_page(request, token, holder=holder, done=True)


class LinkOut(BaseModel):
    email: str
    purpose: str = Field(description="invite | reset")
    expires_at: str


class PasswordIn(BaseModel):
    password: str = Field(max_length=4096)


def _no_referrer(response: Response) -> None:
    response.headers["Referrer-Policy"] = "no-referrer"


@api_router.get("/password/{token}")
async def password_link_api(request: Request, response: Response, token: str) -> LinkOut:
    """Whose password a link sets and until when; 404 unknown, 410 used, replaced or expired."""
    _no_referrer(response)
    portal = context(request)
    try:
        holder = await asyncio.to_thread(check_link, portal.catalog, token, portal.clock.now())
    except LinkUnusable as problem:
        raise HTTPException(_link_status(problem), str(problem)) from None
    return LinkOut(
        email=holder.email, purpose=holder.purpose, expires_at=holder.expires_at.isoformat()
    )


@api_router.post("/password/{token}", status_code=204)
async def set_password_api(
    request: Request, response: Response, token: str, body: PasswordIn
) -> None:
    """Set the password, once; every session of the user ends. 422 for a password that
    does not qualify (the link stays usable)."""
    _no_referrer(response)
    portal = context(request)
    try:
        await asyncio.to_thread(use_link, portal.catalog, token, body.password, portal.clock.now())
    except LinkUnusable as problem:
        raise HTTPException(_link_status(problem), str(problem)) from None
    except InvalidInput as exc:
        raise HTTPException(422, str(exc)) from None


# ---- forgot password ----


@page_router.get("/forgot")
async def forgot_form(request: Request) -> Response:
    return _with_form_token(request, "forgot.html", 200, email="", message=None, sent=False)


@page_router.post("/forgot")
async def forgot_page(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not _form_token_ok(request, csrf_token):
        message = "The form expired; please try again."
        return _with_form_token(request, "forgot.html", 403, email=email, message=message)
    outbox = outbox_of(request)
    try:
        pending = await asyncio.to_thread(forgot_password, outbox, email, _client(request))
    except (ConfigurationError, InvalidInput, SignInRefused) as exc:
        status, retry = _refusal(exc, outbox)
        page = _with_form_token(request, "forgot.html", status, email=email, message=str(exc))
        if retry:
            page.headers["Retry-After"] = retry
        return page
    page = _with_form_token(request, "forgot.html", 200, email=email, message=None, sent=True)
    if pending is not None:  # sent after the answer: no SMTP time tells who has an account
        page.background = BackgroundTask(deliver_quietly, outbox, pending)
    return page


def _refusal(exc: Exception, outbox: Outbox) -> tuple[int, str | None]:
    """The status of a refused request, and its Retry-After when throttled."""
    if isinstance(exc, SignInRefused) and exc.retry_at is not None:
        seconds = int((exc.retry_at - outbox.clock.now()).total_seconds()) + 1
        return 429, str(max(seconds, 1))
    if isinstance(exc, ConfigurationError):
        return 503, None
    return 422, None


class ForgotIn(BaseModel):
    email: str = Field(max_length=320)


@api_router.post("/forgot", status_code=202)
async def forgot_api(
    request: Request, response: Response, body: ForgotIn, tasks: BackgroundTasks
) -> dict[str, str]:
    """Ask for a password-reset link by e-mail; the same answer whether or not the address
    has an account. 429 while throttled, 503 when the portal has no mail server."""
    outbox = outbox_of(request)
    try:
        pending = await asyncio.to_thread(forgot_password, outbox, body.email, _client(request))
    except (ConfigurationError, InvalidInput, SignInRefused) as exc:
        status, retry = _refusal(exc, outbox)
        headers = {"Retry-After": retry} if retry else None
        raise HTTPException(status, str(exc), headers=headers) from None
    if pending is not None:
        tasks.add_task(deliver_quietly, outbox, pending)
    return {"detail": FORGOT_SENT.format(email=body.email.strip())}
