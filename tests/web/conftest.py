from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from portal_helpers import Portal, portal_fixture


@pytest.fixture
async def portal(tmp_path: Path) -> AsyncIterator[Portal]:
    async for opened in portal_fixture(tmp_path):
        yield opened
