"""Pseudonym formats: how a value becomes a token, shared by the proxy, the bulk sanitizer and
the export, so one person has one pseudonym wherever the data came from.

A format supplies four primitives (hash, encrypt, decrypt, salt fingerprint) and its token
prefixes; `Pseudonymizer` builds the rest on them:

    value --canonicalize--> Identity(canonical, domain)
          --hash-----------> H (32 bytes)              t~<b64url H>[@domain]
          --encrypt--------> R (bytes; H recoverable)  p~<b64url R>[@domain]

Encodings: `token` (URL-safe, above), `hash_only` (bare b64url H) and `json` (a string holding
`{"domain":...,"hash":...,"reversible":...}`, null members left out). Two formats exist:
`zoombridge` (`formats_zoombridge`, keyed and authenticated) and `psoxy` (`formats_psoxy`,
Psoxy's documented scheme, for datasets that must keep joining with Psoxy output).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from zoombridge.errors import ConfigurationError, TokenNotAccepted
from zoombridge.privacy.canonical import Identity, canonical_ip, canonical_value

__all__ = [
    "DomainHandling",
    "Encoding",
    "PseudonymOptions",
    "Pseudonymizer",
    "b64url",
    "unb64url",
]


class Encoding(StrEnum):
    TOKEN = "token"  # noqa: S105 - an encoding name, not a secret
    JSON = "json"
    HASH_ONLY = "hash_only"


class DomainHandling(StrEnum):
    """What an e-mail pseudonym shows of the domain."""

    KEEP = "keep"
    REDACT = "redact"
    HASH = "hash"
    ENCRYPT = "encrypt"


@dataclass(frozen=True)
class PseudonymOptions:
    reversible: bool = False
    encoding: Encoding = Encoding.TOKEN
    domain: DomainHandling = DomainHandling.KEEP
    ignore_dots: bool = False


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def b64url(data: bytes) -> str:
    # base64.urlsafe_b64encode in three C calls (it is two Python layers over them).
    return binascii.b2a_base64(data, newline=False).rstrip(b"=").translate(_URL_SAFE).decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Pseudonymizer(ABC):
    """One format bound to one set of keys. Thread-safe: it holds no mutable state."""

    name: str
    token_prefix: str  # non-reversible pseudonym
    reversible_prefix: str  # reversible token
    domain_hash_prefix: str
    domain_encrypted_prefix: str
    min_reversible_chars: int  # shortest b64url body of a reversible token
    trims: bool  # whether surrounding white space is dropped before hashing

    def __init__(self) -> None:
        body = rf"[A-Za-z0-9_-]{{{self.min_reversible_chars},}}"
        self._reversible_in_text = re.compile(
            rf"{re.escape(self.reversible_prefix)}(?P<body>{body})(?:@[A-Za-z0-9.\-\[\]]+)?"
        )

    # -- primitives every format supplies --------------------------------------------------
    @abstractmethod
    def hash(self, canonical: str) -> bytes:
        """H: 32 bytes, deterministic for the salt."""

    @abstractmethod
    def encrypt(self, original: str, digest: bytes) -> bytes:
        """R: deterministic bytes from which `decrypt` gives back `original`."""

    @abstractmethod
    def decrypt(self, token: bytes) -> str:
        """The original of R; TokenNotAccepted when no key held here made it."""

    @abstractmethod
    def domain_hash(self, domain: str) -> bytes: ...

    @abstractmethod
    def fingerprint(self) -> str:
        """A public value that tells datasets made with different salts apart."""

    @property
    @abstractmethod
    def can_reverse(self) -> bool:
        """Whether an encryption key is configured."""

    def digest(self, text: str) -> Any:
        """What replaces a text the rules summarize: its length and word count."""
        return {"length": len(text), "word_count": len(text.split())}

    def ip_text(self, text: str) -> str | None:
        """The canonical form of an IP address before hashing (None: not an address)."""
        return canonical_ip(text)

    # -- built on the primitives ------------------------------------------------------------
    def identity(self, text: str, options: PseudonymOptions) -> Identity:
        return canonical_value(text, ignore_dots=options.ignore_dots, trim=self.trims)

    def pseudonymize(self, text: str, options: PseudonymOptions = PseudonymOptions()) -> str:
        """The pseudonym of `text` as it is written into the output."""
        identity = self.identity(text, options)
        digest = self.hash(identity.canonical)
        reversible = self._reversible(text, digest) if options.reversible else None
        domain = self._domain_part(identity, options.domain)
        if options.encoding is Encoding.HASH_ONLY:
            return b64url(digest)
        if options.encoding is Encoding.JSON:
            return self._json(domain, digest, reversible)
        body = reversible or self.token_prefix + b64url(digest)
        return body if domain is None else f"{body}@{domain}"

    def hash_ip_text(self, text: str) -> str | None:
        """The pseudonym of an IP address; None when `text` is not one."""
        canonical = self.ip_text(text)
        return None if canonical is None else self.token_prefix + b64url(self.hash(canonical))

    def reveal(self, token: str) -> str:
        """The original value of a reversible token (any `@domain` suffix is ignored)."""
        found = self._reversible_in_text.fullmatch(token)
        if found is None:
            raise TokenNotAccepted(f"not a {self.name} reversible token")
        return self.decrypt(unb64url(found.group("body")))

    def reveal_all(self, text: str, escape: Callable[[str], str] | None = None) -> str:
        """`text` (a URL, a header) with every reversible token replaced by its original,
        passed through `escape` first when given (a URL needs its originals percent-encoded,
        so a decrypted value can never add a path segment)."""

        def original(found: re.Match[str]) -> str:
            value = self.reveal(found.group(0))
            return escape(value) if escape is not None else value

        return self._reversible_in_text.sub(original, text)

    def contains_reversible(self, text: str) -> bool:
        return self._reversible_in_text.search(text) is not None

    def _reversible(self, original: str, digest: bytes) -> str:
        if not self.can_reverse:
            raise ConfigurationError(
                "reversible pseudonyms need ZOOMBRIDGE_PRIVACY__ENCRYPTION_KEY "
                "(or ZOOMBRIDGE_PRIVACY__ENCRYPTION_KEY_FILE)"
            )
        return self.reversible_prefix + b64url(self.encrypt(original, digest))

    def _domain_part(self, identity: Identity, handling: DomainHandling) -> str | None:
        if identity.domain is None or handling is DomainHandling.REDACT:
            return None
        if handling is DomainHandling.HASH:
            return self.domain_hash_prefix + b64url(self.domain_hash(identity.domain))
        if handling is DomainHandling.ENCRYPT:
            encrypted = self._reversible(identity.domain, self.domain_hash(identity.domain))
            return self.domain_encrypted_prefix + encrypted[len(self.reversible_prefix) :]
        return self.shown_domain(identity.domain)

    def shown_domain(self, domain: str) -> str:
        return domain

    def _json(self, domain: str | None, digest: bytes, reversible: str | None) -> str:
        members: dict[str, Any] = {"domain": domain, "hash": b64url(digest)}
        members["reversible"] = reversible
        present = {key: value for key, value in members.items() if value is not None}
        return json.dumps(present, separators=(",", ":"), ensure_ascii=False)
