"""Secrets at rest: AES-256-GCM with a key id, so keys can be rotated and a wrong key is named.

A sealed secret is text: `zb1:<key id>:<base64url(nonce + ciphertext + tag)>`. The key id is
the first 8 bytes of SHA-256 over the key, in hex: it says which key a secret needs without
revealing the key. Each secret is bound to a context (e.g. `connection:<name>`) as associated
data, so a sealed value copied to another row does not open there.

Keys come from `ZOOMBRIDGE_SECRET_KEY` (one or more 32-byte keys in URL-safe base64, comma
separated: the first seals, all open, which is how a key is rotated) or else from the key
file `ZOOMBRIDGE_HOME/secret.key`, created with mode 0600 the first time a secret is sealed.
A key file that others may read is refused. Opening with the wrong key raises
ConfigurationError; it never returns garbage.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from zoombridge.errors import ConfigurationError
from zoombridge.settings import Settings

__all__ = ["KEY_FILE_NAME", "KeyRing", "generate_key", "key_id"]

KEY_FILE_NAME = "secret.key"
FORMAT = "zb1"
KEY_BYTES = 32
NONCE_BYTES = 12
GENERATE_HINT = (
    'python -c "import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'
)


def generate_key() -> str:
    """A fresh key in the form ZOOMBRIDGE_SECRET_KEY and the key file take."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


def _decode_key(text: str, where: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ConfigurationError(
            f"{where}: a key must be {KEY_BYTES} random bytes in URL-safe base64 "
            f"(44 characters); make one with: {GENERATE_HINT}"
        )
    return key


class KeyRing:
    """The keys this installation can open secrets with; the first one seals.

    The key file is read when a secret is first sealed or opened, not before: commands that
    touch no secret work without it."""

    def __init__(self, keys: tuple[bytes, ...], source: str, key_file: Path | None = None):
        self._keys: tuple[bytes, ...] | None = keys or None
        self.source = source  # where the keys come from, for messages (never the keys)
        self.key_file = key_file  # read on first use, created on the first seal if missing

    def __repr__(self) -> str:
        return f"KeyRing(source={self.source!r})"

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        """Keys from ZOOMBRIDGE_SECRET_KEY, else the key file in ZOOMBRIDGE_HOME."""
        if settings.secret_key is not None and settings.secret_key.get_secret_value().strip():
            parts = settings.secret_key.get_secret_value().split(",")
            keys = tuple(_decode_key(part, "ZOOMBRIDGE_SECRET_KEY") for part in parts if part)
            return cls(keys, "ZOOMBRIDGE_SECRET_KEY")
        path = settings.home.resolve() / KEY_FILE_NAME
        return cls((), f"the key file {path}", key_file=path)

    @property
    def keys(self) -> tuple[bytes, ...]:
        if self._keys is None:
            exists = self.key_file is not None and self.key_file.exists()
            self._keys = (_read_key_file(self.key_file),) if exists and self.key_file else ()
        return self._keys

    def seal(self, plaintext: str, context: str) -> str:
        """Encrypt `plaintext` bound to `context`; creates the key file if it is the first."""
        key = self.keys[0] if self.keys else self._create_key_file()
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), context.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{FORMAT}:{key_id(key)}:{body}"

    def open(self, token: str, context: str) -> str:
        """Decrypt a sealed secret; ConfigurationError naming the fix if it cannot be."""
        fmt, _, rest = token.partition(":")
        wanted, _, body = rest.partition(":")
        if fmt != FORMAT or not wanted or not body:
            raise ConfigurationError(f"the stored secret for {context} is not in a known format")
        key = next((k for k in self.keys if key_id(k) == wanted), None)
        if key is None:
            have = ", ".join(key_id(k) for k in self.keys) or "no key (it is missing)"
            raise ConfigurationError(
                f"the secret for {context} was sealed with key {wanted}, and {self.source} "
                f"has {have}: set ZOOMBRIDGE_SECRET_KEY to the key it was written "
                "with (rotating? list the new key first, then the old one, comma separated)"
            )
        try:
            raw = base64.urlsafe_b64decode(body.encode())
            plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except (InvalidTag, binascii.Error, ValueError):
            raise ConfigurationError(
                f"the secret for {context} does not decrypt with key {wanted}: it was altered "
                "or belongs to another record; add the connection again to store it anew"
            ) from None
        return plain.decode()

    def needs_reseal(self, token: str) -> bool:
        """True when the secret is not sealed with the current (first) key."""
        return not self.keys or token.split(":")[1:2] != [key_id(self.keys[0])]

    def _create_key_file(self) -> bytes:
        if self.key_file is None:
            raise ConfigurationError("no key to seal secrets with; set ZOOMBRIDGE_SECRET_KEY")
        self.key_file.parent.mkdir(parents=True, exist_ok=True)
        text = generate_key()
        try:
            # O_EXCL: never overwrite a key some other process just wrote.
            fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = _read_key_file(self.key_file)
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(text + "\n")
            key = _decode_key(text, str(self.key_file))
        self._keys = (key,)
        return key


def _read_key_file(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigurationError(
            f"the key file {path} may be read by other users (mode {mode:04o}); "
            f"restrict it with: chmod 600 {path}"
        )
    return _decode_key(path.read_text(), str(path))
