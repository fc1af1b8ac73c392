"""Packages that import their modules on first use (PEP 562).

A package's `__init__` that imports every module makes any import of one of them load all
of them: a worker process that needs one module of the client, or a CLI command that needs
no web server, would carry the rest. Such a package lists where each exported name lives and
resolves it when it is first looked up.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    """A module-level `__getattr__` for `package`: each name in `where` is imported from the
    module it maps to (a name that is that module itself is the module) on first use, then
    kept in the package's namespace."""
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(where[name])
        value = module if where[name].endswith("." + name) else getattr(module, name)
        namespace[name] = value
        return value

    return __getattr__
