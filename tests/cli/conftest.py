"""What the CLI tests share."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ZOOMBRIDGE_HOME, and none of the caller's ZOOMBRIDGE_* settings."""
    for name in list(os.environ):
        if name.startswith("ZOOMBRIDGE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ZOOMBRIDGE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"
