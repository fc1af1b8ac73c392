"""Fixtures of the privacy tests: keys and pseudonymizers of both formats."""

from __future__ import annotations

import pytest
from privacy_helpers import KEY, SALT

from zoombridge.privacy import PrivacyKeys, Pseudonymizer, make_pseudonymizer


@pytest.fixture
def keys() -> PrivacyKeys:
    return PrivacyKeys.of(SALT, KEY)


@pytest.fixture
def zoombridge_format(keys: PrivacyKeys) -> Pseudonymizer:
    return make_pseudonymizer("zoombridge", keys)


@pytest.fixture
def psoxy_format(keys: PrivacyKeys) -> Pseudonymizer:
    return make_pseudonymizer("psoxy", keys)


@pytest.fixture(params=["zoombridge", "psoxy"])
def any_format(request: pytest.FixtureRequest, keys: PrivacyKeys) -> Pseudonymizer:
    return make_pseudonymizer(request.param, keys)
