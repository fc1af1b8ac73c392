"""The zoombridge.zoom package resolves its names on first use: all of them resolve, and a
process that needs only the download code loads nothing else of the client."""

from __future__ import annotations

import subprocess
import sys

import pytest

import zoombridge.zoom as zoom


def test_every_exported_name_resolves() -> None:
    assert set(zoom.__all__) == set(zoom._WHERE)
    for name in zoom.__all__:
        assert getattr(zoom, name) is not None, name


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        zoom.no_such_name  # noqa: B018 - the lookup is the test


def test_the_download_code_loads_without_the_client() -> None:
    script = (
        "import sys\n"
        "import zoombridge.zoom.download\n"
        "print(sorted(m for m in sys.modules if m.startswith('zoombridge.zoom.')))\n"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "['zoombridge.zoom.download']", out.stderr
