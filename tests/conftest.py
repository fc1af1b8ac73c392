"""Fixtures every test directory may use: a PostgreSQL database of the test's own.

The database is created on 127.0.0.1:5432 and dropped afterwards. Without a server the test
is skipped on a developer's machine, and fails in CI (CI=true), where a missing service must
never pass silently.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = f"zb_test_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and is not reachable: {exc}")
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 ({exc})")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES_SERVER}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
