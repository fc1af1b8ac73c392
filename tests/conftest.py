"""Fixtures every test directory may use: a PostgreSQL database of the test's own.

The database is created on 127.0.0.1:5432 and dropped afterwards. Without a server the test
is skipped on a developer's machine, and fails in CI (CI=true), where a missing service must
never pass silently.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import psycopg
import pytest

from zoombridge.testing import fresh_postgres_database


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(fresh_postgres_database())
        except psycopg.OperationalError as exc:
            if os.environ.get("CI") == "true":
                pytest.fail(f"PostgreSQL is required in CI and is not reachable: {exc}")
            pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 ({exc})")
        yield url
