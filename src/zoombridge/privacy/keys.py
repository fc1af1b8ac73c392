"""The secrets behind pseudonyms: a salt and an encryption key, from settings or files.

They never come from a rules file (rules are shared and versioned; keys are not) and never
appear in a repr, a log line or an error message: `PrivacyKeys` prints as masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretBytes, SecretStr

from zoombridge.errors import ConfigurationError
from zoombridge.settings import ENV_PREFIX, PrivacySettings

__all__ = ["MAX_KEY_FILE_BYTES", "PrivacyKeys", "load_keys"]

MAX_KEY_FILE_BYTES = 64 * 1024  # a key file is a line or two; anything bigger is a wrong path


@dataclass(frozen=True, repr=False)
class PrivacyKeys:
    """The salt of every pseudonym, the current encryption key and retired ones (for decryption
    of tokens made before a rotation)."""

    salt: SecretBytes
    encryption_key: SecretBytes | None = None
    retired_keys: tuple[SecretBytes, ...] = ()

    @classmethod
    def of(cls, salt: str, encryption_key: str | None = None, *retired: str) -> PrivacyKeys:
        """Keys from plain strings (tests, library use)."""
        return cls(
            salt=SecretBytes(salt.encode()),
            encryption_key=SecretBytes(encryption_key.encode()) if encryption_key else None,
            retired_keys=tuple(SecretBytes(key.encode()) for key in retired),
        )

    def __repr__(self) -> str:
        key = "set" if self.encryption_key else "unset"
        return (
            f"PrivacyKeys(salt=**********, encryption_key={key}, retired={len(self.retired_keys)})"
        )


def load_keys(settings: PrivacySettings) -> PrivacyKeys:
    """Read the salt and keys named by settings; ConfigurationError names the variable to fix."""
    salt = _one_secret(settings.salt, settings.salt_file, "SALT")
    if not salt:
        raise ConfigurationError(
            f"{_var('SALT')} (or {_var('SALT_FILE')}) is required: a long random secret, "
            "for example the output of `openssl rand -base64 32`"
        )
    key = _one_secret(settings.encryption_key, settings.encryption_key_file, "ENCRYPTION_KEY")
    retired = _lines(settings.retired_keys_file, "RETIRED_KEYS_FILE")
    return PrivacyKeys(
        salt=SecretBytes(salt),
        encryption_key=SecretBytes(key) if key else None,
        retired_keys=tuple(SecretBytes(line) for line in retired),
    )


def _var(name: str) -> str:
    return f"{ENV_PREFIX}PRIVACY__{name}"


def _one_secret(value: SecretStr, file: Path | None, name: str) -> bytes:
    inline = value.get_secret_value().encode()
    if inline and file is not None:
        raise ConfigurationError(f"set {_var(name)} or {_var(name + '_FILE')}, not both")
    if file is None:
        return inline
    lines = _lines(file, name + "_FILE")
    if len(lines) != 1:
        raise ConfigurationError(f"{_var(name + '_FILE')}: the file must hold exactly one line")
    return lines[0]


def _lines(file: Path | None, name: str) -> list[bytes]:
    """Non-blank lines of a key file, without their line endings."""
    if file is None:
        return []
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigurationError(f"{_var(name)}: cannot read {file}: {exc.strerror}") from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise ConfigurationError(f"{_var(name)}: {file} is too large to be a key file")
    return [line.strip() for line in data.splitlines() if line.strip()]
