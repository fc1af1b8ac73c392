"""What a value is before it is hashed: e-mail addresses, identifiers and IP addresses.

Two spellings of one mailbox must give one pseudonym: `Ada.Lovelace+zoom@Example.EDU` and
`ada.lovelace@example.edu` are the same person. The local part is lower-cased and cut at the
first `+`; with `ignore_dots` its dots go too (Gmail's rule, off by default because most
domains treat `a.b` and `ab` as different people). The domain is lower-cased for the hash
and kept as written for output (`Identity.domain`); the format decides what to show.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

__all__ = [
    "Identity",
    "canonical_ip",
    "canonical_value",
    "email_identity",
    "java_ip_text",
    "scalar_text",
]

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_QUOTED = r'"(?:[^"\\\r\n]|\\.)*"'
_LOCAL = rf"(?:{_ATOM}(?:\.{_ATOM})*|{_QUOTED})"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[^\[\]\\\r\n]*\])"


def _address(suffix: str) -> str:
    return rf"(?P<local{suffix}>{_LOCAL})@(?P<domain{suffix}>{_DOMAIN})"


_PHRASE = rf"(?:(?:{_ATOM}|{_QUOTED}|\.)(?:[ \t]+(?:{_ATOM}|{_QUOTED}|\.))*)"
# An RFC 5322 mailbox: a bare address, or a display name and the address in angle brackets.
_MAILBOX = re.compile(rf"[ \t]*(?:{_address('')}|(?:{_PHRASE}[ \t]*)?<{_address('2')}>)[ \t]*")


@dataclass(frozen=True)
class Identity:
    """A value ready to hash: `canonical` text, and for an e-mail address its domain as written."""

    canonical: str
    domain: str | None = None


def email_identity(value: str, *, ignore_dots: bool = False) -> Identity | None:
    """The canonical identity of an e-mail address (display name ignored), or None."""
    if len(value) > 512 or "@" not in value:  # the cheap test first: most ids are not addresses
        return None
    found = _MAILBOX.fullmatch(value)
    if found is None:
        return None
    local = found.group("local") or found.group("local2")
    domain = found.group("domain") or found.group("domain2")
    local = local.lower().split("+", 1)[0]
    if ignore_dots:
        local = local.replace(".", "")
    return Identity(f"{local}@{domain.lower()}", domain)


def scalar_text(value: object) -> str | None:
    """A JSON scalar as text (numbers as written by `str`); None for null, booleans, containers."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        return str(value)
    return None


def canonical_value(text: str, *, ignore_dots: bool = False, trim: bool = True) -> Identity:
    """E-mail addresses canonicalized, any other identifier kept as it is (Zoom ids are
    case-sensitive, so never lower-cased); `trim` drops surrounding white space first."""
    candidate = text.strip() if trim else text
    return email_identity(candidate, ignore_dots=ignore_dots) or Identity(candidate)


def canonical_ip(text: str) -> str | None:
    """An IPv4 or IPv6 address in its shortest standard form, IPv4-mapped IPv6 as IPv4;
    None when the text is not an address (host names are never looked up)."""
    address = _parse_ip(text)
    return None if address is None else str(address)


def java_ip_text(text: str) -> str | None:
    """The address as Java's `InetAddress.getHostAddress()` writes it (Psoxy's canonical
    form): dotted IPv4; IPv6 as eight lower-case hex groups, no `::` shortening."""
    address = _parse_ip(text)
    if address is None:
        return None
    if isinstance(address, ipaddress.IPv4Address):
        return str(address)
    return ":".join(f"{int(group, 16):x}" for group in address.exploded.split(":"))


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
