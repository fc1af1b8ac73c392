"""The public surface is explicit: `__all__` names exist and cover what each package defines."""

from __future__ import annotations

import importlib
import inspect

import pytest


@pytest.mark.parametrize(
    "module_name",
    [
        "zoombridge.zoom",
        "zoombridge.emulator",
        "zoombridge.errors",
        "zoombridge.clock",
        "zoombridge.settings",
    ],
)
def test_all_names_exist_and_cover_everything_defined_here(module_name: str) -> None:
    module = importlib.import_module(module_name)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert not missing
    defined = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__.startswith(module_name)
    }
    assert defined <= set(module.__all__), defined - set(module.__all__)
