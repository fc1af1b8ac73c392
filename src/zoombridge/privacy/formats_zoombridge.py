"""zoombridge's own pseudonym format: keyed hashes and authenticated deterministic encryption.

    k_id, k_domain, k_fp = HKDF-SHA256(salt, info=purpose)        one key per purpose
    H = HMAC-SHA256(k_id, UTF-8(canonical))                         zt~ + b64url(H)
    R = key id (4) || H (32) || AES-SIV(k_enc, UTF-8(original), ad=[key id, H])
                                                                    zp~ + b64url(R)

AES-SIV (RFC 5297) is deterministic, so a value always gets the same token (joins work), and
authenticated, so an altered token is refused rather than decrypted into something else.
The key id names the encryption key: after a rotation, tokens made with a retired key still
decrypt while that key is listed, and a token of an unknown key is refused with its id.
Identifiers are trimmed, never lower-cased (Zoom ids are case-sensitive); e-mail domains are
shown lower-cased. Salts and keys shorter than 16 bytes are refused: a keyed hash is only as
strong as its key.
"""

from __future__ import annotations

import hmac

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from zoombridge.errors import ConfigurationError, TokenNotAccepted
from zoombridge.privacy.formats import Pseudonymizer
from zoombridge.privacy.keys import PrivacyKeys

__all__ = ["MIN_SECRET_BYTES", "ZoombridgePseudonymizer"]

MIN_SECRET_BYTES = 16
KEY_ID_BYTES = 4


def _hkdf(secret: bytes, purpose: str, length: int = 32) -> bytes:
    info = f"zoombridge {purpose} v1".encode()
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(secret)


class _EncryptionKey:
    def __init__(self, secret: bytes) -> None:
        self.key_id = _hkdf(secret, "key id", KEY_ID_BYTES)
        self.cipher = AESSIV(_hkdf(secret, "aes-siv", 64))


class ZoombridgePseudonymizer(Pseudonymizer):
    name = "zoombridge"
    token_prefix = "zt~"  # noqa: S105 - a prefix, not a secret
    reversible_prefix = "zp~"
    domain_hash_prefix = "zh~"
    domain_encrypted_prefix = "ze~"
    min_reversible_chars = 70  # 4 + 32 + 16 bytes of a token of an empty value
    trims = True

    def __init__(self, keys: PrivacyKeys) -> None:
        super().__init__()
        salt = keys.salt.get_secret_value()
        _strong_enough(salt, "SALT")
        self._id_mac = hmac.new(_hkdf(salt, "pseudonym"), digestmod="sha256")
        self._domain_key = _hkdf(salt, "domain")
        self._fingerprint = _hkdf(salt, "salt fingerprint", 16).hex()
        secrets = [keys.encryption_key] if keys.encryption_key else []
        secrets += keys.retired_keys
        for secret in secrets:
            _strong_enough(secret.get_secret_value(), "ENCRYPTION_KEY")
        ring = [_EncryptionKey(secret.get_secret_value()) for secret in secrets]
        self._current = ring[0] if keys.encryption_key else None
        self._ring = {key.key_id: key for key in reversed(ring)}

    @property
    def can_reverse(self) -> bool:
        return self._current is not None

    @property
    def key_id(self) -> str | None:
        """The current encryption key's id (hex), as reversible tokens carry it."""
        return None if self._current is None else self._current.key_id.hex()

    def hash(self, canonical: str) -> bytes:
        # A copy of a keyed HMAC made once: the key schedule is not redone per value
        # (hmac.digest sets it up on every call: 3 µs; a copy, update and digest: 1 µs).
        mac = self._id_mac.copy()
        mac.update(canonical.encode("utf-8"))
        return mac.digest()

    def domain_hash(self, domain: str) -> bytes:
        return hmac.digest(self._domain_key, domain.lower().encode("utf-8"), "sha256")

    def shown_domain(self, domain: str) -> str:
        return domain.lower()

    def encrypt(self, original: str, digest: bytes) -> bytes:
        assert self._current is not None  # callers check can_reverse first
        key = self._current
        sealed = key.cipher.encrypt(original.encode("utf-8"), [key.key_id, digest])
        return key.key_id + digest + sealed

    def decrypt(self, token: bytes) -> str:
        key_id, digest = token[:KEY_ID_BYTES], token[KEY_ID_BYTES : KEY_ID_BYTES + 32]
        key = self._ring.get(key_id)
        if key is None:
            raise TokenNotAccepted(
                f"the reversible token was made with key {key_id.hex()}, which this "
                f"installation does not hold (current key: {self.key_id or 'none'}); "
                "fetch the listing that produced it again",
                key_id=key_id.hex(),
            )
        try:
            plain = key.cipher.decrypt(token[KEY_ID_BYTES + 32 :], [key_id, digest])
        except InvalidTag:
            raise TokenNotAccepted(
                "the reversible token was altered", key_id=key_id.hex()
            ) from None
        return plain.decode("utf-8")

    def fingerprint(self) -> str:
        return self._fingerprint


def _strong_enough(secret: bytes, name: str) -> None:
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigurationError(
            f"ZOOMBRIDGE_PRIVACY__{name} must be at least {MIN_SECRET_BYTES} bytes long "
            "(for example `openssl rand -base64 32`)"
        )
