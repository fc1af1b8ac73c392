"""Fixtures for the contract tests: Zoom's documents, loaded and made strict once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CONTRACT_DIR = str(Path(__file__).resolve().parent)
if CONTRACT_DIR not in sys.path:  # lets the tests `import strict_openapi`
    sys.path.insert(0, CONTRACT_DIR)

from strict_openapi import ZoomContract  # noqa: E402  (needs the path above)


@pytest.fixture(scope="session")
def zoom_contract() -> ZoomContract:
    """The strict contract built from the vendored documents in tests/contract/zoom-api/."""
    return ZoomContract.load()
