"""API keys of the privacy proxy: made, listed, revoked, and checked on every request.

A key is `zbp_` and 43 random URL-safe characters (256 bits), shown once when it is made;
the catalog keeps its SHA-256 (a fast hash is enough for a random secret of that size: there
is nothing to guess). Each key may be limited to networks (CIDR, IPv4 or IPv6).

`KeyChecker` answers "may this key call from this address" for the proxy. It remembers a
key it found valid for `cache_seconds` (default 10), so most requests read no database
(`check_cached` answers those on the event loop, with no hop to a worker thread); a
revocation therefore takes effect within that time on a running proxy.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from zoombridge.clock import Clock
from zoombridge.db import Catalog
from zoombridge.db.privacy_models import ProxyKey
from zoombridge.errors import InvalidInput

__all__ = [
    "KEY_PREFIX",
    "KeyChecker",
    "KeyInfo",
    "KeyRefused",
    "NewKey",
    "create_key",
    "list_keys",
    "parse_networks",
    "revoke_key",
]

KEY_PREFIX = "zbp_"
MAX_KEY_CHARS = 128  # longer is not one of ours: refused before hashing
MAX_NAME = 100
LAST_USED_EVERY = timedelta(minutes=1)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class KeyRefused(Exception):
    """A request's key is missing, unknown, revoked, or used from a network it may not use;
    `status` is 401 or 403 and `reason` a short fixed word for the answer."""

    def __init__(self, message: str, *, status: int, reason: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class KeyInfo:
    """A key as listed: never the key itself."""

    name: str
    prefix: str
    allow_ips: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def as_json(self) -> dict[str, object]:
        stamp = {
            "created_at": self.created_at,
            "last_used_at": self.last_used_at,
            "revoked_at": self.revoked_at,
        }
        return {
            "name": self.name,
            "prefix": self.prefix,
            "allow_ips": list(self.allow_ips),
            **{name: value.isoformat() if value else None for name, value in stamp.items()},
        }


@dataclass(frozen=True)
class NewKey:
    info: KeyInfo
    key: str  # shown once


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_networks(values: list[str]) -> tuple[str, ...]:
    """CIDRs in their normal form (a bare address is a /32 or /128); InvalidInput names a
    bad one and nothing is stored."""
    networks = []
    for value in values:
        try:
            networks.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            raise InvalidInput(
                f"--allow-ip {value!r} is not a network; write an address or a CIDR such as "
                "10.0.0.0/8 or 2001:db8::/32"
            ) from None
    return tuple(dict.fromkeys(networks))


def _check_name(name: str) -> str:
    clean = name.strip()
    if not clean or len(clean) > MAX_NAME or any(not ch.isprintable() for ch in clean):
        raise InvalidInput(f"a key name is 1 to {MAX_NAME} printable characters, not {name!r}")
    return clean


def _info(row: ProxyKey) -> KeyInfo:
    return KeyInfo(
        row.name,
        row.prefix,
        tuple(row.allow_ips or ()),
        row.created_at,
        row.last_used_at,
        row.revoked_at,
    )


def create_key(catalog: Catalog, name: str, allow_ips: list[str], now: datetime) -> NewKey:
    """A new key named `name` (no other live key may have that name)."""
    clean, networks = _check_name(name), parse_networks(allow_ips)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with catalog.session() as session, session.begin():
        taken = session.scalar(
            select(ProxyKey.id).where(ProxyKey.name == clean, ProxyKey.revoked_at.is_(None))
        )
        if taken is not None:
            raise InvalidInput(
                f"a live key named {clean!r} exists; revoke it first "
                f"(zoombridge proxy key revoke {clean}) or choose another name"
            )
        row = ProxyKey(
            name=clean,
            key_sha256=digest(key),
            prefix=key[:10],
            allow_ips=list(networks),
            created_at=now,
        )
        session.add(row)
    return NewKey(_info(row), key)


def list_keys(catalog: Catalog, *, include_revoked: bool = True) -> list[KeyInfo]:
    query = select(ProxyKey).order_by(ProxyKey.created_at, ProxyKey.id)
    if not include_revoked:
        query = query.where(ProxyKey.revoked_at.is_(None))
    with catalog.session() as session:
        return [_info(row) for row in session.scalars(query)]


def revoke_key(catalog: Catalog, name: str, now: datetime) -> KeyInfo:
    """Revoke the live key named `name`; InvalidInput when there is none."""
    with catalog.session() as session, session.begin():
        row = session.scalar(
            select(ProxyKey).where(ProxyKey.name == name, ProxyKey.revoked_at.is_(None))
        )
        if row is None:
            raise InvalidInput(f"no live proxy key named {name!r} (see: zoombridge proxy key list)")
        row.revoked_at = now
    return _info(row)


@dataclass
class _Known:
    key_id: int
    name: str
    networks: tuple[Network, ...]
    checked_at: datetime


class KeyChecker:
    """Checks a presented key and the caller's address; safe to share across requests."""

    def __init__(self, catalog: Catalog, clock: Clock, cache_seconds: float = 10.0) -> None:
        self.catalog = catalog
        self._clock = clock
        self._ttl = timedelta(seconds=cache_seconds)
        self._known: dict[str, _Known] = {}
        self._used: dict[int, datetime] = {}

    def check(self, key: str | None, client_ip: str | None) -> str:
        """The key's name; KeyRefused says why not. Blocking (may read the catalog)."""
        known = self._lookup(digest(_ours(key)))
        _allowed(known, client_ip)
        self._touch(known)
        return known.name

    def check_cached(self, key: str | None, client_ip: str | None) -> str | None:
        """`check` from memory alone, for the event loop: the key's name, KeyRefused, or
        None when the catalog must be read or written (then call `check` in a thread)."""
        known = self._known.get(digest(_ours(key)))
        now = self._clock.now()
        if known is None or now - known.checked_at >= self._ttl or self._touch_due(known, now):
            return None
        _allowed(known, client_ip)
        return known.name

    def _lookup(self, sha: str) -> _Known:
        now = self._clock.now()
        cached = self._known.get(sha)
        if cached is not None and now - cached.checked_at < self._ttl:
            return cached
        with self.catalog.session() as session:
            row = session.scalar(select(ProxyKey).where(ProxyKey.key_sha256 == sha))
        if row is None:
            self._known.pop(sha, None)
            raise KeyRefused("unknown API key", status=401, reason="key_unknown")
        if row.revoked_at is not None:
            self._known.pop(sha, None)
            raise KeyRefused(f"key {row.name!r} was revoked", status=401, reason="key_revoked")
        networks = tuple(ipaddress.ip_network(text) for text in row.allow_ips or ())
        known = _Known(row.id, row.name, networks, now)
        self._known[sha] = known
        return known

    def _touch(self, known: _Known) -> None:
        """Record use at most once a minute per key: a write per request would be the
        proxy's slowest step."""
        now = self._clock.now()
        if not self._touch_due(known, now):
            return
        self._used[known.key_id] = now
        with self.catalog.session() as session, session.begin():
            session.execute(
                update(ProxyKey).where(ProxyKey.id == known.key_id).values(last_used_at=now)
            )

    def _touch_due(self, known: _Known, now: datetime) -> bool:
        last = self._used.get(known.key_id)
        return last is None or now - last >= LAST_USED_EVERY


def _ours(key: str | None) -> str:
    """`key` when it has the shape of one of ours; KeyRefused (401) otherwise."""
    if not key:
        raise KeyRefused(
            "send an API key: Authorization: Bearer <key> or X-Api-Key: <key> "
            "(make one with: zoombridge proxy key create NAME)",
            status=401,
            reason="key_missing",
        )
    if len(key) > MAX_KEY_CHARS or not key.startswith(KEY_PREFIX):
        raise KeyRefused("this is not a zoombridge proxy key", status=401, reason="key_unknown")
    return key


def _allowed(known: _Known, client_ip: str | None) -> None:
    if known.networks and not _inside(client_ip, known.networks):
        raise KeyRefused(
            f"key {known.name!r} may not be used from {client_ip or 'an unknown address'}",
            status=403,
            reason="ip_not_allowed",
        )


def _inside(client_ip: str | None, networks: tuple[Network, ...]) -> bool:
    if not client_ip:
        return False
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)
