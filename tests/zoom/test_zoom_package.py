"""A process that needs only the client's download code (the download worker) loads nothing
else of the client, and none of its pydantic models."""

from __future__ import annotations

from shared_helpers import modules_loaded_by


def test_the_download_code_loads_without_the_client() -> None:
    loaded = modules_loaded_by("zoombridge.zoom.download", ["zoombridge.zoom"])
    assert loaded == ["zoombridge.zoom", "zoombridge.zoom.download"]
