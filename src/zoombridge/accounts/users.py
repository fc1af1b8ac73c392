"""Portal users: created by an admin (or the CLI), signed in by e-mail and password.

Passwords are hashed with argon2id (argon2-cffi's defaults, re-hashed on sign-in when those
change). A failed sign-in says the same thing whether or not the address exists, and an
unknown address costs a hash verification like a known one, so neither the answer nor its
timing tells who has an account.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from zoombridge.accounts import throttle
from zoombridge.accounts.roles import Role
from zoombridge.db import Catalog
from zoombridge.db.models import PortalSession, PortalUser
from zoombridge.errors import InvalidInput, SignInRefused

__all__ = [
    "MIN_PASSWORD",
    "UserView",
    "authenticate",
    "create_user",
    "find_user",
    "list_users",
    "normalize_email",
    "set_password",
    "update_user",
]

MIN_PASSWORD, MAX_PASSWORD = 12, 1024  # the cap keeps a megabyte "password" from costing a hash
_EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[^@\s<>\"',;]+\.[^@\s<>\"',;]{2,}$")
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when there is no real hash, so a refusal costs what a check does;
    made on first use (a hash costs ~0.1 s, every CLI command would pay it at import)."""
    return _HASHER.hash("zoombridge: not a password anyone has")


REFUSED = "wrong e-mail address or password"


@dataclass(frozen=True)
class UserView:
    id: int
    email: str
    name: str | None
    role: Role
    disabled: bool
    has_password: bool


def normalize_email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise InvalidInput(f"{value!r} is not an e-mail address")
    return email


def check_password(password: str, email: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters; a phrase of a few "
            "words is easy to remember"
        )
    if password.strip().lower() in (email, email.split("@")[0]):
        raise InvalidInput("a password must not be the e-mail address")


def create_user(
    catalog: Catalog,
    email: str,
    role: Role,
    now: datetime,
    *,
    name: str | None = None,
    password: str | None = None,
) -> UserView:
    """A new user; without a password they cannot sign in until one is set. InvalidInput
    for a malformed address, a weak password or an address already taken."""
    address = normalize_email(email)
    if password is not None:
        check_password(password, address)
    user = PortalUser(
        email=address,
        name=(name or "").strip()[:200] or None,
        role=role.label,
        password_hash=_HASHER.hash(password) if password is not None else None,
        disabled=False,
        created_at=now,
        password_changed_at=now if password is not None else None,
    )
    try:
        with catalog.session() as session, session.begin():
            session.add(user)
    except IntegrityError:
        raise InvalidInput(f"there is already a user {address}") from None
    return _view(user)


def set_password(catalog: Catalog, user_id: int, password: str, now: datetime) -> None:
    """A new password; every session of the user ends (a stolen cookie with it)."""
    with catalog.session() as session, session.begin():
        user = session.get(PortalUser, user_id)
        if user is None:
            raise InvalidInput(f"no user {user_id}")
        check_password(password, user.email)
        user.password_hash = _HASHER.hash(password)
        user.password_changed_at = now
        session.execute(delete(PortalSession).where(PortalSession.user_id == user_id))


def update_user(
    catalog: Catalog, user_id: int, *, role: Role | None = None, disabled: bool | None = None
) -> UserView:
    """Change a user's role or switch them off; a disabled user's sessions and API tokens
    stop working at once (they are checked on every request)."""
    with catalog.session() as session, session.begin():
        user = session.get(PortalUser, user_id)
        if user is None:
            raise InvalidInput(f"no user {user_id}")
        if role is not None:
            user.role = role.label
        if disabled is not None:
            user.disabled = disabled
        return _view(user)


def authenticate(
    catalog: Catalog, email: str, password: str, client: str, now: datetime
) -> UserView:
    """The user these credentials sign in, or SignInRefused (also while throttled)."""
    address = email.strip().lower()[:320]
    with catalog.session() as session, session.begin():
        retry_at = throttle.count_attempt(session, address, client, now)
    if retry_at is not None:  # counted (committed), and no hash spent on it
        raise SignInRefused(
            f"too many sign-in attempts; try again after {retry_at:%H:%M} UTC", retry_at=retry_at
        )
    with catalog.session() as session, session.begin():
        user = session.scalar(select(PortalUser).where(PortalUser.email == address))
        if not _verified(user, password) or user is None or user.disabled:
            raise SignInRefused(REFUSED)
        throttle.clear(session, address, client)
        user.last_sign_in_at = now
        if user.password_hash and _HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = _HASHER.hash(password)
        return _view(user)


def _verified(user: PortalUser | None, password: str) -> bool:
    """Whether the password is the user's; a hash is computed either way (timing)."""
    stored = user.password_hash if user is not None and user.password_hash else None
    if len(password) > MAX_PASSWORD:  # never that long: refused, at the usual cost
        stored, password = None, password[:MAX_PASSWORD]
    try:
        return _HASHER.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def list_users(catalog: Catalog) -> list[UserView]:
    with catalog.session() as session:
        users = session.scalars(select(PortalUser).order_by(func.lower(PortalUser.email)))
        return [_view(user) for user in users]


def find_user(catalog: Catalog, email: str) -> UserView | None:
    with catalog.session() as session:
        address = email.strip().lower()
        user = session.scalar(select(PortalUser).where(PortalUser.email == address))
        return _view(user) if user is not None else None


def _view(user: PortalUser) -> UserView:
    return UserView(
        id=user.id,
        email=user.email,
        name=user.name,
        role=Role.parse(user.role),
        disabled=user.disabled,
        has_password=user.password_hash is not None,
    )
