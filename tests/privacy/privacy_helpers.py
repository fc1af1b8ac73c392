"""What the privacy tests share besides fixtures: the salt and key they all use (a test
module cannot import a conftest by name, several share that name on the path)."""

from __future__ import annotations

__all__ = ["KEY", "SALT"]

SALT = "a-salt-of-sixteen-or-more"
KEY = "an-encryption-key-long-enough"
