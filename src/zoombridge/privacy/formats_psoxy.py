"""Psoxy's documented pseudonym scheme, reproduced from its described behaviour (no code of
Psoxy's was read or copied), so datasets made here join with datasets Psoxy made.

    H = SHA-256(UTF-8(canonical + salt))                 salt appended, no HMAC
    t~ + b64url(H)                                       non-reversible
    key = PBKDF2-HMAC-SHA256(encryption key, UTF-8(salt), 65536 rounds, 32 bytes)
    R = H || AES-256-CBC(key, iv = H[0:16], PKCS#7, UTF-8(original value))
    p~ + b64url(R)                                       reversible; H is its first 32 bytes
    fingerprint = base64(SHA-256(salt + SALT_FOR_SALT)) with / -> _ and + -> .

Non-e-mail values are hashed exactly as written (no trimming, no case folding); an e-mail's
domain is shown as written. The scheme is weaker than the `zoombridge` format: the hash is not
keyed (a short salt can be brute-forced from one known value) and the cipher is not
authenticated. Here a decrypted value is accepted only if it hashes back to H.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from zoombridge.errors import TokenNotAccepted
from zoombridge.privacy.canonical import canonical_value, java_ip_text
from zoombridge.privacy.formats import Pseudonymizer
from zoombridge.privacy.keys import PrivacyKeys

__all__ = ["SALT_FOR_SALT", "PsoxyPseudonymizer"]

SALT_FOR_SALT = "f33c366c-ae91-4819-b221-f9794ebb8145"
PBKDF2_ROUNDS = 65536


class PsoxyPseudonymizer(Pseudonymizer):
    name = "psoxy"
    token_prefix = "t~"  # noqa: S105 - a prefix, not a secret
    reversible_prefix = "p~"
    domain_hash_prefix = "h~"
    domain_encrypted_prefix = "e~"
    min_reversible_chars = 43
    trims = False

    def __init__(self, keys: PrivacyKeys) -> None:
        super().__init__()
        self._salt = keys.salt.get_secret_value().decode("utf-8")
        secret = keys.encryption_key
        self._aes_key = None if secret is None else _derive(secret.get_secret_value(), self._salt)

    @property
    def can_reverse(self) -> bool:
        return self._aes_key is not None

    def hash(self, canonical: str) -> bytes:
        return hashlib.sha256((canonical + self._salt).encode("utf-8")).digest()

    def domain_hash(self, domain: str) -> bytes:
        return self.hash(domain.lower())

    def encrypt(self, original: str, digest: bytes) -> bytes:
        assert self._aes_key is not None  # callers check can_reverse first
        padder = padding.PKCS7(128).padder()
        plain = padder.update(original.encode("utf-8")) + padder.finalize()
        encryptor = Cipher(algorithms.AES(self._aes_key), modes.CBC(digest[:16])).encryptor()
        return digest + encryptor.update(plain) + encryptor.finalize()

    def decrypt(self, token: bytes) -> str:
        if self._aes_key is None:
            raise TokenNotAccepted("no encryption key is configured to read reversible tokens")
        digest, body = token[:32], token[32:]
        if len(digest) < 32 or not body or len(body) % 16:
            raise TokenNotAccepted("the reversible token is damaged (wrong length)")
        original = self._open(digest, body)
        if not self._hashes_to(original, digest):
            raise TokenNotAccepted(
                "the reversible token was not made with this installation's salt and key "
                "(rotated or foreign); fetch the listing that produced it again"
            )
        return original

    def digest(self, text: str) -> str:
        # Psoxy writes the digest as a JSON string; length counts UTF-16 units (Java's length).
        trimmed = _java_trim(text)
        members = {
            "length": len(text.encode("utf-16-le")) // 2,
            "word_count": len(_JAVA_SPACE.split(trimmed)),
        }
        return json.dumps(members, separators=(",", ":"))

    def ip_text(self, text: str) -> str | None:
        return java_ip_text(text)

    def fingerprint(self) -> str:
        digest = hashlib.sha256((self._salt + SALT_FOR_SALT).encode("utf-8")).digest()
        return base64.b64encode(digest).decode("ascii").replace("/", "_").replace("+", ".")

    def _open(self, digest: bytes, body: bytes) -> str:
        assert self._aes_key is not None
        decryptor = Cipher(algorithms.AES(self._aes_key), modes.CBC(digest[:16])).decryptor()
        unpadder = padding.PKCS7(128).unpadder()
        try:
            plain = unpadder.update(decryptor.update(body) + decryptor.finalize())
            return (plain + unpadder.finalize()).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise TokenNotAccepted(
                "the reversible token was not made with this installation's key "
                "(rotated or foreign); fetch the listing that produced it again"
            ) from None

    def _hashes_to(self, original: str, digest: bytes) -> bool:
        # The canonical form depends on the dot rule the producing transform used.
        return any(
            self.hash(canonical_value(original, ignore_dots=dots, trim=False).canonical) == digest
            for dots in (False, True)
        )


def _java_trim(text: str) -> str:
    """Java's String.trim(): drops characters up to U+0020 at both ends."""
    return text.strip("".join(chr(code) for code in range(0x21)))


_JAVA_SPACE = re.compile(r"[ \t\n\x0b\f\r]+")  # Java's \s


def _derive(password: bytes, salt: str) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password, salt.encode("utf-8"), PBKDF2_ROUNDS, 32)
