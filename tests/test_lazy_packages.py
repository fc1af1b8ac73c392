"""The packages that import their modules on first use (zoombridge.lazy): every name they
export resolves, and an unknown one is an AttributeError, as from any module."""

from __future__ import annotations

from types import ModuleType

import pytest

import zoombridge.emulator
import zoombridge.zoom

LAZY_PACKAGES = [zoombridge.zoom, zoombridge.emulator]


@pytest.mark.parametrize("package", LAZY_PACKAGES, ids=lambda p: p.__name__)
def test_every_exported_name_resolves(package: ModuleType) -> None:
    assert set(package.__all__) == set(package._WHERE)
    for name in package.__all__:
        assert getattr(package, name) is not None, name


@pytest.mark.parametrize("package", LAZY_PACKAGES, ids=lambda p: p.__name__)
def test_an_unknown_name_is_an_attribute_error(package: ModuleType) -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        package.no_such_name  # noqa: B018 - the lookup is the test
