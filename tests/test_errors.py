"""The exception tree is drawn in errors.py's docstring; the drawing must match the code."""

from __future__ import annotations

import inspect
import re

import zoombridge.errors as errors
from zoombridge.errors import FatalError, RetriableError, SkippableError, ZoomBridgeError, ZoomError


def _drawn_parents() -> dict[str, str | None]:
    """Class name -> the name drawn as its parent, from the docstring's tree."""
    parents: dict[str, str | None] = {}
    stack: list[str] = []
    for line in (errors.__doc__ or "").splitlines():
        match = re.search(r"[A-Z][A-Za-z]+", line)
        if not line.startswith("    ") or match is None or not hasattr(errors, match.group()):
            continue
        depth = (match.start() - 4) // 4
        del stack[depth:]
        parents[match.group()] = stack[-1] if stack else None
        stack.append(match.group())
    return parents


def test_the_drawn_tree_is_the_real_tree() -> None:
    drawn = _drawn_parents()
    classes = {
        name
        for name, obj in inspect.getmembers(errors, inspect.isclass)
        if issubclass(obj, ZoomBridgeError) and obj is not ZoomError
    }
    assert set(drawn) == classes
    for name, parent in drawn.items():
        bases = getattr(errors, name).__bases__
        assert parent is None or getattr(errors, parent) in bases, f"{name} is not under {parent}"


def test_every_leaf_says_what_to_do_by_its_branch() -> None:
    branches = (RetriableError, FatalError, SkippableError)
    for name in errors.__all__:
        cls = getattr(errors, name)
        if cls in (ZoomBridgeError, ZoomError, *branches):
            continue
        assert sum(issubclass(cls, b) for b in branches) == 1, (
            f"{name} must be in exactly one branch"
        )


def test_zoom_errors_carry_where_they_happened() -> None:
    error = errors.ZoomNotFound(
        "gone", status=404, code=3301, method="GET", path="/meetings/1/recordings"
    )
    assert error.where() == "GET /meetings/1/recordings -> 404/3301"
